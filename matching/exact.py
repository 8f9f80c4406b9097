"""Linear programmes solved by HiGHS: the flow model's optimum (a check) and the real-budget LP.

``lp_optimum_units`` is an independent exact optimum of the flow's model, to check the
min-cost flow against (tests and benchmark).

The assignment problem written as a linear programme: one variable per compatible pair in
[0, 1], at most one pair per need, at most ``capacity`` pairs per resource, at most one pair per
person at the same resource, maximise the total score. The rows form two laminar families (the
needs; the resources with their person groups inside them), so the matrix is totally unimodular,
the LP optimum is attained at an integer point and equals the best integer assignment. SciPy's
HiGHS solves it by a method unrelated to OR-Tools' flow algorithm.

``real_budget_lp`` drops the flow's simplification (a budget turned into places at the largest
grant): each budget is a row in money, the sum of the grants paid. That matrix is no longer
totally unimodular; its LP optimum is an upper bound on every assignment within the budgets,
which is what the budget-exact stage (``matching.budgets``) rounds and what every "gap" of a run
or of the benchmark is measured against.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

# SciPy ships no type information; mypy knows of a stub package (scipy-stubs) we do not install.
from matching.candidates import Candidates, FloatArray, IntArray
from matching.columns import NO_BUDGET, WarmLP, warm_available

# SciPy is imported on first use (see matching.columns.highs_core): these three stand for its
# linprog, csr_array and vstack, and tests may replace ``linprog``.


def linprog(*args: Any, **kwargs: Any) -> Any:
    from scipy.optimize import linprog as scipy_linprog  # type: ignore[import-untyped]

    return scipy_linprog(*args, **kwargs)


def csr_array(*args: Any, **kwargs: Any) -> Any:
    from scipy.sparse import csr_array as scipy_csr_array  # type: ignore[import-untyped]

    return scipy_csr_array(*args, **kwargs)


def vstack(blocks: list[Any]) -> Any:
    from scipy.sparse import vstack as scipy_vstack

    return scipy_vstack(blocks)


logger = logging.getLogger(__name__)


class ExactSolverError(RuntimeError):
    pass


def lp_optimum_units(candidates: Candidates) -> int:
    """The best total score (in units) over all compatible pairs."""
    pairs = candidates.size
    if pairs == 0:
        return 0
    columns = np.arange(pairs)
    ones = np.ones(pairs)
    per_need = csr_array((ones, (candidates.pair_need, columns)), shape=(len(candidates.needs), pairs))
    per_resource = csr_array((ones, (candidates.pair_resource, columns)), shape=(len(candidates.resources), pairs))
    groups, group_count = candidates.person_resource_groups()
    grouped = groups >= 0
    per_person_and_resource = csr_array(
        (np.ones(int(grouped.sum())), (groups[grouped], columns[grouped])), shape=(group_count, pairs)
    )
    bounds = np.concatenate(
        [np.ones(len(candidates.needs)), candidates.capacity.astype(np.float64), np.ones(group_count)]
    )
    result = linprog(
        c=-candidates.pair_units.astype(np.float64),
        A_ub=vstack([per_need, per_resource, per_person_and_resource]).tocsr(),
        b_ub=bounds,
        bounds=(0, 1),
        method="highs",
    )
    if result.status != 0:
        raise ExactSolverError(result.message)
    return round(-result.fun)


# --- the real-budget model: budgets as money ----------------------------------------------
# Value of a variable read as 1 (or 0): HiGHS's primal feasibility tolerance is 1e-7.
INTEGRAL = 1e-6


@dataclass(frozen=True)
class RealBudgetLP:
    """The LP relaxation of the budget-exact model on some pairs, solved by HiGHS.

    ``x`` is one value in [0, 1] per pair given, ``value`` the LP optimum in units (an upper
    bound on every assignment of those pairs that keeps the budgets in money), ``prices`` the
    budget rows' duals per resource in units per fen (0 where the budget does not bind).
    ``need_duals``, ``place_duals`` and ``group_duals`` are the other rows' duals (per need, per
    resource, per person-and-resource group; 0 for a row the pairs given do not reach), which
    price a pair left out (``reduced_costs``).
    """

    x: FloatArray
    value: float
    prices: FloatArray
    need_duals: FloatArray
    place_duals: FloatArray
    group_duals: FloatArray

    def reduced_costs(self, candidates: Candidates, pairs: IntArray, grants: IntArray, groups: IntArray) -> FloatArray:
        """Score less the rows' duals, per pair of ``pairs`` (``grants``, ``groups``: of those pairs):
        positive where adding the pair to the LP would raise its optimum."""
        res = candidates.pair_resource[pairs]
        cost = candidates.pair_units[pairs].astype(np.float64) - self.need_duals[candidates.pair_need[pairs]]
        cost -= self.place_duals[res] + self.prices[res] * grants
        grouped = groups >= 0
        cost[grouped] -= self.group_duals[groups[grouped]]
        return cost


class LPTimeLimit(ExactSolverError):
    """HiGHS stopped at its time limit before the LP optimum."""


def _duals(marginals: FloatArray, rows: IntArray, size: int) -> FloatArray:
    """One row block's duals of the maximisation (≥ 0), spread to all ``size`` rows (0 where absent)."""
    duals = np.zeros(size)
    duals[rows] = np.maximum(0.0, -marginals)
    return duals


