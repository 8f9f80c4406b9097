"""Scores: how much a proposal is worth, as integer units, and the reasons behind them.

A score is the sum of a need's priority (urgency, waiting time, focus groups, no help yet this
year) and the pair's fit (closeness in the region tree, how much of the amount the resource
covers). Each part is rounded to whole units (1/100 point) on its own, so the vectorised
scores the solver optimises and the reasons a caseworker reads add up to exactly the same number.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt

from matching.problem import Locality, NeedInput, Reason, ResourceInput, Weights

# Integer units per point: min-cost flow needs integer costs; 1/100 point is finer than any weight.
SCALE = 100

# Locality levels as small integers in the pair arrays, in this order.
LOCALITIES: tuple[Locality, ...] = tuple(Locality)
LOCALITY_CODES = {level: code for code, level in enumerate(LOCALITIES)}


def units(points: float) -> int:
    return round(points * SCALE)


def priority_reasons(need: NeedInput, weights: Weights) -> list[Reason]:
    """The parts of a score that belong to the need alone, in the order a caseworker reads them."""
    reasons: list[Reason] = []
    urgency = units(weights.urgency.get(need.urgency, 0.0))
    if urgency:
        reasons.append(Reason("urgency", urgency / SCALE, {"level": need.urgency}))
    days = max(0, min(need.waiting_days, weights.waiting_cap_days))
    waiting = units(weights.waiting_per_day * days)
    if waiting:
        reasons.append(Reason("waiting", waiting / SCALE, {"days": need.waiting_days}))
    for group in sorted(need.vulnerabilities):
        focus = units(weights.focus_groups.get(group, 0.0))
        if focus:
            reasons.append(Reason("focus_group", focus / SCALE, {"group": group}))
    if not need.helped_this_year:
        not_helped = units(weights.not_helped_this_year)
        if not_helped:
            reasons.append(Reason("not_helped_this_year", not_helped / SCALE))
    return reasons


def priority_units(needs: Sequence[NeedInput], weights: Weights) -> npt.NDArray[np.int64]:
    """Each need's priority in units; computed once per need, not once per pair."""
    totals = [sum(units(reason.points) for reason in priority_reasons(need, weights)) for need in needs]
    return np.asarray(totals, dtype=np.int64)


def locality_units(weights: Weights) -> npt.NDArray[np.int64]:
    """Units per locality code, for indexing with the pairs' locality codes."""
    return np.asarray([units(weights.locality.get(level, 0.0)) for level in LOCALITIES], dtype=np.int64)


def amount_fit_units(coverage: npt.NDArray[np.float64], weights: Weights) -> npt.NDArray[np.int64]:
    """Units for the share of the requested amount a resource covers (1.0 when no amount is asked)."""
    return np.rint(coverage * (weights.amount_fit * SCALE)).astype(np.int64)


def pair_units(
    priority: npt.NDArray[np.integer[Any]],
    locality: npt.NDArray[np.integer[Any]],
    amount_fit: npt.NDArray[np.integer[Any]],
) -> npt.NDArray[np.int64]:
    """Total units of each pair, at least 1 so every compatible pair beats leaving the need unmatched."""
    return np.maximum(priority + locality + amount_fit, 1).astype(np.int64)


def grant(need: NeedInput, resource: ResourceInput) -> Decimal | None:
    """What the resource would pay this person: the request, capped by the per-person limit
    (``None`` for a service or goods: it pays no money, whatever its budget or the request)."""
    if not resource.pays_money:
        return None
    if need.amount_requested is None:
        return resource.per_person_limit
    if resource.per_person_limit is None:
        return need.amount_requested
    return min(need.amount_requested, resource.per_person_limit)


def coverage(need: NeedInput, resource: ResourceInput) -> float | None:
    """Share of the requested amount the resource covers, or ``None`` when nothing is asked."""
    requested = need.amount_requested
    if requested is not None and requested > 0 and not resource.pays_money:
        return 0.0  # money asked, and the resource gives a service or goods: none of it is covered
    paid = grant(need, resource)
    if requested is None or requested <= 0 or paid is None:
        return None
    return min(1.0, float(paid) / float(requested))


def explain(need: NeedInput, resource: ResourceInput, locality: Locality, weights: Weights) -> tuple[Reason, ...]:
    """The reasons of one proposal; their points add up to the proposal's score."""
    reasons = priority_reasons(need, weights)
    near = units(weights.locality.get(locality, 0.0))
    reasons.append(Reason("locality", near / SCALE, {"level": locality.value}))
    share = coverage(need, resource)
    fit = int(amount_fit_units(np.asarray([1.0 if share is None else share]), weights)[0])
    if share is not None and not resource.pays_money:
        reasons.append(Reason("not_money", fit / SCALE, {"amount": str(need.amount_requested)}))
    elif share is not None:
        paid = grant(need, resource)
        reasons.append(Reason("amount_fit", fit / SCALE, {"percent": round(share * 100), "amount": str(paid)}))
    elif fit:
        # Nothing asked in money (goods, services): every resource fits it fully.
        reasons.append(Reason("no_amount_asked", fit / SCALE))
    return tuple(reasons)
