"""Compatible (need, resource) pairs, found without ever building the needs × resources matrix.

At 100,000 needs and 10,000 resources the dense matrix would hold a billion cells, almost all
incompatible. Instead the needs are sorted by (category, region code): a region's subtree is a
prefix of its 12-digit code, so "needs of category c in subtree p" is one contiguous slice found
by binary search. Each resource contributes one slice per (category, service area); the slices
are expanded into pair arrays and the structured eligibility is checked on all pairs at once
with NumPy. Only the pairs that survive are scored and handed to the solvers.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

import numpy as np
import numpy.typing as npt

from matching import scoring
from matching.problem import (
    LOCALITY_BY_PREFIX_LENGTH,
    Locality,
    MatchingProblem,
    NeedInput,
    ResourceInput,
    Weights,
)

IntArray = npt.NDArray[np.integer[Any]]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

CODE_DIGITS = 12
# Sort key = category index × CATEGORY_STRIDE + region code, so one sorted array serves every category.
CATEGORY_STRIDE = 10**CODE_DIGITS
# Bits available for status and vulnerability codes in an int64 mask.
MAX_CODES = 63

Progress = Callable[[int], None]


class TooManyPairsError(ValueError):
    """More compatible pairs than one run may hold in memory: split the run (by county)."""


@dataclass(frozen=True)
class Candidates:
    """The compatible pairs of a problem, as parallel arrays indexed by pair.

    ``needs`` and ``resources`` are the inputs sorted by id; ``pair_need`` and ``pair_resource``
    index into them. ``capacity`` is each resource's capacity in people after the budget
    conversion (the flow's simplified model); ``places`` is the people limit alone and
    ``budget_cents`` the budget in fen (-1: none), which the budget-exact stage keeps as money.
    Every solver (min-cost flow, greedy, LPs) reads the same arrays, so their totals are comparable.
    """

    needs: tuple[NeedInput, ...]
    resources: tuple[ResourceInput, ...]
    weights: Weights
    pair_need: IntArray
    pair_resource: IntArray
    pair_locality: IntArray
    pair_units: IntArray
    capacity: IntArray
    places: IntArray
    budget_cents: IntArray
    requested_cents: IntArray  # per need, -1 when no amount is asked
    limit_cents: IntArray  # per resource, -1 when no per-person limit, 0 for a service or goods

    @property
    def size(self) -> int:
        return int(self.pair_need.shape[0])

    def grant_cents(self, pairs: IntArray | None = None) -> IntArray:
        """What each pair pays in fen: the request capped by the limit, 0 when neither is known.

        The same rule as ``scoring.grant`` (the amount a proposal carries), in whole fen so the
        budget-exact stage checks budgets without rounding error.
        """
        need = self.pair_need if pairs is None else self.pair_need[pairs]
        res = self.pair_resource if pairs is None else self.pair_resource[pairs]
        requested = self.requested_cents[need]
        limit = self.limit_cents[res]
        grant = np.where(requested < 0, limit, np.where(limit < 0, requested, np.minimum(requested, limit)))
        return np.maximum(grant, 0).astype(np.int64)

    def locality(self, pair: int) -> Locality:
        return scoring.LOCALITIES[int(self.pair_locality[pair])]

    def person_resource_groups(self) -> tuple[IntArray, int]:
        """For each pair, a group shared with the same person's other needs at the same resource.

        A resource's places count people, so one person with two needs it could serve (say living
        and medical) may take one place, not two. Pairs whose person has no other need at that
        resource get -1; the others a group number from 0. Returns the groups and their count.
        """
        no_groups = np.full(self.size, -1, dtype=np.int64)
        person_ids = np.asarray([need.person_id for need in self.needs], dtype=np.int64)
        persons, person_index = np.unique(person_ids, return_inverse=True)
        if persons.shape[0] == len(self.needs) or self.size == 0:
            return no_groups, 0
        keys = person_index[self.pair_need].astype(np.int64) * len(self.resources) + self.pair_resource
        _, key_index, counts = np.unique(keys, return_inverse=True, return_counts=True)
        shared = counts[key_index] > 1
        if not shared.any():
            return no_groups, 0
        _, groups = np.unique(key_index[shared], return_inverse=True)
        no_groups[shared] = groups
        return no_groups, int(groups.max()) + 1


def _code_bits(values: Iterable[frozenset[str]]) -> dict[str, int]:
    """One bit per distinct code, so any-of conditions become a bitwise AND."""
    codes = sorted(set().union(*values))
    if len(codes) > MAX_CODES:
        raise ValueError(f"too many distinct codes for a bit mask: {len(codes)}")
    return {code: 1 << position for position, code in enumerate(codes)}


def _mask(codes: frozenset[str], bits: dict[str, int]) -> int:
    mask = 0
    for code in codes:
        mask |= bits.get(code, 0)
    return mask


def _float_or_nan(value: Decimal | None) -> float:
    return float("nan") if value is None else float(value)


def _prefix_range(prefix: str) -> tuple[int, int]:
    """The half-open range of 12-digit codes in the subtree of ``prefix``."""
    step = 10 ** (CODE_DIGITS - len(prefix))
    low = int(prefix) * step
    return low, low + step


def _service_areas(resource: ResourceInput, weights: Weights) -> list[tuple[int, int, int]]:
    """Disjoint code ranges a resource reaches, each with the locality it reaches them at.

    Prefix ranges are nested or disjoint, so taking the best-scoring areas first and cutting
    them out of the broader ones leaves every person in exactly one range, at the locality
    that scores highest for them (a village the resource names beats the county it also serves).
    """
    areas = [(*_prefix_range(prefix), LOCALITY_BY_PREFIX_LENGTH[len(prefix)]) for prefix in resource.service_prefixes]
    areas += [(*_prefix_range(prefix), Locality.DESIGNATED) for prefix in resource.designated_county_prefixes]
    areas.sort(key=lambda area: (-weights.locality.get(area[2], 0.0), area[1] - area[0], area[0]))
    taken: list[tuple[int, int]] = []
    pieces: list[tuple[int, int, int]] = []
    for low, high, level in areas:
        if any(t_low <= low and high <= t_high for t_low, t_high in taken):
            continue
        inside = sorted((t_low, t_high) for t_low, t_high in taken if low <= t_low and t_high <= high)
        cursor = low
        for t_low, t_high in inside:
            if cursor < t_low:
                pieces.append((cursor, t_low, scoring.LOCALITY_CODES[level]))
            cursor = max(cursor, t_high)
        if cursor < high:
            pieces.append((cursor, high, scoring.LOCALITY_CODES[level]))
        taken.append((low, high))
    return pieces


@dataclass(frozen=True)
class _NeedArrays:
    """The needs' attributes as arrays; ``order`` lists matchable needs by (category, code)."""

    sorted_keys: IntArray
    order: IntArray
    age: IntArray
    income: FloatArray
    statuses: IntArray
    vulnerabilities: IntArray
    requested: FloatArray
    priority: IntArray


