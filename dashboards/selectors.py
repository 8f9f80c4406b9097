"""Dashboard and evaluation figures: one function per indicator, each a fixed number of SQL
aggregates over what the user may see (a region subtree by code prefix), never a Python loop
over rows. The ledger's duplicate and gap counts come from ``cases.ledger.ledger_for`` itself,
so the dashboard and the ledger page cannot disagree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import (
    Avg,
    Count,
    DecimalField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone

from beneficiaries.models import (
    OPEN_NEED_STATUSES,
    AssistanceRecord,
    Household,
    Need,
    NeedStatus,
    Person,
    Vulnerability,
)
from cases.ledger import ledger_for
from cases.models import Direction, FollowUp, FollowUpStatus, Outcome, Referral, ReferralEvent, ReferralStatus
from charities.models import ResourceUsage, UsageKind
from charities.selectors import json_list_has
from core.models import Region

HELPED_OUTCOMES = (Outcome.HELPED, Outcome.PARTIALLY_HELPED)
UNDER_WAY_STATUSES = (ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS)
ANSWER_ACTIONS = ("accept", "decline", "decide")
FEEDBACK_ACTIONS = ("feedback", "decide")
TOWNSHIP_CODE_LENGTH = 9
LEDGER_BATCH = 500  # ledger_for reads at most this many people per call
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Scope:
    """Where and when: a region subtree (None: everywhere, for the admin) and a period of whole days."""

    region: Region | None
    since: date
    until: date

    def q(self, field: str = "region__code") -> Q:
        """Rows whose region code ``field`` lies in the scope's subtree."""
        if self.region is None:
            return Q()
        return Q(**{f"{field}__startswith": self.region.subtree_prefix})

    @property
    def start(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.since, time.min))

    @property
    def end(self) -> datetime:
        """The first instant after the period."""
        return timezone.make_aware(datetime.combine(self.until + timedelta(days=1), time.min))

    def period_q(self, field: str) -> Q:
        return Q(**{f"{field}__gte": self.start, f"{field}__lt": self.end})


def share(part: int, whole: int) -> float | None:
    """part / whole as a percentage with one decimal; None when there is nothing to divide."""
    return round(100 * part / whole, 1) if whole else None


def _sent_referrals(scope: Scope) -> QuerySet[Referral]:
    """Referrals in the scope sent during the period (drafts never count)."""
    return Referral.objects.filter(scope.q(), scope.period_q("sent_at"))


# --- county dashboard ------------------------------------------------------------------------
def needs_by_category_and_urgency(scope: Scope) -> list[dict[str, Any]]:
    """Needs logged in the period, counted per category and urgency.

    SQL: SELECT category, urgency, COUNT(*) FROM need WHERE region LIKE 'prefix%' AND created_at
    in period GROUP BY category, urgency. One query."""
    rows = (
        Need.objects.filter(scope.q(), scope.period_q("created_at"))
        .values("category", "urgency")
        .annotate(count=Count("id"))
        .order_by("category", "urgency")
    )
    return list(rows)


def referrals_by_status(scope: Scope) -> list[dict[str, Any]]:
    """Referrals sent in the period, counted per direction and current status. One query."""
    rows = (
        _sent_referrals(scope).values("direction", "status").annotate(count=Count("id")).order_by("direction", "status")
    )
    return list(rows)


def referrals_by_organization(scope: Scope) -> list[dict[str, Any]]:
    """Referrals to charities sent in the period, per receiving organisation: how many were sent,
    accepted (at any time), ended with help, and declined or expired. One query."""
    ever_accepted = (
        ReferralStatus.ACCEPTED,
        ReferralStatus.IN_PROGRESS,
        ReferralStatus.COMPLETED,
        ReferralStatus.CLOSED,
    )
    rows = (
        _sent_referrals(scope)
        .filter(direction=Direction.TO_CHARITY)
        .values("to_organization_id", "to_organization__name")
        .annotate(
            sent=Count("id"),
            accepted=Count("id", filter=Q(status__in=ever_accepted)),
            helped=Count("id", filter=Q(outcome__in=HELPED_OUTCOMES)),
            declined=Count("id", filter=Q(status__in=(ReferralStatus.DECLINED, ReferralStatus.EXPIRED))),
        )
        .order_by("-sent", "to_organization__name")
    )
    return list(rows)