def real_budget_lp(
    candidates: Candidates,
    pairs: IntArray,
    places: IntArray,
    budget_cents: IntArray,
    grants: IntArray,
    groups: IntArray,
    time_limit: float | None = None,
) -> RealBudgetLP:
    """Maximise the total score over ``pairs`` with x in [0, 1]: at most one pair per need and
    per person at a resource, at most ``places`` people and at most ``budget_cents`` fen paid
    per resource (``grants``: fen per pair, parallel to ``pairs``; ``NO_BUDGET``: no budget;
    ``groups``: ``Candidates.person_resource_groups`` of every pair)."""
    resources = len(candidates.resources)
    group_count = int(groups.max()) + 1 if groups.shape[0] else 0
    count = int(pairs.shape[0])
    if count == 0:
        zeros = np.zeros(resources)
        return RealBudgetLP(np.zeros(0), 0.0, zeros, np.zeros(len(candidates.needs)), zeros, np.zeros(group_count))
    columns = np.arange(count)
    ones = np.ones(count)
    need = candidates.pair_need[pairs]
    res = candidates.pair_resource[pairs]
    needs_used, need_row = np.unique(need, return_inverse=True)
    resources_used, resource_row = np.unique(res, return_inverse=True)
    blocks = [
        csr_array((ones, (need_row, columns)), shape=(needs_used.shape[0], count)),
        csr_array((ones, (resource_row, columns)), shape=(resources_used.shape[0], count)),
    ]
    bounds = [np.ones(needs_used.shape[0]), places[resources_used].astype(np.float64)]
    pair_groups = groups[pairs]
    grouped = pair_groups >= 0
    groups_used = np.zeros(0, dtype=np.int64)
    if grouped.any():
        groups_used, group_row = np.unique(pair_groups[grouped], return_inverse=True)
        shape = (groups_used.shape[0], count)
        blocks.append(csr_array((np.ones(int(grouped.sum())), (group_row, columns[grouped])), shape=shape))
        bounds.append(np.ones(groups_used.shape[0]))
    budgeted = budget_cents[res] < NO_BUDGET
    budget_resources, budget_row = np.unique(res[budgeted], return_inverse=True)
    shape = (budget_resources.shape[0], count)
    blocks.append(csr_array((grants[budgeted].astype(np.float64), (budget_row, columns[budgeted])), shape=shape))
    bounds.append(budget_cents[budget_resources].astype(np.float64))
    options = {} if time_limit is None else {"time_limit": max(time_limit, 0.001)}
    result = linprog(
        c=-candidates.pair_units[pairs].astype(np.float64),
        A_ub=vstack(blocks).tocsr(),
        b_ub=np.concatenate(bounds),
        bounds=(0, 1),
        method="highs-ds",
        options=options,
    )
    if result.status == 1:
        raise LPTimeLimit(result.message)
    if result.status != 0:
        raise ExactSolverError(result.message)
    # The rows' duals, block by block in the order the rows were stacked.
    marginals = np.asarray(result.ineqlin.marginals, dtype=np.float64)
    ends = np.cumsum([needs_used.shape[0], resources_used.shape[0], groups_used.shape[0]])
    return RealBudgetLP(
        x=np.clip(np.asarray(result.x), 0.0, 1.0),
        value=float(-result.fun),
        prices=_duals(marginals[ends[2] :], budget_resources, resources),
        need_duals=_duals(marginals[: ends[0]], needs_used, len(candidates.needs)),
        place_duals=_duals(marginals[ends[0] : ends[1]], resources_used, resources),
        group_duals=_duals(marginals[ends[1] : ends[2]], groups_used, group_count),
    )


