"""The budget-exact stage: budgets kept as money after the flow has kept them as places.

The min-cost flow (``matching.solver``) turns a resource's budget into a number of places by
charging every person the largest grant among its candidates. That keeps every budget, but a fund
of 1,000 yuan asked for 300, 300 and 500 gets two places and leaves money unused that could pay one
more person. This stage starts from the flow's assignment and, county by county:

1. solves the LP relaxation of the real model with HiGHS (each budget a row in fen: the sum of the
   grants paid is at most what is left) — its optimum is the bound the run's gap is measured against;
2. keeps the pairs the LP sets to 1 and dives: the rest of the county is solved again as an LP
   (small now), pairs at 1 are kept, fractional ones are fixed from the largest value down while
   they still fit, until nothing fractional is left;
3. fills what is left with min-cost flows over the remaining places and money (each round
   charging the largest grant still possible), then greedily by score;
4. checks every budget in fen, every place and one resource per need and per person at a
   resource, and keeps the result only if it scores more than the flow did there.

A fund serving several counties (a city fund) is first divided between them by one joint LP over
every pair, solved by column generation (``exact.real_budget_lp_by_columns``): each county may use
the share of it the joint LP gives its pairs, and the joint LP's optimum is the bound. Without time
for it (``JOINT_MIN_SECONDS``) each county takes what the others' current assignment leaves, in code
order. Either way the flow's part is a feasible start and is what remains when an LP fails or
reaches the time limit. Measured alternatives (docs/matching.md): HiGHS's MIP and
CP-SAT returned nothing better than their start within 10 s at county size; a flow priced by the
LP's budget duals, repaired, came 0.67% below the bound; the dive 0.36–0.43%.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass

import numpy as np

from matching.candidates import BoolArray, Candidates, FloatArray, IntArray
from matching.exact import (
    INTEGRAL,
    NO_BUDGET,
    LPTimeLimit,
    RealBudgetLP,
    best_per_need,
    real_budget_lp,
    real_budget_lp_by_columns,
)
from matching.flow import min_cost_flow_assignment

logger = logging.getLogger(__name__)

DIVE_ROUNDS = 30
# Below this many seconds left no county LP is started (building one takes about that long).
MIN_SECONDS = 2.0
# Pairs one LP takes at most (about 8 s at 330,000 on a quiet core); a county's LP may be larger.
MAX_LP_PAIRS = 400_000
FLOW_ROUNDS = 5
# Each need's best pairs (with the flow's) in the first joint LP over several counties; column
# generation adds whatever else prices out positive.
JOINT_PAIRS_PER_NEED = 5
# The joint LP is tried only with at least this many seconds left (a first LP over 50,000 needs
# takes minutes; at 100,000 × 10,000 a run has far less, and the counties proceed as before).
JOINT_MIN_SECONDS = 60.0
# Share of the time left the joint LP may take; the counties' LPs and dives have the rest.
JOINT_TIME_SHARE = 0.75


class BudgetStage:
    """What the stage did, stored on the run (``MatchingRun.budget_stage``)."""

    EXACT = "exact"  # every county solved with budgets in money; the bound is the LP's
    NOT_NEEDED = "not_needed"  # no budget binds: the flow is already the optimum, gap 0
    PARTIAL = "partial"  # the time limit came before every county was done
    TIME_LIMIT = "time_limit"  # the LP reached the time limit: the flow's assignment stands
    FAILED = "failed"  # HiGHS failed: the flow's assignment stands


@dataclass(frozen=True)
class BudgetOutcome:
    """The stage's assignment (pair indices), its score and the bound, in units."""

    chosen: IntArray
    units: int
    flow_units: int
    bound: float | None  # the real-budget LP optimum of the whole problem, when one LP covered it
    status: str
    counties: int  # LPs the problem was cut into: a county, or neighbouring counties together
    counties_solved: int
    seconds: float
    prices: FloatArray  # budget duals per resource (units per fen), for a Lagrangian bound
    joint_rounds: int = 0  # column generation rounds of the joint LP over several counties (0: none)
    joint_pairs: int = 0  # pairs that LP ended with


