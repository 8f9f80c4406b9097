"""The solver's inputs and outputs as plain, immutable data.

The Celery task builds these from model rows (needs, persons, the ledger, resources) so the
solver never touches the database: it can run on a snapshot, be tested without one, and be
benchmarked at sizes no test database would hold. Codes are the API's codes (API.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

# Lengths of a region's subtree prefix by level: province 2, city 4, county 6, township 9, village 12.
PREFIX_LENGTHS = (2, 4, 6, 9, 12)
COUNTY_PREFIX_LENGTH = 6


class Locality(StrEnum):
    """How close a resource is to the person, measured in the region tree.

    Taken from the most specific of the resource's service areas that contains the person, or
    ``designated`` when only a designated county (以强带弱, point-to-point help) brings them together.
    """

    VILLAGE = "village"
    TOWNSHIP = "township"
    COUNTY = "county"
    CITY = "city"
    PROVINCE = "province"
    DESIGNATED = "designated"


LOCALITY_BY_PREFIX_LENGTH = {
    12: Locality.VILLAGE,
    9: Locality.TOWNSHIP,
    6: Locality.COUNTY,
    4: Locality.CITY,
    2: Locality.PROVINCE,
}


@dataclass(frozen=True, slots=True)
class NeedInput:
    """One open need of one person, with what eligibility and priority are judged on.

    ``received_categories`` are the categories of help the person already received in the
    period (the ledger): a need in one of them gets no proposal, so nobody is helped twice
    for the same thing (重复救助). Unknown ``age`` or ``income_per_person`` fail any resource
    condition on them: the solver never guesses in a person's favour or against it silently.
    """

    id: int
    person_id: int
    category: str
    region_code: str
    urgency: str = "routine"
    waiting_days: int = 0
    vulnerabilities: frozenset[str] = frozenset()
    assistance_statuses: frozenset[str] = frozenset()
    age: int | None = None
    income_per_person: Decimal | None = None
    amount_requested: Decimal | None = None
    helped_this_year: bool = False
    received_categories: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if len(self.region_code) != 12 or not self.region_code.isdigit():
            raise ValueError(f"need {self.id}: region_code must be a 12-digit code, got {self.region_code!r}")


@dataclass(frozen=True, slots=True)
class Eligibility:
    """A resource's structured conditions. Empty sets and ``None`` mean "no condition".

    Statuses and vulnerabilities are any-of: one of them is enough (the model's help text says so).
    """

    min_age: int | None = None
    max_age: int | None = None
    assistance_statuses: frozenset[str] = frozenset()
    vulnerabilities: frozenset[str] = frozenset()
    income_ceiling: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ResourceInput:
    """One resource of the supply list with what is left of it.

    ``service_prefixes`` are subtree prefixes of regions (``Region.subtree_prefix``: 2, 4, 6, 9
    or 12 digits); ``designated_county_prefixes`` are the 6-digit prefixes of designated counties.
    ``capacity_left`` (people) and ``budget_left`` (yuan) are ``None`` when not limited.
    """

    id: int
    organization_id: int
    categories: frozenset[str]
    service_prefixes: frozenset[str] = frozenset()
    designated_county_prefixes: frozenset[str] = frozenset()
    eligibility: Eligibility = field(default_factory=Eligibility)
    capacity_left: int | None = None
    budget_left: Decimal | None = None
    per_person_limit: Decimal | None = None
    pays_money: bool = True  # False for a service or goods: it pays none of an amount requested
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None

    def __post_init__(self) -> None:
        for prefix in self.service_prefixes:
            if len(prefix) not in PREFIX_LENGTHS or not prefix.isdigit():
                raise ValueError(f"resource {self.id}: service prefix {prefix!r} is not a region subtree prefix")
        for prefix in self.designated_county_prefixes:
            if len(prefix) != COUNTY_PREFIX_LENGTH or not prefix.isdigit():
                raise ValueError(f"resource {self.id}: designated county {prefix!r} is not a 6-digit county prefix")

    def is_open_on(self, day: dt.date) -> bool:
        return (self.starts_on is None or self.starts_on <= day) and (self.ends_on is None or day <= self.ends_on)


@dataclass(frozen=True, slots=True)
class Weights:
    """Points for each part of a score. A caseworker reads them back as the reasons.

    Defaults put who needs help most (urgency, focus groups, no help yet) ahead of which
    resource fits best (closeness, amount), so a scarce resource goes to the person first and
    the choice between resources only breaks near-ties.
    """

    urgency: Mapping[str, float] = field(default_factory=lambda: {"routine": 0.0, "urgent": 20.0, "emergency": 40.0})
    waiting_per_day: float = 0.5
    waiting_cap_days: int = 60
    focus_groups: Mapping[str, float] = field(
        default_factory=lambda: {
            "elderly_no_self_care": 15.0,
            "minor": 15.0,
            "disabled": 15.0,
            "serious_illness": 15.0,
        }
    )
    not_helped_this_year: float = 20.0
    locality: Mapping[Locality, float] = field(
        default_factory=lambda: {
            Locality.VILLAGE: 12.0,
            Locality.TOWNSHIP: 8.0,
            Locality.COUNTY: 4.0,
            Locality.DESIGNATED: 2.0,
            Locality.CITY: 1.0,
            Locality.PROVINCE: 0.0,
        }
    )
    amount_fit: float = 10.0


@dataclass(frozen=True, slots=True)
class MatchingProblem:
    """Everything one run matches: a county's open needs and the resources that may serve it.

    ``rejected`` holds (need id, resource id) pairs a caseworker turned down before; they are
    never proposed again. Every compatible pair is kept, so the result is the exact optimum;
    ``max_pairs`` stops a run that would not fit in memory (about 120 bytes a pair at the peak)
    with a clear error instead.
    """

    needs: tuple[NeedInput, ...]
    resources: tuple[ResourceInput, ...]
    as_of: dt.date
    weights: Weights = field(default_factory=Weights)
    rejected: frozenset[tuple[int, int]] = frozenset()
    max_pairs: int = 20_000_000


@dataclass(frozen=True, slots=True)
class Reason:
    """One part of a score, structured so it is stored as data and rendered in the reader's language.

    ``code`` is one of: ``urgency`` (params ``level``), ``waiting`` (``days``), ``focus_group``
    (``group``), ``not_helped_this_year``, ``locality`` (``level``), ``amount_fit``
    (``percent``, ``amount``), ``not_money`` (``amount``: asked, none of it paid by a service or
    goods), ``no_amount_asked``. ``matching.reasons.reason_text`` turns it into a sentence.
    """

    code: str
    points: float
    params: Mapping[str, str | int] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        """The form stored in ``MatchProposal.reasons`` (a JSON list of these)."""
        return {"code": self.code, "points": self.points, "params": dict(self.params)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Reason:
        return cls(code=str(data["code"]), points=float(data["points"]), params=dict(data.get("params") or {}))


@dataclass(frozen=True, slots=True)
class Proposal:
    """One proposed assignment: this resource for this need, with the score and why."""

    need_id: int
    resource_id: int
    score: float
    reasons: tuple[Reason, ...]
    amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class MatchStats:
    needs: int
    resources: int
    candidate_pairs: int
    matched: int
    candidate_seconds: float
    solve_seconds: float  # the flow, the budget-exact stage and the proposals with their reasons
    flow_seconds: float = 0.0
    exact_seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class MatchResult:
    """Proposals in need-id order, the total score and figures for the run's record.

    ``flow_score`` is what the min-cost flow alone scored (budgets as places at the largest
    grant); ``bound`` the LP relaxation's optimum with budgets as money (no assignment can score
    more), ``None`` when the budget-exact stage did not finish one LP over the whole problem;
    ``budget_stage`` one of ``matching.budgets.BudgetStage``.
    """

    proposals: tuple[Proposal, ...]
    total_score: float
    stats: MatchStats
    flow_score: float = 0.0
    bound: float | None = None
    budget_stage: str = ""
