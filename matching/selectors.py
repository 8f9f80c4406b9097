"""Reads of the matching app: runs and proposals a user may see, and the solver's problem for a region.

Who sees what:
- caseworkers and supervisors: runs and proposals of their jurisdiction (a run's region inside it);
- station workers: proposals for needs in their township (and the runs that made them);
- charity staff: nothing (a proposal names a person before any consent reached them);
- administrators: everything.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import JURISDICTION_ROLES, User
from beneficiaries.models import AssistanceRecord, Need, NeedStatus, Person
from cases.ledger import PROGRAMME_CATEGORY
from cases.models import ACTIVE_STATUSES, Direction, Outcome, Referral, ReferralStatus
from charities.models import Resource, ResourceForm, ResourceStatus
from charities.selectors import serving_region_q
from core.models import Region
from matching.models import MatchingRun, MatchProposal, NightlyRun, ProposalStatus, RunStatus
from matching.problem import Eligibility, MatchingProblem, NeedInput, ResourceInput, Weights

# Referrals that hold a need (or a place of a resource) before capacity is reserved on acceptance.
PENDING_REFERRAL_STATUSES = (ReferralStatus.DRAFT, ReferralStatus.SENT)


def _scope(user: User, field: str) -> Q | None:
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_admin_role:
        return Q()
    if user.role in JURISDICTION_ROLES and user.jurisdiction is not None:
        return user.jurisdiction.subtree_q(field)
    return None


def proposals_visible_to(user: User) -> QuerySet[MatchProposal]:
    scope = _scope(user, "region__code")
    proposals = MatchProposal.objects.select_related("need__person", "need__region", "resource__organization", "run")
    return proposals.none() if scope is None else proposals.filter(scope)


def runs_visible_to(user: User) -> QuerySet[MatchingRun]:
    """Runs whose region lies in the user's jurisdiction, and for a station worker also the
    county runs that proposed something in their township."""
    scope = _scope(user, "region__code")
    runs = MatchingRun.objects.select_related("region", "started_by")
    if scope is None:
        return runs.none()
    if user.jurisdiction is not None and not user.is_admin_role:
        proposed_here = MatchProposal.objects.filter(_scope(user, "region__code") or Q(), run=OuterRef("pk"))
        return runs.filter(scope | Q(Exists(proposed_here)))
    return runs.filter(scope)


def with_counts(runs: QuerySet[MatchingRun]) -> QuerySet[MatchingRun]:
    """Match statistics per run: proposed, confirmed, rejected and fulfilled (the referral helped)."""
    return runs.annotate(
        confirmed_count=Count("proposals", filter=Q(proposals__status=ProposalStatus.CONFIRMED)),
        rejected_count=Count("proposals", filter=Q(proposals__status=ProposalStatus.REJECTED)),
        fulfilled_count=Count(
            "proposals",
            filter=Q(proposals__status=ProposalStatus.CONFIRMED, proposals__need__status=NeedStatus.FULFILLED),
        ),
    )


def run_is_wider_than_jurisdiction(user: User, run: MatchingRun) -> bool:
    """A county run a station worker sees for its township's proposals: the county-wide figures
    (needs and resources considered, proposals elsewhere) are not theirs (issue 14, finding 18)."""
    if user.is_admin_role or user.jurisdiction is None:
        return False
    return not run.region_id.startswith(user.jurisdiction.subtree_prefix)


def run_counts(run: MatchingRun, user: User | None = None) -> dict[str, int]:
    proposals = run.proposals.all()
    if user is not None and run_is_wider_than_jurisdiction(user, run):
        proposals = proposals.filter(_scope(user, "region__code") or Q(pk__in=[]))
        return {
            "proposed": proposals.count(),
            "confirmed": proposals.filter(status=ProposalStatus.CONFIRMED).count(),
            "rejected": proposals.filter(status=ProposalStatus.REJECTED).count(),
            "fulfilled": proposals.filter(status=ProposalStatus.CONFIRMED, need__status=NeedStatus.FULFILLED).count(),
        }
    return {
        "proposed": run.proposed_count,
        "confirmed": proposals.filter(status=ProposalStatus.CONFIRMED).count(),
        "rejected": proposals.filter(status=ProposalStatus.REJECTED).count(),
        "fulfilled": proposals.filter(status=ProposalStatus.CONFIRMED, need__status=NeedStatus.FULFILLED).count(),
    }


def filter_proposals(proposals: QuerySet[MatchProposal], params: dict[str, str]) -> QuerySet[MatchProposal]:
    for name in ("run", "need", "resource"):
        value = params.get(name)
        if value:
            proposals = proposals.filter(**{f"{name}_id": int(value)}) if value.isdigit() else proposals.none()
    if status := params.get("status"):
        proposals = proposals.filter(status=status)
    return proposals


def matches_for_needs(need_ids: list[int]) -> dict[int, MatchProposal]:
    """need id → the confirmed proposal that led to its referral (for the 幸福清单)."""
    rows = (
        MatchProposal.objects.filter(need_id__in=need_ids, status=ProposalStatus.CONFIRMED)
        .select_related("run", "resource")
        .order_by("decided_at", "id")
    )
    return {row.need_id: row for row in rows}


# --- the solver's problem ------------------------------------------------------------------
def matching_weights() -> Weights:
    """Default weights with ``settings.MATCHING_WEIGHTS`` laid over them (points by part)."""
    overrides: dict[str, Any] = dict(settings.MATCHING_WEIGHTS)
    return dataclasses.replace(Weights(), **overrides) if overrides else Weights()


def weights_as_json(weights: Weights) -> dict[str, Any]:
    return {
        "urgency": dict(weights.urgency),
        "waiting_per_day": weights.waiting_per_day,
        "waiting_cap_days": weights.waiting_cap_days,
        "focus_groups": dict(weights.focus_groups),
        "not_helped_this_year": weights.not_helped_this_year,
        "locality": {str(k): v for k, v in weights.locality.items()},
        "amount_fit": weights.amount_fit,
    }


def _received(person_ids: list[int], as_of: date) -> tuple[dict[int, set[str]], set[int]]:
    """From the ledger: categories of help each person received in the period, and who was helped this year."""
    since = as_of - timedelta(days=settings.MATCHING_RECEIVED_PERIOD_DAYS)
    year_start = as_of.replace(month=1, day=1)
    received: dict[int, set[str]] = defaultdict(set)
    helped_this_year: set[int] = set()
    records = AssistanceRecord.objects.filter(person_id__in=person_ids, period_end__gte=year_start).values_list(
        "person_id", "programme", "period_start", "period_end"
    )
    for person_id, programme, start, end in records:
        if start <= as_of:
            helped_this_year.add(person_id)
        if start <= as_of and end >= since:
            received[person_id].add(PROGRAMME_CATEGORY.get(programme, "other"))
    helped = Referral.needs.through.objects.filter(
        referral__person_id__in=person_ids,
        referral__direction=Direction.TO_CHARITY,
        referral__outcome__in=[Outcome.HELPED, Outcome.PARTIALLY_HELPED],
        referral__helped_on__gte=year_start,
    ).values_list("referral__person_id", "need__category", "referral__helped_on")
    for person_id, category, helped_on in helped:
        helped_this_year.add(person_id)
        if helped_on is not None and helped_on >= since:
            received[person_id].add(category)
    return received, helped_this_year


def _income_per_person(persons: list[Person]) -> dict[int, Decimal | None]:
    """Monthly household income per member, from the encrypted yearly figure (None when unknown)."""
    household_ids = {p.household_id for p in persons}
    sizes = dict(
        Person.objects.filter(household_id__in=household_ids)
        .values("household_id")
        .annotate(n=Count("id"))
        .values_list("household_id", "n")
    )
    result: dict[int, Decimal | None] = {}
    for person in persons:
        income = person.household.income
        size = sizes.get(person.household_id, 1) or 1
        result[person.pk] = None if income is None else (income / size / 12).quantize(Decimal("0.01"))
    return result


def matchable_needs(region: Region) -> QuerySet[Need]:
    """Open needs in the region with no referral working on them (a draft counts: someone is on it)."""
    held = Referral.objects.filter(
        needs=OuterRef("pk"), status__in=[*PENDING_REFERRAL_STATUSES, *ACTIVE_STATUSES]
    ).values("pk")
    return (
        Need.objects.filter(region.subtree_q("region__code"), status__in=[NeedStatus.OPEN, NeedStatus.MATCHED])
        .exclude(Exists(held))
        .select_related("person__household")
    )


def matchable_resources(region: Region) -> QuerySet[Resource]:
    return (
        Resource.objects.filter(serving_region_q(region), status=ResourceStatus.OPEN)
        .prefetch_related("service_regions", "designated_counties")
        .order_by("id")
    )


def places_promised(resource_ids: list[int]) -> dict[int, int]:
    """Places held by referrals not yet accepted (capacity is reserved only on acceptance)."""
    rows = (
        Referral.objects.filter(resource_id__in=resource_ids, status__in=PENDING_REFERRAL_STATUSES)
        .values("resource_id")
        .annotate(n=Count("id"))
        .values_list("resource_id", "n")
    )
    return {resource_id: n for resource_id, n in rows if resource_id is not None}


def build_problem(*, region: Region, as_of: date, weights: Weights | None = None) -> MatchingProblem:
    """The solver's input for one region: its matchable needs with what the register and the
    ledger say about each person, the open resources serving it with the places really left,
    and every pair a caseworker rejected before."""
    needs = list(matchable_needs(region))
    persons = {need.person_id: need.person for need in needs}
    received, helped_this_year = _received(list(persons), as_of)
    income = _income_per_person(list(persons.values()))
    need_inputs = []
    for need in needs:
        person = persons[need.person_id]
        need_inputs.append(
            NeedInput(
                id=need.pk,
                person_id=person.pk,
                category=need.category,
                region_code=need.region_id,
                urgency=need.urgency,
                waiting_days=max(0, (as_of - timezone.localdate(need.created_at)).days),
                vulnerabilities=frozenset(person.vulnerabilities or []),
                assistance_statuses=frozenset(person.assistance_statuses or []),
                age=person.age_on(as_of),
                income_per_person=income[person.pk],
                amount_requested=need.amount_requested,
                helped_this_year=person.pk in helped_this_year,
                received_categories=frozenset(received.get(person.pk, set())),
            )
        )
    resources = list(matchable_resources(region))
    promised = places_promised([r.pk for r in resources])
    resource_inputs = []
    for resource in resources:
        capacity_left = None
        if resource.people_left is not None:
            capacity_left = max(0, resource.people_left - promised.get(resource.pk, 0))
        resource_inputs.append(
            ResourceInput(
                id=resource.pk,
                organization_id=resource.organization_id,
                categories=frozenset(resource.categories or []),
                service_prefixes=frozenset(r.subtree_prefix for r in resource.service_regions.all()),
                designated_county_prefixes=frozenset(r.code[:6] for r in resource.designated_counties.all()),
                eligibility=Eligibility(
                    min_age=resource.min_age,
                    max_age=resource.max_age,
                    assistance_statuses=frozenset(resource.assistance_statuses or []),
                    vulnerabilities=frozenset(resource.vulnerabilities or []),
                    income_ceiling=resource.income_ceiling,
                ),
                capacity_left=capacity_left,
                budget_left=resource.amount_left,
                per_person_limit=resource.per_person_limit,
                pays_money=resource.form == ResourceForm.MONEY,
                starts_on=resource.starts_on,
                ends_on=resource.ends_on,
            )
        )
    need_ids = [n.id for n in need_inputs]
    rejected = frozenset(
        MatchProposal.objects.filter(need_id__in=need_ids, status=ProposalStatus.REJECTED)
        .values_list("need_id", "resource_id")
        .distinct()
    )
    return MatchingProblem(
        needs=tuple(need_inputs),
        resources=tuple(resource_inputs),
        as_of=as_of,
        weights=weights or matching_weights(),
        rejected=rejected,
    )


def happiness_context(user: User, need_ids: list[int]) -> dict[str, Any]:
    """What the 幸福清单 adds from matching: the match behind each fulfilled need, and the
    statistics (proposed, confirmed, fulfilled) of the latest runs the user may see."""
    return {
        "matches": matches_for_needs(need_ids),
        "match_runs": list(with_counts(runs_visible_to(user)).filter(status="done").order_by("-created_at", "-id")[:5]),
    }


@dataclasses.dataclass(frozen=True)
class NightlyProgress:
    night: NightlyRun | None
    runs: list[MatchingRun]  # one per county, in code order
    counts: dict[str, int]  # status → counties

    @property
    def active(self) -> bool:
        return any(run.is_active for run in self.runs)


def nightly_progress(region: Region | None, night_id: int | None = None) -> NightlyProgress:
    """The latest night's (or the chosen night's) county runs under the region. Two queries."""
    nights = NightlyRun.objects.all()
    night = nights.filter(pk=night_id).first() if night_id else nights.first()
    runs: list[MatchingRun] = []
    if night is not None:
        qs = MatchingRun.objects.filter(nightly=night).select_related("region")
        if region is not None:
            qs = qs.filter(region__code__startswith=region.subtree_prefix)
        runs = list(qs.order_by("region__code"))
    counts = {status: sum(1 for run in runs if run.status == status) for status in RunStatus.values}
    return NightlyProgress(night=night, runs=runs, counts=counts)