def real_budget_lp_bound(candidates: Candidates, time_limit: float | None = None) -> RealBudgetLP:
    """The LP relaxation of the budget-exact model on every pair: the bound gaps are measured against."""
    budgets = np.where(candidates.budget_cents >= 0, candidates.budget_cents, NO_BUDGET)
    pairs = np.arange(candidates.size)
    groups, _count = candidates.person_resource_groups()
    return real_budget_lp(candidates, pairs, candidates.places, budgets, candidates.grant_cents(), groups, time_limit)


@dataclass(frozen=True)
class ColumnGeneration:
    """The real-budget LP over every pair of a scope, solved on a few of them (column generation).

    ``lp`` is the LP on ``pairs``; ``bound`` the value of the full LP's dual at that LP's duals
    (``lp.value`` plus every left-out pair's positive reduced cost): an upper bound on every
    assignment within the budgets in any round, equal to the full LP optimum once ``converged``
    (no left-out pair has a positive reduced cost). ``added``: pairs added in each round.
    """

    lp: RealBudgetLP
    pairs: IntArray
    bound: float
    converged: bool
    rounds: int
    added: tuple[int, ...]


def best_per_need(candidates: Candidates, pairs: IntArray, values: FloatArray, count: int) -> IntArray:
    """The ``count`` pairs of ``pairs`` with the highest ``values`` for each need."""
    order = np.lexsort((-values, candidates.pair_need[pairs]))
    needs = candidates.pair_need[pairs][order]
    first = np.searchsorted(needs, needs, side="left")
    return np.sort(pairs[order[np.arange(order.shape[0]) - first < count]])


def _solve_warm(warm: WarmLP, time_limit: float | None) -> RealBudgetLP:
    status, x, value, duals = warm.solve(time_limit)
    if status == "time_limit":
        raise LPTimeLimit("HiGHS reached the time limit")
    if status != "optimal":
        raise ExactSolverError(status)
    need_duals, place_duals, group_duals, prices = duals
    return RealBudgetLP(x, value, prices, need_duals, place_duals, group_duals)


def real_budget_lp_by_columns(
    candidates: Candidates,
    scope: IntArray,
    start: IntArray,
    places: IntArray,
    budget_cents: IntArray,
    groups: IntArray,
    *,
    per_need: int = 5,
    max_rounds: int = 30,
    tolerance: float = 1e-6,
    deadline: float | None = None,
    warm_start: bool = True,
) -> ColumnGeneration:
    """The real-budget LP over ``scope`` (pair indices), starting from the pairs ``start`` (within
    it) and each round adding, for every need, the ``per_need`` left-out pairs of highest positive
    reduced cost (score less the duals of the pair's rows), until none is left or ``max_rounds``.

    The LP on a subset of the columns is the full LP with those variables at 0; it is the full
    LP's optimum when no left-out column prices out positive. Arguments as ``real_budget_lp``,
    ``deadline`` a ``time.monotonic`` instant: an LP reaching it ends the rounds with the last
    one's result (``LPTimeLimit`` in the first). The LP stays in one HiGHS instance that goes on
    from its last basis (``matching.columns``) unless ``warm_start`` is false or the bindings are
    missing; then each round is a fresh ``real_budget_lp``. ``pairs`` of the result: in the order
    they were added when warm, else sorted.
    """
    grants = candidates.grant_cents(scope)
    scope_groups = groups[scope]
    in_lp = np.zeros(candidates.size, dtype=np.bool_)
    pairs = np.unique(start)
    in_lp[pairs] = True
    added: list[int] = []
    best = np.inf
    last: ColumnGeneration | None = None
    warm = WarmLP(candidates, places, budget_cents, groups) if warm_start and warm_available() else None
    new = pairs
    for round_number in range(1, max_rounds + 1):
        left = None if deadline is None else deadline - time.monotonic()
        try:
            if left is not None and left <= 0:
                raise LPTimeLimit("no time left")
            if warm is None:
                lp = real_budget_lp(
                    candidates, pairs, places, budget_cents, candidates.grant_cents(pairs), groups, left
                )
            else:
                warm.add(new)
                pairs = warm.pairs
                lp = _solve_warm(warm, left)
                logger.info("HiGHS: %.1f s, %d simplex iterations", warm.seconds, warm.iterations)
        except LPTimeLimit:
            if last is None:
                raise
            return last  # the last round's LP and the best bound so far
        reduced = lp.reduced_costs(candidates, scope, grants, scope_groups)
        out = ~in_lp[scope]
        best = min(best, lp.value + float(np.maximum(reduced[out], 0.0).sum()))
        positive = out & (reduced > tolerance)
        logger.info(
            "column generation round %d: %d pairs, LP %.2f, bound %.2f, %d pairs price out positive",
            round_number,
            pairs.shape[0],
            lp.value,
            best,
            int(positive.sum()),
        )
        if not positive.any():
            return ColumnGeneration(lp, pairs, lp.value, True, round_number, tuple(added))
        last = ColumnGeneration(lp, pairs, best, False, round_number, tuple(added))
        if round_number == max_rounds:
            break
        new = best_per_need(candidates, scope[positive], reduced[positive], per_need)
        in_lp[new] = True
        if warm is None:
            pairs = np.flatnonzero(in_lp)
        added.append(int(new.shape[0]))
    if last is None:
        raise ValueError("max_rounds must be at least 1")
    return last