def _need_arrays(
    needs: Sequence[NeedInput],
    categories: dict[str, int],
    status_bits: dict[str, int],
    vulnerability_bits: dict[str, int],
    weights: Weights,
) -> _NeedArrays:
    # A need in a category the person already received this period is not matchable at all.
    matchable = np.asarray(
        [need.category in categories and need.category not in need.received_categories for need in needs],
        dtype=np.bool_,
    )
    keys = np.asarray(
        [categories.get(need.category, 0) * CATEGORY_STRIDE + int(need.region_code) for need in needs],
        dtype=np.int64,
    )
    indices = np.flatnonzero(matchable)
    order = indices[np.argsort(keys[indices], kind="stable")]
    return _NeedArrays(
        sorted_keys=keys[order],
        order=order.astype(np.int64),
        age=np.asarray([-1 if need.age is None else need.age for need in needs], dtype=np.int64),
        income=np.asarray([_float_or_nan(need.income_per_person) for need in needs], dtype=np.float64),
        statuses=np.asarray([_mask(need.assistance_statuses, status_bits) for need in needs], dtype=np.int64),
        vulnerabilities=np.asarray([_mask(need.vulnerabilities, vulnerability_bits) for need in needs], dtype=np.int64),
        requested=np.asarray([_float_or_nan(need.amount_requested) for need in needs], dtype=np.float64),
        priority=scoring.priority_units(needs, weights),
    )


def _cents(value: Decimal | None, rounding: str) -> int:
    """Yuan as whole fen: grants rounded up and budgets down, so a check in fen never overspends."""
    if value is None:
        return -1
    return int((value * 100).to_integral_value(rounding=rounding))