def _median_hours(scope: Scope, actions: tuple[str, ...]) -> tuple[float | None, int]:
    """Median hours from sending to the first of ``actions`` for referrals sent in the period, and
    how many referrals it is over. Two queries: a count, then the middle one or two waits in
    order (the SQL median, portable to SQLite, without reading every row)."""
    events = ReferralEvent.objects.filter(
        scope.q("referral__region__code"),
        scope.period_q("referral__sent_at"),
        action__in=actions,
    ).annotate(wait=ExpressionWrapper(F("at") - F("referral__sent_at"), output_field=DurationField()))
    count = events.count()
    if not count:
        return None, 0
    middle = list(events.order_by("wait", "id").values_list("wait", flat=True)[(count - 1) // 2 : count // 2 + 1])
    seconds = sum(w.total_seconds() for w in middle) / len(middle)
    return round(seconds / 3600, 1), count


def median_hours_to_accept(scope: Scope) -> tuple[float | None, int]:
    """Median hours from a referral being sent to its acceptance."""
    return _median_hours(scope, ("accept",))


def median_hours_to_feedback(scope: Scope) -> tuple[float | None, int]:
    """Median hours from a referral being sent to the help feedback (or, to government, the decision)."""
    return _median_hours(scope, FEEDBACK_ACTIONS)


@dataclass(frozen=True)
class Deadlines:
    expiring: int  # sent, deadline within the next 24 hours
    overdue: int  # sent, deadline passed and not yet expired by the hourly job
    follow_ups_overdue: int  # sampled follow-up visits past their due date


def deadlines(scope: Scope, *, now: datetime | None = None) -> Deadlines:
    """Items needing attention now (not limited to the period). Two queries."""
    now = now or timezone.now()
    referrals = Referral.objects.filter(scope.q(), status=ReferralStatus.SENT).aggregate(
        expiring=Count("id", filter=Q(respond_by__gt=now, respond_by__lte=now + timedelta(hours=24))),
        overdue=Count("id", filter=Q(respond_by__lte=now)),
    )
    follow_ups = FollowUp.objects.filter(
        scope.q(), status=FollowUpStatus.DUE, due_on__lt=timezone.localdate(now)
    ).count()
    return Deadlines(expiring=referrals["expiring"], overdue=referrals["overdue"], follow_ups_overdue=follow_ups)


@dataclass(frozen=True)
class Coverage:
    open_needs: int
    with_help: int

    @property
    def percent(self) -> float | None:
        return share(self.with_help, self.open_needs)


def coverage(scope: Scope) -> Coverage:
    """Open needs now, and how many of them have help under way (a referral accepted or in
    progress). One query."""
    under_way = Referral.needs.through.objects.filter(need_id=OuterRef("pk"), referral__status__in=UNDER_WAY_STATUSES)
    figures = Need.objects.filter(scope.q(), status__in=OPEN_NEED_STATUSES).aggregate(
        total=Count("id"), with_help=Count("id", filter=Q(Exists(under_way)))
    )
    return Coverage(open_needs=figures["total"], with_help=figures["with_help"])


@dataclass(frozen=True)
class LedgerFlags:
    duplicates: int  # ledger entries flagged as the same need helped twice in overlapping periods
    gaps: int  # open needs with no help past their deadline
    people: int  # people whose ledger was read


def ledger_flags(scope: Scope, *, today: date | None = None) -> LedgerFlags:
    """Duplicate and gap counts exactly as the ledger page shows them (``cases.ledger.ledger_for``),
    over the people in the scope who have anything in a ledger. One query for the people, then
    the ledger's own queries per 500 of them (one batch for a county's usual few hundred)."""
    person_ids = list(
        Person.objects.filter(scope.q())
        .filter(
            Q(Exists(AssistanceRecord.objects.filter(person_id=OuterRef("pk"))))
            | Q(Exists(Need.objects.filter(person_id=OuterRef("pk"), status__in=OPEN_NEED_STATUSES)))
            | Q(Exists(Referral.objects.filter(person_id=OuterRef("pk"), outcome__in=HELPED_OUTCOMES)))
        )
        .order_by("id")
        .values_list("id", flat=True)
    )
    duplicates = gaps = 0
    for start in range(0, len(person_ids), LEDGER_BATCH):
        ledger = ledger_for(Person.objects.filter(id__in=person_ids[start : start + LEDGER_BATCH]), today=today)
        duplicates += ledger.duplicate_count
        gaps += len(ledger.gaps)
    return LedgerFlags(duplicates=duplicates, gaps=gaps, people=len(person_ids))


@dataclass(frozen=True)
class Satisfaction:
    visits: int
    average: float | None
    by_score: dict[int, int]
    need_met: int

    @property
    def need_met_percent(self) -> float | None:
        return share(self.need_met, self.visits)


def follow_up_satisfaction(scope: Scope) -> Satisfaction:
    """Follow-up visits done in the period: how many, the average satisfaction (1–5), how many
    gave each score, and how many found the need really met. One query."""
    scores = range(1, 6)
    figures = FollowUp.objects.filter(
        scope.q(),
        status=FollowUpStatus.DONE,
        visited_on__gte=scope.since,
        visited_on__lte=scope.until,
    ).aggregate(
        visits=Count("id"),
        average=Avg("satisfaction"),
        need_met=Count("id", filter=Q(need_met=True)),
        **{f"score_{s}": Count("id", filter=Q(satisfaction=s)) for s in scores},
    )
    average = figures["average"]
    return Satisfaction(
        visits=figures["visits"],
        average=round(float(average), 2) if average is not None else None,
        by_score={s: figures[f"score_{s}"] for s in scores},
        need_met=figures["need_met"],
    )


# --- evaluation (SPEC rule 12) -----------------------------------------------------------------
@dataclass(frozen=True)
class Ratio:
    part: int
    whole: int

    @property
    def percent(self) -> float | None:
        return share(self.part, self.whole)


def consistency(scope: Scope, *, now: datetime | None = None) -> Ratio:
    """Referrals sent in the period that were answered (accepted, declined or decided) by their
    deadline, over those answered or past their deadline. One query."""
    now = now or timezone.now()
    answered = ReferralEvent.objects.filter(referral_id=OuterRef("pk"), action__in=ANSWER_ACTIONS)
    figures = (
        _sent_referrals(scope)
        .filter(Q(Exists(answered)) | Q(respond_by__lte=now))
        .aggregate(
            due=Count("id"), on_time=Count("id", filter=Q(Exists(answered.filter(at__lte=OuterRef("respond_by")))))
        )
    )
    return Ratio(part=figures["on_time"], whole=figures["due"])


def coordination(scope: Scope) -> Ratio:
    """Needs logged in the period that passed between government and charities (at least one
    referral sent, either direction), over all needs logged in the period. One query."""
    referred = Referral.needs.through.objects.filter(need_id=OuterRef("pk"), referral__sent_at__isnull=False)
    figures = Need.objects.filter(scope.q(), scope.period_q("created_at")).aggregate(
        total=Count("id"), referred=Count("id", filter=Q(Exists(referred)))
    )
    return Ratio(part=figures["referred"], whole=figures["total"])


def gap_needs(*, today: date | None = None) -> QuerySet[Need]:
    """The ledger's gaps in SQL: open needs logged before their response deadline ran out (a
    date, as in ``ledger_for``) with no referral that helped. Tested against ``ledger_for``."""
    today = today or timezone.localdate()
    hours: dict[str, int] = settings.REFERRAL_RESPONSE_HOURS
    late = Q()
    for urgency, value in hours.items():
        if urgency == "fast_track":
            continue
        # ledger_for: logged date + timedelta(hours) < today; a date plus hours moves whole days only.
        cutoff = timezone.make_aware(datetime.combine(today - timedelta(days=value // 24), time.min))
        late |= Q(urgency=urgency, created_at__lt=cutoff)
    helped = Referral.needs.through.objects.filter(need_id=OuterRef("pk"), referral__outcome__in=HELPED_OUTCOMES)
    return Need.objects.filter(late, status__in=OPEN_NEED_STATUSES).exclude(Exists(helped))


def integration(scope: Scope, *, today: date | None = None) -> Ratio:
    """Households in the scope with anything in the ledger (government assistance, a need or a
    referral) whose ledger is complete — no gap — over all such households. One query."""
    in_ledger = (
        Q(Exists(AssistanceRecord.objects.filter(person__household_id=OuterRef("pk"))))
        | Q(Exists(Need.objects.filter(person__household_id=OuterRef("pk"))))
        | Q(Exists(Referral.objects.filter(person__household_id=OuterRef("pk"), sent_at__isnull=False)))
    )
    has_gap = Exists(gap_needs(today=today).filter(person__household_id=OuterRef("pk")))
    figures = (
        Household.objects.filter(scope.q())
        .filter(in_ledger)
        .aggregate(total=Count("id"), complete=Count("id", filter=~Q(has_gap)))
    )
    return Ratio(part=figures["complete"], whole=figures["total"])


@dataclass(frozen=True)
class FairnessRow:
    key: str  # township code, or a vulnerability code, or "all"
    label: str
    people: int
    helped: int  # people with any help in the period (government or charity)
    money: Decimal

    @property
    def per_person(self) -> Decimal | None:
        return (self.money / self.people).quantize(Decimal("0.01")) if self.people else None

    @property
    def helped_percent(self) -> float | None:
        return share(self.helped, self.people)


def _money(field: str) -> Coalesce:
    return Coalesce(Sum(field), Value(ZERO), output_field=DecimalField(max_digits=16, decimal_places=2))


def _government_in_period(scope: Scope) -> QuerySet[AssistanceRecord]:
    """Government assistance whose period overlaps the scope's period."""
    return AssistanceRecord.objects.filter(
        scope.q("person__region__code"), period_start__lte=scope.until, period_end__gte=scope.since
    )


def _charity_help_in_period(scope: Scope) -> QuerySet[Referral]:
    """Referrals to charities that ended with help given during the period (feedback date)."""
    return Referral.objects.filter(
        scope.q(),
        direction=Direction.TO_CHARITY,
        outcome__in=HELPED_OUTCOMES,
        helped_on__gte=scope.since,
        helped_on__lte=scope.until,
    )


def fairness_by_township(scope: Scope) -> list[FairnessRow]:
    """Per township: registered people, people helped in the period and money per registered
    person (government assistance overlapping the period + charity money given in it). Four
    queries: townships, people, government, charity — each grouped by the 9-digit code prefix."""
    township = Substr("region_id", 1, TOWNSHIP_CODE_LENGTH)
    people = dict(
        Person.objects.filter(scope.q())
        .annotate(township=township)
        .values("township")
        .annotate(n=Count("id"))
        .values_list("township", "n")
    )
    helped_ids = Q(
        Exists(_government_in_period(scope).filter(person_id=OuterRef("pk")))
        | Exists(_charity_help_in_period(scope).filter(person_id=OuterRef("pk")))
    )
    helped = dict(
        Person.objects.filter(scope.q())
        .filter(helped_ids)
        .annotate(township=township)
        .values("township")
        .annotate(n=Count("id"))
        .values_list("township", "n")
    )
    government = dict(
        _government_in_period(scope)
        .annotate(township=Substr("person__region_id", 1, TOWNSHIP_CODE_LENGTH))
        .values("township")
        .annotate(total=_money("amount"))
        .values_list("township", "total")
    )
    charity = dict(
        _charity_help_in_period(scope)
        .annotate(township=township)
        .values("township")
        .annotate(total=_money("amount"))
        .values_list("township", "total")
    )
    codes = sorted(set(people) | set(government) | set(charity))
    names = dict(Region.objects.filter(code__in=[c.ljust(12, "0") for c in codes]).values_list("code", "name"))
    return [
        FairnessRow(
            key=code,
            label=names.get(code.ljust(12, "0"), code),
            people=people.get(code, 0),
            helped=helped.get(code, 0),
            money=government.get(code, ZERO) + charity.get(code, ZERO),
        )
        for code in codes
    ]


def fairness_by_focus_group(scope: Scope) -> list[FairnessRow]:
    """Per focus group (SPEC rule 7: elderly unable to care for themselves, minors, disabled,
    seriously ill) and for everyone: people, people helped, money per person. Three queries, each
    one aggregate with a filtered count or sum per group."""
    groups: list[tuple[str, str, Q]] = [("all", "", Q())]
    groups += [(v.value, str(v.label), json_list_has("vulnerabilities", v.value)) for v in Vulnerability]
    helped = Q(
        Exists(_government_in_period(scope).filter(person_id=OuterRef("pk")))
        | Exists(_charity_help_in_period(scope).filter(person_id=OuterRef("pk")))
    )
    people = Person.objects.filter(scope.q()).aggregate(
        **{f"people_{key}": Count("id", filter=q) for key, _label, q in groups},
        **{f"helped_{key}": Count("id", filter=q & helped) for key, _label, q in groups},
    )
    government = _government_in_period(scope).aggregate(
        **{
            key: _money("amount") if key == "all" else _sum_for(json_list_has("person__vulnerabilities", key))
            for key, _l, _q in groups
        }
    )
    charity = _charity_help_in_period(scope).aggregate(
        **{
            key: _money("amount") if key == "all" else _sum_for(json_list_has("person__vulnerabilities", key))
            for key, _l, _q in groups
        }
    )
    return [
        FairnessRow(
            key=key,
            label=label,
            people=people[f"people_{key}"],
            helped=people[f"helped_{key}"],
            money=government[key] + charity[key],
        )
        for key, label, _q in groups
    ]


def _sum_for(condition: Q) -> Coalesce:
    return Coalesce(
        Sum("amount", filter=condition), Value(ZERO), output_field=DecimalField(max_digits=16, decimal_places=2)
    )


@dataclass(frozen=True)
class Effect:
    needs_logged: int
    needs_fulfilled: int

    @property
    def fulfilled_percent(self) -> float | None:
        return share(self.needs_fulfilled, self.needs_logged)


def effect(scope: Scope) -> Effect:
    """Needs logged in the period and how many of them are fulfilled now. One query
    (follow-up satisfaction is ``follow_up_satisfaction``)."""
    figures = Need.objects.filter(scope.q(), scope.period_q("created_at")).aggregate(
        logged=Count("id"), fulfilled=Count("id", filter=Q(status=NeedStatus.FULFILLED))
    )
    return Effect(needs_logged=figures["logged"], needs_fulfilled=figures["fulfilled"])


@dataclass(frozen=True)
class Benefit:
    government_money: Decimal
    government_records: int
    charity_money: Decimal
    charity_people: int
    charity_deliveries: int
    service_deliveries: int


def benefit(scope: Scope) -> Benefit:
    """Money and services delivered in the period: government assistance starting in the period,
    and charity deliveries recorded in it (``ResourceUsage`` rows of kind delivery, where the help
    went). Two queries."""
    government = AssistanceRecord.objects.filter(
        scope.q("person__region__code"), period_start__gte=scope.since, period_start__lte=scope.until
    ).aggregate(money=_money("amount"), records=Count("id"))
    charity = ResourceUsage.objects.filter(scope.q(), scope.period_q("occurred_at"), kind=UsageKind.DELIVERY).aggregate(
        money=_money("amount"),
        people=Coalesce(Sum("people"), Value(0)),
        deliveries=Count("id"),
        services=Count("id", filter=~Q(services=[])),
    )
    return Benefit(
        government_money=government["money"],
        government_records=government["records"],
        charity_money=charity["money"],
        charity_people=charity["people"],
        charity_deliveries=charity["deliveries"],
        service_deliveries=charity["services"],
    )