@dataclass
class _Books:
    """The current assignment and what it leaves of each resource (fen, places)."""

    candidates: Candidates
    grants: IntArray
    places: IntArray
    budget: IntArray
    selected: BoolArray
    groups: IntArray  # person-and-resource group of each pair (-1: none), computed once
    group_count: int
    # While one county is solved: its pairs, and its share of each fund serving several counties
    # (places, fen; -1: not shared), which its own pairs may not exceed.
    shares: tuple[BoolArray, IntArray, IntArray] | None = None

    @classmethod
    def start(cls, candidates: Candidates, chosen: IntArray) -> _Books:
        budget = np.where(candidates.budget_cents >= 0, candidates.budget_cents, NO_BUDGET)
        selected = np.zeros(candidates.size, dtype=np.bool_)
        selected[chosen] = True
        groups, group_count = candidates.person_resource_groups()
        places = candidates.places.astype(np.int64)
        return cls(candidates, candidates.grant_cents(), places, budget, selected, groups, group_count)

    def taken(self, mask: BoolArray) -> tuple[BoolArray, BoolArray]:
        """Needs and person-and-resource groups that ``mask`` already serves."""
        need_taken = np.zeros(len(self.candidates.needs), dtype=np.bool_)
        need_taken[self.candidates.pair_need[mask]] = True
        group_taken = np.zeros(self.group_count + 1, dtype=np.bool_)
        group_taken[self.groups[mask & (self.groups >= 0)]] = True
        return need_taken, group_taken

    def used(self, mask: BoolArray) -> tuple[IntArray, IntArray]:
        """Places and fen the pairs of ``mask`` take at each resource."""
        res = self.candidates.pair_resource[mask]
        count = len(self.candidates.resources)
        people = np.bincount(res, minlength=count).astype(np.int64)
        money = np.bincount(res, weights=self.grants[mask].astype(np.float64), minlength=count)
        return people, np.rint(money).astype(np.int64)

    def leftover(self, mask: BoolArray) -> tuple[IntArray, IntArray]:
        people, money = self.used(mask)
        places = self.places - people
        budget = np.where(self.budget < NO_BUDGET, self.budget - money, NO_BUDGET)
        if self.shares is not None:
            county, share_places, share_budget = self.shares
            own_people, own_money = self.used(mask & county)
            shared = share_places >= 0
            places = np.where(shared, np.minimum(places, share_places - own_people), places)
            budget = np.where(shared & (budget < NO_BUDGET), np.minimum(budget, share_budget - own_money), budget)
        return places, budget

    def open_pairs(self, scope: IntArray, mask: BoolArray) -> IntArray:
        """Pairs of ``scope`` that could still be added to ``mask`` one at a time."""
        cand = self.candidates
        places, budget = self.leftover(mask)
        need_taken, group_taken = self.taken(mask)
        res = cand.pair_resource[scope]
        groups = self.groups[scope]
        ok = ~mask[scope] & ~need_taken[cand.pair_need[scope]] & (places[res] > 0)
        ok &= self.grants[scope] <= budget[res]
        ok &= ~((groups >= 0) & group_taken[groups])
        return scope[ok]


def feasible(candidates: Candidates, chosen: IntArray, books: _Books | None = None) -> bool:
    """Does the assignment keep every rule of the real model (budgets in fen, places, one per need)?"""
    if books is None:
        books = _Books.start(candidates, chosen)
    mask = np.zeros(candidates.size, dtype=np.bool_)
    mask[chosen] = True
    if np.unique(candidates.pair_need[chosen]).shape[0] != chosen.shape[0]:
        return False
    held = books.groups[chosen][books.groups[chosen] >= 0]
    if np.unique(held).shape[0] != held.shape[0]:
        return False
    places, budget = books.leftover(mask)
    return bool((places >= 0).all() and (budget >= 0).all())


def _repair(books: _Books, mask: BoolArray, scope: IntArray) -> None:
    """Drop the lowest score per fen at any resource the LP's tolerance let overspend."""
    places, budget = books.leftover(mask)
    for resource in np.flatnonzero((places < 0) | (budget < 0)).tolist():
        held = scope[mask[scope] & (books.candidates.pair_resource[scope] == resource)]
        value = books.candidates.pair_units[held] / np.maximum(books.grants[held], 1)
        for pair in held[np.argsort(value, kind="stable")].tolist():
            if places[resource] >= 0 and budget[resource] >= 0:
                break
            mask[pair] = False
            places[resource] += 1
            if budget[resource] < NO_BUDGET:
                budget[resource] += books.grants[pair]


