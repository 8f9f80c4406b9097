"""The ledger (SPEC rule 6): every household's government assistance, charity help through referrals
and help given directly in one list, the same need helped twice flagged, open needs past their
deadline listed as gaps; and the 幸福清单 of fulfilled needs. The page, the print, the API and the
export all read it through ``ledger_for``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries.models import OPEN_NEED_STATUSES, AssistanceRecord, Need, NeedCategory, NeedStatus, Person
from cases.models import DirectHelp, Direction, Outcome, Referral, ReferralStatus
from cases.selectors import response_hours
from core.models import Region

# --- the ledger (SPEC rule 6) -----------------------------------------------------------
# Which need category each government programme answers, to spot the same need helped twice.
PROGRAMME_CATEGORY = {
    "dibao": "living",
    "tekun": "living",
    "temporary": "living",
    "child_basic_living": "living",
    "disaster": "living",
    "medical": "medical",
    "education": "education",
    "housing": "housing",
    "employment": "employment",
}


@dataclass
class LedgerEntry:
    source: str  # "government" or "charity"
    person_id: int
    person_name: str
    category: str
    what: str
    amount: Decimal | None
    organization: str
    period_start: date
    period_end: date
    referral_id: int | None = None
    record_id: int | None = None
    direct_help_id: int | None = None
    duplicate: bool = False
    # Charity help is shown on the day it was given; it counts as a duplicate of other help
    # of the same need within that day's month.
    overlap: tuple[date, date] | None = None

    @property
    def span(self) -> tuple[date, date]:
        return self.overlap or (self.period_start, self.period_end)

    @property
    def source_label(self) -> str:
        """Where the help came from, as the page, the print and the export say it."""
        labels = {
            "government": _("Government assistance"),
            "charity": _("Charity help"),
            "direct": _("Direct help (outside a referral)"),
        }
        return str(labels.get(self.source, self.source))


@dataclass
class LedgerGap:
    need_id: int
    person_id: int
    person_name: str
    category: str
    logged_on: date
    deadline: date

    @property
    def category_label(self) -> str:
        """What the page and the print say (照料, 教育), never the code (education)."""
        return str(NeedCategory(self.category).label) if self.category in NeedCategory.values else self.category


@dataclass
class Ledger:
    entries: list[LedgerEntry]
    gaps: list[LedgerGap]

    @property
    def duplicate_count(self) -> int:
        return sum(1 for e in self.entries if e.duplicate)


def _month_bounds(day: date) -> tuple[date, date]:
    start = day.replace(day=1)
    following = (start + timedelta(days=32)).replace(day=1)
    return start, following - timedelta(days=1)


def ledger_for(persons: QuerySet[Person], *, today: date | None = None) -> Ledger:
    """Government assistance, charity help through referrals and help given directly (SPEC rule
    16) of these persons, in time order, with the same need category helped twice in overlapping
    periods flagged, and open needs with no help past their deadline listed as gaps (help given
    directly for the need's category since it was logged counts as help)."""
    today = today or timezone.localdate()
    person_ids = list(persons.values_list("id", flat=True)[:500])
    entries: list[LedgerEntry] = []
    records = AssistanceRecord.objects.filter(person_id__in=person_ids).select_related(
        "person", "granting_organization"
    )
    for record in records:
        entries.append(
            LedgerEntry(
                source="government",
                person_id=record.person_id,
                person_name=record.person.name,
                category=PROGRAMME_CATEGORY.get(record.programme, "other"),
                what=str(record.get_programme_display()),
                amount=record.amount,
                organization=record.granting_organization.name,
                period_start=record.period_start,
                period_end=record.period_end,
                record_id=record.pk,
            )
        )
    helped = (
        Referral.objects.filter(
            person_id__in=person_ids,
            direction=Direction.TO_CHARITY,
            status__in=[ReferralStatus.COMPLETED, ReferralStatus.CLOSED],
            outcome__in=[Outcome.HELPED, Outcome.PARTIALLY_HELPED],
        )
        .select_related("person", "to_organization")
        .prefetch_related("needs")
    )
    for referral in helped:
        assert referral.person is not None  # noqa: S101 - filtered on person_id above
        day = referral.helped_on or timezone.localdate(referral.updated_at)
        what = " · ".join(
            [
                str(referral.get_outcome_display()),
                *([referral.items] if referral.items else []),
                *referral.service_labels,
            ]
        )
        categories = sorted({need.category for need in referral.needs.all()}) or ["other"]
        for category in categories:
            entries.append(
                LedgerEntry(
                    source="charity",
                    person_id=referral.person_id or 0,
                    person_name=referral.person.name,
                    category=category,
                    what=what,
                    amount=referral.amount,
                    organization=referral.to_organization.name,
                    period_start=day,
                    period_end=day,
                    referral_id=referral.pk,
                    overlap=_month_bounds(day),
                )
            )
    for help_ in DirectHelp.objects.filter(person_id__in=person_ids).select_related("person", "organization"):
        what = " · ".join(
            [
                str(help_.get_kind_display()),
                *([help_.items] if help_.items else []),
                *help_.service_labels,
                *([help_.helper_name] if help_.helper_name else []),
            ]
        )
        entries.append(
            LedgerEntry(
                source="direct",
                person_id=help_.person_id,
                person_name=help_.person.name,
                category=help_.category,
                what=what,
                amount=help_.amount,
                organization=help_.organization.name,
                period_start=help_.given_on,
                period_end=help_.given_on,
                direct_help_id=help_.pk,
                overlap=_month_bounds(help_.given_on),
            )
        )
    by_span = sorted(entries, key=lambda e: e.span)
    for i, a in enumerate(by_span):
        for b in by_span[i + 1 :]:
            if b.span[0] > a.span[1]:
                break
            if a.person_id == b.person_id and a.category == b.category and a.category != "other":
                a.duplicate = b.duplicate = True
    entries.sort(key=lambda e: (e.period_start, e.source, e.person_id))
    gaps: list[LedgerGap] = []
    helped_need_ids = set(
        Need.objects.filter(
            person_id__in=person_ids, referrals__outcome__in=[Outcome.HELPED, Outcome.PARTIALLY_HELPED]
        ).values_list("id", flat=True)
    )
    for need in Need.objects.filter(person_id__in=person_ids, status__in=OPEN_NEED_STATUSES).select_related("person"):
        logged = timezone.localdate(need.created_at)
        deadline = logged + timedelta(hours=response_hours(need.urgency, False))
        helped_directly = any(
            e.source == "direct"
            and e.person_id == need.person_id
            and e.category == need.category
            and e.period_start >= logged
            for e in entries
        )
        if deadline < today and need.pk not in helped_need_ids and not helped_directly:
            gaps.append(
                LedgerGap(
                    need_id=need.pk,
                    person_id=need.person_id,
                    person_name=need.person.name,
                    category=need.category,
                    logged_on=logged,
                    deadline=deadline,
                )
            )
    return Ledger(entries=entries, gaps=gaps)


# --- 幸福清单: fulfilled needs --------------------------------------------------------
def fulfilled_needs(
    needs: QuerySet[Need], *, region: Region | None = None, since: date | None = None, until: date | None = None
) -> QuerySet[Need]:
    needs = needs.filter(status=NeedStatus.FULFILLED)
    if region is not None:
        needs = needs.filter(region.subtree_q("region__code"))
    if since:
        needs = needs.filter(updated_at__date__gte=since)
    if until:
        needs = needs.filter(updated_at__date__lte=until)
    return needs.select_related("person", "region").order_by("-updated_at", "-id")


def helped_by(need_ids: list[int]) -> dict[int, Any]:
    """need id → the organization that fulfilled it (the last helped referral)."""
    result: dict[int, Any] = {}
    rows = (
        Referral.needs.through.objects.filter(
            need_id__in=need_ids, referral__outcome__in=[Outcome.HELPED, Outcome.PARTIALLY_HELPED]
        )
        .select_related("referral__to_organization")
        .order_by("referral__updated_at")
    )
    for row in rows:
        result[row.need_id] = row.referral
    return result