# Fixed-point scale of the priced scores in the Lagrangian flow (units × 1,000).
PRICE_SCALE = 1000


@dataclass(frozen=True)
class LagrangianBound:
    value: float  # units; never below the real-budget LP optimum
    overspend: FloatArray  # fen the priced flow pays beyond each budget (negative: left over)


def lagrangian_bound(candidates: Candidates, prices: FloatArray) -> LagrangianBound:
    """An upper bound on every assignment within the budgets, from budget prices (units per fen).

    For any prices λ ≥ 0, charging each pair λ × its grant, letting the places alone limit the
    flow and adding back λ × each budget bounds every feasible assignment from above (Lagrangian
    duality); with the real-budget LP's duals it equals the LP optimum. Used where one LP over the
    whole problem would not fit (the benchmark's 50,000 and 100,000 sizes): never below the LP bound.
    Priced scores are rounded up, so the bound stays an upper bound.
    """
    from matching.flow import min_cost_flow_assignment  # the flow imports nothing of this module

    prices = np.maximum(np.asarray(prices, dtype=np.float64), 0.0)
    budgets = np.where(candidates.budget_cents >= 0, candidates.budget_cents, 0).astype(np.float64)
    prices = np.where(candidates.budget_cents >= 0, prices, 0.0)
    priced = candidates.pair_units.astype(np.float64) - prices[candidates.pair_resource] * candidates.grant_cents()
    scaled = np.ceil(priced * PRICE_SCALE).astype(np.int64)
    keep = np.flatnonzero(scaled > 0)
    sub = dataclasses.replace(
        candidates,
        pair_need=candidates.pair_need[keep],
        pair_resource=candidates.pair_resource[keep],
        pair_locality=candidates.pair_locality[keep],
        pair_units=scaled[keep],
        capacity=candidates.places,
    )
    chosen = keep[min_cost_flow_assignment(sub)]
    spent = np.bincount(
        candidates.pair_resource[chosen],
        weights=candidates.grant_cents(chosen).astype(np.float64),
        minlength=len(candidates.resources),
    )
    value = float(scaled[chosen].sum()) / PRICE_SCALE + float((prices * budgets).sum())
    return LagrangianBound(value, np.where(candidates.budget_cents >= 0, spent - budgets, 0.0))


def refined_lagrangian_bound(candidates: Candidates, prices: FloatArray, target: float, rounds: int) -> float:
    """The least of ``rounds`` Lagrangian bounds, moving the prices by subgradient steps (Polyak's
    rule towards ``target``, a known feasible score) from the given ones."""
    best = np.inf
    step = 1.0
    for _round in range(rounds):
        bound = lagrangian_bound(candidates, prices)
        best = min(best, bound.value)
        norm = float((bound.overspend**2).sum())
        if norm == 0 or bound.value <= target:
            break
        prices = np.maximum(0.0, prices + step * (bound.value - target) / norm * bound.overspend)
        step *= 0.7
    return float(best)