def _add_in_order(books: _Books, mask: BoolArray, pairs: IntArray) -> None:
    """Add ``pairs`` in the order given, each only if it still fits (exact fen)."""
    cand = books.candidates
    groups = books.groups
    places, budget = books.leftover(mask)
    need_taken, group_taken = books.taken(mask)
    for pair in pairs.tolist():
        need, res, group = int(cand.pair_need[pair]), int(cand.pair_resource[pair]), int(groups[pair])
        grant = int(books.grants[pair])
        if need_taken[need] or places[res] <= 0 or grant > budget[res] or (group >= 0 and group_taken[group]):
            continue
        mask[pair] = True
        need_taken[need] = True
        places[res] -= 1
        if budget[res] < NO_BUDGET:
            budget[res] -= grant
        if group >= 0:
            group_taken[group] = True


def _lp(books: _Books, scope: IntArray, mask: BoolArray, deadline: float) -> tuple[IntArray, RealBudgetLP]:
    """The real-budget LP on the pairs of ``scope`` still open, within what ``mask`` leaves."""
    pairs = books.open_pairs(scope, mask)
    places, budget = books.leftover(mask)
    left = deadline - time.monotonic()
    if left <= 0:
        raise LPTimeLimit("no time left")
    return pairs, real_budget_lp(
        books.candidates, pairs, places, budget, books.grants[pairs], books.groups, time_limit=left
    )


def _dive(books: _Books, scope: IntArray, mask: BoolArray, deadline: float) -> None:
    """Fix the LP's pairs at 1, solve the rest again, fix the largest fractional ones; repeat."""
    for _round in range(DIVE_ROUNDS):
        if time.monotonic() >= deadline:
            return
        try:
            pairs, lp = _lp(books, scope, mask, deadline)
        except LPTimeLimit:
            return  # what is fixed so far stands; the flows below fill the rest
        if pairs.shape[0] == 0:
            return
        mask[pairs[lp.x > 1 - INTEGRAL]] = True
        _repair(books, mask, scope)
        fractional = (lp.x > INTEGRAL) & (lp.x <= 1 - INTEGRAL)
        if not fractional.any():
            return
        order = np.argsort(-lp.x[fractional], kind="stable")
        half = pairs[fractional][order][lp.x[fractional][order] >= 0.5]
        _add_in_order(books, mask, half if half.shape[0] else pairs[fractional][order][:1])


