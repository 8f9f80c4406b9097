"""Refreshing the per-county aggregates (issue #18 item 5) that the city and province pages read.

A beat task on the heavy queue (``dashboards.tasks.refresh_county_aggregates``) recomputes, with the
live computation itself (``rollup.county_figures``), only the counties where something counted
changed since an earlier run: needs, referrals and households by their ``updated_at``; deliveries,
government assistance and referral answers (append-only tables) by their highest id; referrals whose
answer deadline passed or came within 24 hours; follow-ups created (a visit is an event). Each row also holds
the county dashboard's figures (``dashboards.figures``), which the city and province dashboards add
up. The watermark is the run before the last, so a write that committed while
a run was reading is still caught by the next one. Each day's new periods (the default 12-month
window moves) are computed for every county once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.core.cache import cache
from django.db import transaction
from django.db.models import Max, Q
from django.db.models.functions import Substr
from django.utils import timezone

from beneficiaries.models import AssistanceRecord, Household, Need
from cases.models import FollowUp, Referral, ReferralEvent
from charities.models import ResourceUsage
from core.models import Region, RegionLevel
from dashboards.figures import county_figures_for, current_figures
from dashboards.forms import DEFAULT_PERIOD_DAYS
from dashboards.models import AggregateRefresh, CountyAggregate, CountyOrganizationAggregate
from dashboards.rollup import county_figures, month_bounds
from dashboards.selectors import Scope

logger = logging.getLogger(__name__)

COUNTY_CODE_LENGTH = 6
LOCK_KEY = "dashboards:aggregates-refresh"
LOCK_SECONDS = 1800


def standard_periods(today: date) -> list[tuple[date, date]]:
    """The periods kept as aggregates: the pages' default window (the last 12 months), this month
    and last month (the upward report's)."""
    this_month = month_bounds(today.strftime("%Y-%m"))
    last_month = month_bounds((this_month[0] - timedelta(days=1)).strftime("%Y-%m"))
    return [(today - timedelta(days=DEFAULT_PERIOD_DAYS - 1), today), this_month, last_month]


def _prefixes(rows: Iterable[str | None]) -> set[str]:
    return {code[:COUNTY_CODE_LENGTH] for code in rows if code}


def changed_counties(watermark: AggregateRefresh, now: datetime) -> set[str]:
    """The 6-digit codes of the counties where a counted row changed since ``watermark``: one
    query per table (two for referrals), each over an index of the rows changed since then."""
    since = watermark.started_at
    county = Substr("region_id", 1, COUNTY_CODE_LENGTH)
    changed: set[str] = set()
    changed |= _prefixes(
        Need.objects.filter(updated_at__gte=since).annotate(c=county).values_list("c", flat=True).distinct()
    )
    # Two queries, not one with OR: each reads its own index.
    changed |= _prefixes(
        Referral.objects.filter(updated_at__gte=since).annotate(c=county).values_list("c", flat=True).distinct()
    )
    changed |= _prefixes(
        Referral.objects.filter(respond_by__gte=since, respond_by__lte=now)
        .annotate(c=county)
        .values_list("c", flat=True)
        .distinct()
    )
    # A deadline entering the dashboard's next 24 hours ("expiring") also changes a figure.
    changed |= _prefixes(
        Referral.objects.filter(respond_by__gte=since + timedelta(hours=24), respond_by__lte=now + timedelta(hours=24))
        .annotate(c=county)
        .values_list("c", flat=True)
        .distinct()
    )
    # Follow-ups due (the sampler creates them); a visit recorded adds a referral event (below).
    changed |= _prefixes(
        FollowUp.objects.filter(created_at__gte=since)
        .order_by()
        .annotate(c=county)
        .values_list("c", flat=True)
        .distinct()
    )
    changed |= _prefixes(
        Household.objects.filter(updated_at__gte=since).annotate(c=county).values_list("c", flat=True).distinct()
    )
    changed |= _prefixes(
        ResourceUsage.objects.filter(pk__gt=watermark.last_usage_id)
        .annotate(c=county)
        .values_list("c", flat=True)
        .distinct()
    )
    changed |= _prefixes(
        AssistanceRecord.objects.filter(pk__gt=watermark.last_assistance_id)
        .annotate(c=Substr("person__region_id", 1, COUNTY_CODE_LENGTH))
        .values_list("c", flat=True)
        .distinct()
    )
    changed |= _prefixes(
        ReferralEvent.objects.filter(pk__gt=watermark.last_event_id)
        .annotate(c=Substr("referral__region_id", 1, COUNTY_CODE_LENGTH))
        .values_list("c", flat=True)
        .distinct()
    )
    return changed


def _last_id(model: type[ResourceUsage] | type[AssistanceRecord] | type[ReferralEvent]) -> int:
    return int(model.objects.aggregate(top=Max("pk"))["top"] or 0)


def refresh_county(county: Region, periods: list[tuple[date, date]], as_of: datetime) -> None:
    """Recompute one county's rows for the periods, from the live computation (the figures that
    hold for no period, such as the ledger's gaps, once for all of them)."""
    current = current_figures(Scope(region=county, since=as_of.date(), until=as_of.date()), now=as_of)
    for since, until in periods:
        f = county_figures(county, since, until)
        dashboard = county_figures_for(Scope(region=county, since=since, until=until), now=as_of, current=current)
        row, _created = CountyAggregate.objects.update_or_create(
            county=county,
            since=since,
            until=until,
            defaults={
                "needs_logged": f.needs_logged,
                "needs_fulfilled": f.needs_fulfilled,
                "referrals_sent": f.referrals_sent,
                "median_hours_to_accept": f.median_hours_to_accept,
                "consistency": f.consistency,
                "coordination": f.coordination,
                "integration": f.integration,
                "government_money": f.government_money,
                "charity_money": f.charity_money,
                "dashboard": dashboard.as_json(),
                "as_of": as_of,
            },
        )
        row.organizations.all().delete()
        CountyOrganizationAggregate.objects.bulk_create(
            [
                CountyOrganizationAggregate(
                    aggregate=row, organization_id=pk, sent=sent, accepted=accepted, helped=helped, declined=declined
                )
                for pk, (_name, sent, accepted, helped, declined) in dashboard.organizations.items()
            ],
            batch_size=2000,
        )


def refresh(*, full: bool = False) -> int:
    """Bring the aggregates up to date; returns how many counties were recomputed (0 when another
    refresh is running). ``full`` recomputes every county (e.g. after restoring a backup)."""
    if not cache.add(LOCK_KEY, "1", timeout=LOCK_SECONDS):
        return 0
    try:
        return _refresh(full=full)
    finally:
        cache.delete(LOCK_KEY)


def _refresh(*, full: bool) -> int:
    now = timezone.now()
    periods = standard_periods(timezone.localdate(now))
    # The highest ids are read before any figure: rows added while counting are caught next time.
    run = AggregateRefresh.objects.create(
        started_at=now,
        last_usage_id=_last_id(ResourceUsage),
        last_assistance_id=_last_id(AssistanceRecord),
        last_event_id=_last_id(ReferralEvent),
    )
    earlier = list(AggregateRefresh.objects.filter(finished_at__isnull=False).order_by("-started_at", "-id")[:2])
    watermark = earlier[-1] if earlier and not full else None
    changed = changed_counties(watermark, now) if watermark is not None else None
    period_q = Q()
    for since, until in periods:
        period_q |= Q(since=since, until=until)
    complete = {
        code
        for code, n in _counts(CountyAggregate.objects.filter(period_q).values_list("county_id", flat=True)).items()
        if n == len(periods)
    }
    refreshed = 0
    for county in Region.objects.filter(level=RegionLevel.COUNTY).order_by("code"):
        if changed is not None and county.code in complete and county.code[:COUNTY_CODE_LENGTH] not in changed:
            continue
        with transaction.atomic():
            refresh_county(county, periods, now)
        refreshed += 1
    # Periods no page asks for any more (yesterday's window, older months) are dropped.
    CountyAggregate.objects.exclude(period_q).delete()
    AggregateRefresh.objects.filter(started_at__lt=now - timedelta(days=2)).delete()
    run.finished_at = timezone.now()
    run.counties = refreshed
    run.save(update_fields=["finished_at", "counties"])
    logger.info("county aggregates: %s counties refreshed", refreshed)
    return refreshed


def _counts(codes: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for code in codes:
        counts[code] = counts.get(code, 0) + 1
    return counts
