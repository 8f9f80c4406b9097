"""Small builders for hand-made matching problems: only what a test cares about is spelled out."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from matching.problem import Eligibility, MatchingProblem, NeedInput, ResourceInput, Weights
from matching.solver import solve

TODAY = dt.date(2026, 11, 22)
VILLAGE = "610622101201"  # a village of township 610622101 in county 610622
NEIGHBOUR_VILLAGE = "610622101202"
OTHER_TOWNSHIP_VILLAGE = "610622102201"
OTHER_COUNTY_VILLAGE = "610623101201"


def need(need_id: int, **fields: Any) -> NeedInput:
    values: dict[str, Any] = {"person_id": need_id, "category": "living", "region_code": VILLAGE, "age": 40}
    values.update(fields)
    for key in ("vulnerabilities", "assistance_statuses", "received_categories"):
        if key in values:
            values[key] = frozenset(values[key])
    for key in ("income_per_person", "amount_requested"):
        if values.get(key) is not None:
            values[key] = Decimal(values[key])
    return NeedInput(id=need_id, **values)


def resource(resource_id: int, **fields: Any) -> ResourceInput:
    values: dict[str, Any] = {
        "organization_id": 1,
        "categories": {"living"},
        "service_prefixes": {"610622"},
        "capacity_left": 10,
    }
    values.update(fields)
    for key in ("categories", "service_prefixes", "designated_county_prefixes"):
        if key in values:
            values[key] = frozenset(values[key])
    for key in ("budget_left", "per_person_limit"):
        if values.get(key) is not None:
            values[key] = Decimal(values[key])
    return ResourceInput(id=resource_id, **values)


def eligibility(**fields: Any) -> Eligibility:
    for key in ("assistance_statuses", "vulnerabilities"):
        if key in fields:
            fields[key] = frozenset(fields[key])
    if fields.get("income_ceiling") is not None:
        fields["income_ceiling"] = Decimal(fields["income_ceiling"])
    return Eligibility(**fields)


def problem(
    needs: list[NeedInput],
    resources: list[ResourceInput],
    *,
    weights: Weights | None = None,
    rejected: set[tuple[int, int]] | None = None,
) -> MatchingProblem:
    return MatchingProblem(
        needs=tuple(needs),
        resources=tuple(resources),
        as_of=TODAY,
        weights=weights or Weights(),
        rejected=frozenset(rejected or ()),
    )


def assignment(needs: list[NeedInput], resources: list[ResourceInput], **options: Any) -> dict[int, int]:
    """need id → resource id of the proposals."""
    result = solve(problem(needs, resources, **options))
    return {proposal.need_id: proposal.resource_id for proposal in result.proposals}