def _column(values: list[int]) -> IntArray:
    return np.asarray(values, dtype=np.int64)


def _slices(
    resources: Sequence[ResourceInput],
    open_resources: Sequence[int],
    categories: dict[str, int],
    weights: Weights,
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Low and high sort keys, resource index and locality code of every (category, area) slice."""
    lows: list[int] = []
    highs: list[int] = []
    owners: list[int] = []
    levels: list[int] = []
    for index in open_resources:
        resource = resources[index]
        areas = _service_areas(resource, weights)
        for category in sorted(resource.categories):
            base = categories[category] * CATEGORY_STRIDE
            for low, high, level in areas:
                lows.append(base + low)
                highs.append(base + high)
                owners.append(index)
                levels.append(level)
    return _column(lows), _column(highs), _column(owners), _column(levels)


def _slice_bounds(arrays: _NeedArrays, lows: IntArray, highs: IntArray) -> tuple[IntArray, IntArray]:
    """Where each slice starts and stops in the needs sorted by (category, code)."""
    starts = np.searchsorted(arrays.sorted_keys, lows, side="left")
    stops = np.searchsorted(arrays.sorted_keys, highs, side="left")
    return starts, stops


def _expand(
    arrays: _NeedArrays, starts: IntArray, stops: IntArray, owners: IntArray, levels: IntArray
) -> tuple[IntArray, IntArray, IntArray]:
    """Turn each slice of the sorted needs into one pair per need in it, without a Python loop."""
    lengths = stops - starts
    total = int(lengths.sum())
    offsets = np.cumsum(lengths) - lengths
    positions = np.arange(total, dtype=np.int64) + np.repeat(starts - offsets, lengths)
    return arrays.order[positions], np.repeat(owners, lengths), np.repeat(levels, lengths)


def _chunks(lengths: IntArray, size: int) -> list[tuple[int, int]]:
    """Consecutive runs of slices holding about ``size`` pairs each, to bound temporary memory."""
    ends = np.cumsum(lengths)
    bounds = [0]
    while bounds[-1] < lengths.shape[0]:
        done = int(ends[bounds[-1] - 1]) if bounds[-1] else 0
        bounds.append(max(bounds[-1] + 1, int(np.searchsorted(ends, done + size, side="right"))))
    return list(itertools.pairwise(bounds))


@dataclass(frozen=True)
class _ResourceArrays:
    min_age: IntArray
    max_age: IntArray
    statuses: IntArray
    vulnerabilities: IntArray
    income_ceiling: FloatArray
    limit: FloatArray
    budget: FloatArray
    people: IntArray


def _resource_arrays(
    resources: Sequence[ResourceInput], status_bits: dict[str, int], vulnerability_bits: dict[str, int]
) -> _ResourceArrays:
    def ints(values: Iterable[int | None]) -> IntArray:
        return np.asarray([-1 if value is None else value for value in values], dtype=np.int64)

    def floats(values: Iterable[Decimal | None]) -> FloatArray:
        return np.asarray([_float_or_nan(value) for value in values], dtype=np.float64)

    rules = [resource.eligibility for resource in resources]
    return _ResourceArrays(
        min_age=ints(rule.min_age for rule in rules),
        max_age=ints(rule.max_age for rule in rules),
        statuses=np.asarray([_mask(rule.assistance_statuses, status_bits) for rule in rules], dtype=np.int64),
        vulnerabilities=np.asarray([_mask(rule.vulnerabilities, vulnerability_bits) for rule in rules], dtype=np.int64),
        income_ceiling=floats(rule.income_ceiling for rule in rules),
        # A service or goods pays nothing of an amount asked: its limit is 0 (scoring.grant/coverage agree).
        limit=floats(resource.per_person_limit if resource.pays_money else Decimal(0) for resource in resources),
        budget=floats(resource.budget_left for resource in resources),
        people=ints(resource.capacity_left for resource in resources),
    )


def _eligible(need: IntArray, res: IntArray, needs: _NeedArrays, rules: _ResourceArrays) -> BoolArray:
    """The structured eligibility of every pair at once. Unknown age or income fails a condition on it."""
    age = needs.age[need]
    min_age = rules.min_age[res]
    max_age = rules.max_age[res]
    ok = (min_age < 0) | ((age >= 0) & (age >= min_age))
    ok &= (max_age < 0) | ((age >= 0) & (age <= max_age))
    wanted = rules.statuses[res]
    ok &= (wanted == 0) | ((needs.statuses[need] & wanted) != 0)
    wanted = rules.vulnerabilities[res]
    ok &= (wanted == 0) | ((needs.vulnerabilities[need] & wanted) != 0)
    ceiling = rules.income_ceiling[res]
    # NaN compares false, so an unknown income fails a ceiling and no ceiling admits everyone.
    ok &= np.isnan(ceiling) | (needs.income[need] <= ceiling)
    return ok


def _grants(need: IntArray, res: IntArray, needs: _NeedArrays, rules: _ResourceArrays) -> FloatArray:
    """What each pair would pay: the request capped by the per-person limit (NaN when neither is known)."""
    return np.fmin(needs.requested[need], rules.limit[res])


def _rejection_filter(
    problem: MatchingProblem, need_index: dict[int, int], res_index: dict[int, int]
) -> Callable[[IntArray, IntArray], BoolArray]:
    """A filter dropping the pairs a caseworker rejected in an earlier run."""
    resources = len(res_index)
    keys = np.asarray(
        sorted(
            need_index[need_id] * resources + res_index[resource_id]
            for need_id, resource_id in problem.rejected
            if need_id in need_index and resource_id in res_index
        ),
        dtype=np.int64,
    )

    def not_rejected(need: IntArray, res: IntArray) -> BoolArray:
        if keys.shape[0] == 0:
            return np.ones(need.shape[0], dtype=np.bool_)
        return ~np.isin(need.astype(np.int64) * resources + res, keys)

    return not_rejected


def _capacity(rules: _ResourceArrays, pairs_per_resource: IntArray, largest_grant: FloatArray) -> IntArray:
    """Places per resource: people left, and the budget converted to people conservatively.

    With a budget, every person is counted at the largest grant among the resource's candidates,
    so whichever of them are chosen, the total paid stays within the budget. Without any known
    grant the budget cannot be turned into people and only the people limit applies.
    """
    capacity = np.where(rules.people >= 0, rules.people, pairs_per_resource)
    by_budget = ~np.isnan(rules.budget) & (largest_grant > 0)
    affordable = np.divide(rules.budget, largest_grant, out=np.zeros(largest_grant.shape[0]), where=by_budget)
    capacity = np.where(by_budget, np.minimum(capacity, np.floor(affordable).astype(np.int64)), capacity)
    return np.minimum(capacity, pairs_per_resource).astype(np.int64)


def _coverage(need: IntArray, grants: FloatArray, needs: _NeedArrays) -> FloatArray:
    requested = needs.requested[need]
    asked = ~np.isnan(requested) & (requested > 0) & ~np.isnan(grants)
    share = np.divide(grants, requested, out=np.ones(need.shape[0]), where=asked)
    return np.minimum(share, 1.0)


@dataclass
class _PairBuilder:
    """Accumulates the surviving pairs chunk by chunk, in compact dtypes.

    The raw slices can hold several times more pairs than survive eligibility; filtering them a
    chunk at a time keeps the peak memory near the size of the survivors.
    """

    needs: _NeedArrays
    rules: _ResourceArrays
    not_rejected: Callable[[IntArray, IntArray], BoolArray]
    locality_units: IntArray
    weights: Weights
    pairs_per_resource: IntArray
    largest_grant: FloatArray
    max_pairs: int
    parts: list[tuple[IntArray, IntArray, IntArray, IntArray]]
    count: int = 0

    def add(self, need: IntArray, res: IntArray, level: IntArray) -> None:
        keep = _eligible(need, res, self.needs, self.rules) & self.not_rejected(need, res)
        grants = _grants(need, res, self.needs, self.rules)
        budget = self.rules.budget[res]
        # A resource proposes only what it can pay in full (up to its per-person limit).
        keep &= np.isnan(budget) | np.isnan(grants) | (grants <= budget)
        need, res, level, grants = need[keep], res[keep], level[keep], grants[keep]
        self.pairs_per_resource += np.bincount(res, minlength=self.pairs_per_resource.shape[0])
        known = ~np.isnan(grants)
        np.maximum.at(self.largest_grant, res[known], grants[known])
        fit = scoring.amount_fit_units(_coverage(need, grants, self.needs), self.weights)
        total = scoring.pair_units(self.needs.priority[need], self.locality_units[level], fit)
        self.parts.append((need.astype(np.int32), res.astype(np.int32), level.astype(np.int8), total))
        self.count += int(need.shape[0])
        if self.count > self.max_pairs:
            raise TooManyPairsError(f"more than {self.max_pairs} compatible pairs; match each county separately")

    def joined(self) -> tuple[IntArray, IntArray, IntArray, IntArray]:
        if not self.parts:
            empty = np.zeros(0, dtype=np.int64)
            return empty.astype(np.int32), empty.astype(np.int32), empty.astype(np.int8), empty
        need, res, level, total = (np.concatenate(column) for column in zip(*self.parts, strict=True))
        self.parts.clear()
        return need, res, level, total


# Raw pairs expanded at once; about 30 bytes each in temporaries.
CHUNK_PAIRS = 2_000_000


def build_candidates(problem: MatchingProblem, progress: Progress | None = None) -> Candidates:
    """All compatible pairs of a problem, scored, with each resource's capacity in people."""
    report = progress or (lambda _percent: None)
    needs = tuple(sorted(problem.needs, key=lambda need: need.id))
    resources = tuple(sorted(problem.resources, key=lambda resource: resource.id))
    need_index = {need.id: index for index, need in enumerate(needs)}
    res_index = {resource.id: index for index, resource in enumerate(resources)}
    if len(need_index) != len(needs) or len(res_index) != len(resources):
        raise ValueError("need and resource ids must be unique")
    weights = problem.weights
    categories = {code: index for index, code in enumerate(sorted(set().union(*(r.categories for r in resources))))}
    status_bits = _code_bits(
        [n.assistance_statuses for n in needs] + [r.eligibility.assistance_statuses for r in resources]
    )
    vulnerability_bits = _code_bits(
        [n.vulnerabilities for n in needs] + [r.eligibility.vulnerabilities for r in resources]
    )
    need_arrays = _need_arrays(needs, categories, status_bits, vulnerability_bits, weights)
    rules = _resource_arrays(resources, status_bits, vulnerability_bits)
    report(5)

    # A resource with nothing left or closed on the run's date offers no place at all.
    open_resources = [
        index
        for index, resource in enumerate(resources)
        if resource.is_open_on(problem.as_of)
        and (resource.capacity_left is None or resource.capacity_left > 0)
        and (resource.budget_left is None or resource.budget_left > 0)
    ]
    lows, highs, owners, levels = _slices(resources, open_resources, categories, weights)
    starts, stops = _slice_bounds(need_arrays, lows, highs)
    builder = _PairBuilder(
        needs=need_arrays,
        rules=rules,
        not_rejected=_rejection_filter(problem, need_index, res_index),
        locality_units=scoring.locality_units(weights),
        weights=weights,
        pairs_per_resource=np.zeros(len(resources), dtype=np.int64),
        largest_grant=np.zeros(len(resources), dtype=np.float64),
        max_pairs=problem.max_pairs,
        parts=[],
    )
    chunks = _chunks(stops - starts, CHUNK_PAIRS)
    for done, (first, last) in enumerate(chunks):
        builder.add(
            *_expand(need_arrays, starts[first:last], stops[first:last], owners[first:last], levels[first:last])
        )
        report(5 + 40 * (done + 1) // len(chunks))

    need, res, level, total = builder.joined()
    capacity = _capacity(rules, builder.pairs_per_resource, builder.largest_grant)
    has_room = capacity[res] > 0
    if not has_room.all():
        need, res, level, total = need[has_room], res[has_room], level[has_room], total[has_room]
    report(50)
    people = np.where(rules.people >= 0, rules.people, builder.pairs_per_resource)
    return Candidates(
        needs=needs,
        resources=resources,
        weights=weights,
        pair_need=need,
        pair_resource=res,
        pair_locality=level,
        pair_units=total,
        capacity=capacity,
        places=np.minimum(people, builder.pairs_per_resource).astype(np.int64),
        budget_cents=_column([_cents(resource.budget_left, ROUND_FLOOR) for resource in resources]),
        requested_cents=_column([_cents(need.amount_requested, ROUND_CEILING) for need in needs]),
        limit_cents=_column(
            [_cents(resource.per_person_limit, ROUND_CEILING) if resource.pays_money else 0 for resource in resources]
        ),
    )