def _fill_with_flows(books: _Books, scope: IntArray, mask: BoolArray, deadline: float) -> None:
    """Fill leftover places and money with flows, each charging the largest grant still possible."""
    cand = books.candidates
    for _round in range(FLOW_ROUNDS):
        if time.monotonic() >= deadline:
            return
        pairs = books.open_pairs(scope, mask)
        if pairs.shape[0] == 0:
            return
        places, budget = books.leftover(mask)
        res = cand.pair_resource[pairs]
        largest = np.zeros(len(cand.resources), dtype=np.int64)
        np.maximum.at(largest, res, books.grants[pairs])
        by_money = (budget < NO_BUDGET) & (largest > 0)
        affordable = np.where(by_money, budget // np.maximum(largest, 1), places)
        capacity = np.minimum(np.minimum(places, affordable), np.bincount(res, minlength=len(cand.resources)))
        pairs = pairs[capacity[res] > 0]
        if pairs.shape[0] == 0:
            return
        sub = dataclasses.replace(
            cand,
            pair_need=cand.pair_need[pairs],
            pair_resource=cand.pair_resource[pairs],
            pair_locality=cand.pair_locality[pairs],
            pair_units=cand.pair_units[pairs],
            capacity=capacity.astype(np.int64),
        )
        chosen = min_cost_flow_assignment(sub)
        if chosen.shape[0] == 0:
            return
        mask[pairs[chosen]] = True


def _county_keys(candidates: Candidates) -> IntArray:
    """Each pair's county (6-digit prefix), taken from the person's first need so a person's
    needs, which share places at a resource, are never split between two counties."""
    person_ids = np.asarray([need.person_id for need in candidates.needs], dtype=np.int64)
    county = np.asarray([int(need.region_code[:6]) for need in candidates.needs], dtype=np.int64)
    _persons, first, person_index = np.unique(person_ids, return_index=True, return_inverse=True)
    return county[first[person_index]][candidates.pair_need]


def _county_groups(keys: IntArray) -> list[IntArray]:
    """Pairs by county, consecutive counties joined while their pairs fit one LP of ``MAX_LP_PAIRS``
    (a bigger LP loses less where a fund serves several counties, but takes longer)."""
    counties = np.unique(keys)
    order = np.argsort(keys, kind="stable")
    starts = np.searchsorted(keys[order], counties, side="left").tolist()
    ends = [*starts[1:], int(keys.shape[0])]
    groups: list[IntArray] = []
    group_start = 0
    for start, end in zip(starts, ends, strict=True):
        if end - group_start > MAX_LP_PAIRS and start > group_start:
            groups.append(np.sort(order[group_start:start]))
            group_start = start
    if keys.shape[0]:
        groups.append(np.sort(order[group_start:]))
    return groups


def _solve_county(books: _Books, scope: IntArray, deadline: float) -> tuple[float, FloatArray]:
    """Replace the county's part of the assignment by a better one within what the others leave."""
    cand = books.candidates
    others = books.selected.copy()
    others[scope] = False
    start_units = int(cand.pair_units[scope[books.selected[scope]]].sum())
    mask = others.copy()
    pairs, lp = _lp(books, scope, mask, deadline)  # raises LPTimeLimit / ExactSolverError: flow stands
    mask[pairs[lp.x > 1 - INTEGRAL]] = True
    _repair(books, mask, scope)
    _dive(books, scope, mask, deadline)
    _fill_with_flows(books, scope, mask, deadline)
    left = books.open_pairs(scope, mask)
    _add_in_order(books, mask, left[np.argsort(-cand.pair_units[left], kind="stable")])
    if int(cand.pair_units[scope[mask[scope]]].sum()) > start_units:
        books.selected = mask
    return lp.value, lp.prices


@dataclass(frozen=True)
class _Joint:
    """One LP over every county (column generation) and each county's share of the shared funds."""

    bound: float | None  # the full LP's optimum, when column generation converged
    prices: FloatArray
    rounds: int
    pairs: int
    shared: BoolArray  # per resource: its pairs reach more than one county group
    share_places: IntArray  # county group × resource, -1 where not shared
    share_budget: IntArray  # fen, likewise


def _joint_lp(books: _Books, start: IntArray, groups: list[IntArray], deadline: float) -> _Joint:
    """The real-budget LP over every pair, and what it gives each county group of a fund serving
    several: fen rounded down, places by largest remainder, so the shares add up to the fund."""
    cand = books.candidates
    every = np.arange(cand.size)
    first = np.union1d(best_per_need(cand, every, cand.pair_units.astype(np.float64), JOINT_PAIRS_PER_NEED), start)
    joint = real_budget_lp_by_columns(cand, every, first, books.places, books.budget, books.groups, deadline=deadline)
    count, resources = len(groups), len(cand.resources)
    group_of = np.empty(cand.size, dtype=np.int64)
    for index, scope in enumerate(groups):
        group_of[scope] = index
    shared = np.bincount(np.unique(group_of * resources + cand.pair_resource) % resources, minlength=resources) > 1
    cells = group_of[joint.pairs] * resources + cand.pair_resource[joint.pairs]
    x = joint.lp.x
    people = np.bincount(cells, weights=x, minlength=count * resources).reshape(count, resources)
    money = np.bincount(cells, weights=x * books.grants[joint.pairs], minlength=count * resources)
    share_budget = np.floor(money.reshape(count, resources) + 1e-4).astype(np.int64)
    share_budget[:, books.budget >= NO_BUDGET] = NO_BUDGET
    share_places = np.floor(people + 1e-6).astype(np.int64)
    total = np.minimum(books.places, np.floor(people.sum(axis=0) + 1e-6).astype(np.int64))
    rank = np.empty_like(share_places)
    np.put_along_axis(rank, np.argsort(share_places - people, axis=0, kind="stable"), np.arange(count)[:, None], 0)
    share_places += rank < (total - share_places.sum(axis=0))[None, :]
    share_places[:, ~shared] = -1
    bound = joint.bound if joint.converged else None
    logger.info("joint LP: %s rounds, %s pairs, bound %s", joint.rounds, joint.pairs.shape[0], bound)
    return _Joint(bound, joint.lp.prices, joint.rounds, joint.pairs.shape[0], shared, share_places, share_budget)


def budget_exact(candidates: Candidates, start: IntArray, time_limit: float) -> BudgetOutcome:
    """Improve the flow's assignment ``start`` with budgets as money, within ``time_limit`` seconds."""
    started = time.monotonic()
    deadline = started + time_limit
    flow_units = int(candidates.pair_units[start].sum())
    prices = np.zeros(len(candidates.resources))
    binding = (candidates.budget_cents >= 0) & (candidates.capacity < candidates.places)
    if candidates.size == 0 or not binding.any():
        # Every budget covers all its places at the largest grant: the flow's model is the real one.
        return BudgetOutcome(
            start, flow_units, flow_units, float(flow_units), BudgetStage.NOT_NEEDED, 0, 0, 0.0, prices
        )
    if time_limit < MIN_SECONDS:
        # Not even time for one county's LP: say so at once rather than overrun the limit.
        return BudgetOutcome(start, flow_units, flow_units, None, BudgetStage.TIME_LIMIT, 0, 0, 0.0, prices)
    books = _Books.start(candidates, start)  # after that check: seconds at 8.5 million pairs
    if not feasible(candidates, start, books):  # sub-fen amounts only; never seen with yuan and fen
        _repair(books, books.selected, np.arange(candidates.size))
    groups = _county_groups(_county_keys(candidates))
    solved = 0
    bound: float | None = None
    status = BudgetStage.EXACT
    joint: _Joint | None = None
    cleared = np.zeros(0, dtype=np.int64)
    if len(groups) > 1 and deadline - time.monotonic() >= JOINT_MIN_SECONDS:
        try:
            joint_deadline = time.monotonic() + JOINT_TIME_SHARE * (deadline - time.monotonic())
            joint = _joint_lp(books, start, groups, joint_deadline)
        except Exception:  # the time limit or HiGHS: counties share a fund in code order instead
            logger.warning("joint LP over the counties not solved; each county takes what the others leave")
    if joint is not None:
        bound, prices = joint.bound, joint.prices
        # The shared funds are divided afresh: each county may use its share, whatever the flow gave it.
        cleared = np.flatnonzero(books.selected & joint.shared[candidates.pair_resource])
        books.selected[cleared] = False
    for index, scope in enumerate(groups):
        if deadline - time.monotonic() < MIN_SECONDS:
            status = BudgetStage.TIME_LIMIT if solved == 0 else BudgetStage.PARTIAL
            break
        if joint is not None:
            county = np.zeros(candidates.size, dtype=np.bool_)
            county[scope] = True
            books.shares = (county, joint.share_places[index], joint.share_budget[index])
        try:
            value, county_prices = _solve_county(books, scope, deadline)
        except LPTimeLimit:
            status = BudgetStage.TIME_LIMIT if solved == 0 else BudgetStage.PARTIAL
            break
        except Exception:  # HiGHS failing in any way leaves the flow's assignment, never a failed run
            logger.exception("budget-exact stage failed; the flow's assignment stands")
            status = BudgetStage.FAILED
            break
        finally:
            books.shares = None
        solved += 1
        if joint is None:
            prices = np.maximum(prices, county_prices)
        if len(groups) == 1:
            bound = value
    if len(groups) > 1:
        # The flow's pairs at shared funds where they still fit (all of a county not reached), then
        # what the counties left of a fund serving several of them, for anyone it still fits.
        _add_in_order(books, books.selected, cleared)
        if solved:
            _fill_with_flows(books, np.arange(candidates.size), books.selected, deadline)
    chosen: IntArray = np.flatnonzero(books.selected)
    if not feasible(candidates, chosen, books) or int(candidates.pair_units[chosen].sum()) < flow_units:
        logger.error("budget-exact stage produced an infeasible or worse assignment; the flow's stands")
        chosen, status = start, BudgetStage.FAILED
    return BudgetOutcome(
        chosen=chosen,
        units=int(candidates.pair_units[chosen].sum()),
        flow_units=flow_units,
        bound=bound,
        status=status,
        counties=len(groups),
        counties_solved=solved,
        seconds=time.monotonic() - started,
        prices=prices,
        joint_rounds=0 if joint is None else joint.rounds,
        joint_pairs=0 if joint is None else joint.pairs,
    )
