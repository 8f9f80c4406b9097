"""City and province levels (SPEC rule 17, issue #18 item 1): the counties under a city or a
province compared side by side, and the monthly upward report (信息报送) in a fixed layout.

Each county's figures are the county dashboard's and the evaluation page's own selectors over that
county (so a county reads the same number on its own page and in the city's table); the table is
ranked by the share of logged needs fulfilled, the Guangzhou effect indicator. Supervisors above a
county read these; nobody writes anything here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import JURISDICTION_ROLES, User
from charities.models import Resource, ResourceUsage, UsageKind
from core.models import Region, RegionLevel
from core.spreadsheets import export_workbook
from dashboards import selectors
from dashboards.figures import DashboardFigures, add_up, county_figures_for
from dashboards.models import CountyAggregate, CountyOrganizationAggregate
from dashboards.reports import Cell, Report, Table, dashboard_report
from dashboards.selectors import Scope


def rollup_region_for(user: User) -> Region | None:
    """The city or province whose counties this user compares; None (the whole country) for the
    administrator. Anyone whose jurisdiction is a county or below has no roll-up (403)."""
    if user.is_admin_role:
        return None
    region = user.jurisdiction
    if user.role in JURISDICTION_ROLES and region is not None and region.level < RegionLevel.COUNTY:
        return region
    raise PermissionDenied(_("The comparison of counties is for city and province levels."))


def counties_under(region: Region | None) -> list[Region]:
    counties = Region.objects.filter(level=RegionLevel.COUNTY)
    if region is not None:
        counties = counties.filter(region.subtree_q("code"))
    return list(counties.order_by("code"))


@dataclass(frozen=True)
class CountyFigures:
    county: Region
    needs_logged: int
    needs_fulfilled: int
    referrals_sent: int
    median_hours_to_accept: float | None
    consistency: float | None  # answered within the deadline (%)
    coordination: float | None
    integration: float | None
    government_money: Decimal
    charity_money: Decimal
    as_of: datetime | None = None  # from the aggregates refreshed then; None: computed just now

    @property
    def fulfilled_percent(self) -> float | None:
        return selectors.share(self.needs_fulfilled, self.needs_logged)


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def county_figures(county: Region, since: date, until: date) -> CountyFigures:
    scope = Scope(region=county, since=since, until=until)
    effect = selectors.effect(scope)
    benefit = selectors.benefit(scope)
    sent = sum(row["count"] for row in selectors.referrals_by_status(scope))
    hours, _n = selectors.median_hours_to_accept(scope)
    return CountyFigures(
        county=county,
        needs_logged=effect.needs_logged,
        needs_fulfilled=effect.needs_fulfilled,
        referrals_sent=sent,
        median_hours_to_accept=hours,
        consistency=_percent(selectors.consistency(scope).percent),
        coordination=_percent(selectors.coordination(scope).percent),
        integration=_percent(selectors.integration(scope).percent),
        government_money=benefit.government_money,
        charity_money=benefit.charity_money,
    )


def _stored(row: CountyAggregate) -> CountyFigures:
    return CountyFigures(
        county=row.county,
        needs_logged=row.needs_logged,
        needs_fulfilled=row.needs_fulfilled,
        referrals_sent=row.referrals_sent,
        median_hours_to_accept=row.median_hours_to_accept,
        consistency=row.consistency,
        coordination=row.coordination,
        integration=row.integration,
        government_money=row.government_money,
        charity_money=row.charity_money,
        as_of=row.as_of,
    )


def comparison(region: Region | None, since: date, until: date) -> list[CountyFigures]:
    """Every county under the region, best first by the share of needs fulfilled (counties with no
    needs last, then by code).

    Each county's figures come from its aggregate row for the period (``dashboards.aggregates``:
    two queries however many counties); a county without one (a period no refresh keeps, or a
    county added since the last refresh) is computed live."""
    counties = counties_under(region)
    rows = CountyAggregate.objects.filter(since=since, until=until)
    if region is not None:
        rows = rows.filter(county__code__startswith=region.subtree_prefix)
    stored = {row.county_id: _stored(row) for row in rows.select_related("county").defer("dashboard")}
    figures = [stored.get(county.code) or county_figures(county, since, until) for county in counties]
    return sorted(
        figures,
        key=lambda f: (f.fulfilled_percent is None, -(f.fulfilled_percent or 0), f.county.code),
    )


def figures_as_of(figures: list[CountyFigures]) -> str:
    """When the oldest figure shown was counted, as the page says it (数据截至 HH:MM; with the date
    when it is not today's)."""
    return _oldest([f.as_of for f in figures])


def _oldest(times: list[datetime | None]) -> str:
    now = timezone.now()
    oldest = timezone.localtime(min((t or now for t in times), default=now))
    return f"{oldest:%H:%M}" if oldest.date() == timezone.localdate() else f"{oldest:%Y-%m-%d %H:%M}"


def above_county(scope: Scope) -> bool:
    """A city, a province or everywhere: the dashboard adds up the counties' aggregates."""
    return scope.region is None or scope.region.level < RegionLevel.COUNTY


def dashboard_rollup(scope: Scope) -> Report:
    """The dashboard of a city, a province or everywhere: the county dashboard's figures of every
    county under it, read from the counties' aggregate rows for the period and added up (two
    queries however many counties). A county without a row (a period no refresh keeps, a county
    added since) is computed live, like the comparison does."""
    counties = counties_under(scope.region)
    rows = CountyAggregate.objects.filter(since=scope.since, until=scope.until, dashboard__isnull=False)
    if scope.region is not None:
        rows = rows.filter(county__code__startswith=scope.region.subtree_prefix)
    stored: dict[str, tuple[dict[str, Any], datetime]] = {
        code: (data, as_of) for code, data, as_of in rows.values_list("county_id", "dashboard", "as_of") if data
    }
    records: list[DashboardFigures] = []
    times: list[datetime | None] = []
    for county in counties:
        if county.code in stored:
            data, as_of = stored[county.code]
            records.append(DashboardFigures.from_json(data))
            times.append(as_of)
        else:
            records.append(county_figures_for(Scope(region=county, since=scope.since, until=scope.until)))
            times.append(None)
    total = add_up(records)
    total.organizations = _organizations(scope, stored, total.organizations)
    return dashboard_report(scope, total, as_of=_oldest(times))


ORGANIZATIONS_SHOWN = 50


def _organizations(scope: Scope, stored: dict[str, Any], live: dict[int, list[Any]]) -> dict[int, list[Any]]:
    """Referrals by organization over the counties: the 50 with the most referrals, then the rest
    as one line (a province's counties send to thousands). The stored counties' rows are summed in
    SQL (two queries: the first 50, the totals); with a county computed live, every organization's
    sums are read and merged with its figures."""
    rows = CountyOrganizationAggregate.objects.filter(
        aggregate__since=scope.since, aggregate__until=scope.until, aggregate__county_id__in=list(stored)
    ).order_by()
    sums = {"s": Sum("sent"), "a": Sum("accepted"), "h": Sum("helped"), "d": Sum("declined")}
    grouped = rows.values("organization_id").annotate(
        s=Sum("sent"), a=Sum("accepted"), h=Sum("helped"), d=Sum("declined")
    )
    # Only the first ones leave the database, the rest as one sum; with a county computed live,
    # every organization (merged below).
    top = grouped if live else grouped.order_by("-s", "organization__name")[:ORGANIZATIONS_SHOWN]
    found = {pk: list(row) for pk, row in live.items()}
    for pk, name, *counts in top.values_list("organization_id", "organization__name", "s", "a", "h", "d"):
        row = found.setdefault(pk, [name, 0, 0, 0, 0])
        row[1:] = [x + int(y) for x, y in zip(row[1:], counts, strict=True)]
    if not live:
        every = rows.aggregate(n=Count("organization_id", distinct=True), **sums)
        others = int(every["n"] or 0) - len(found)
        if others > 0:
            shown = dict(sorted(found.items(), key=lambda item: (-item[1][1], item[1][0])))
            rest = [int(every[k] or 0) - sum(row[i] for row in shown.values()) for i, k in enumerate("sahd", 1)]
            shown[0] = [_("%(n)s other organizations") % {"n": others}, *rest]
            return shown
    ranked = sorted(found.items(), key=lambda item: (-item[1][1], item[1][0]))
    shown = dict(ranked[:ORGANIZATIONS_SHOWN])
    rest = [row for _pk, row in ranked[ORGANIZATIONS_SHOWN:]]
    if rest:
        label = _("%(n)s other organizations") % {"n": len(rest)}
        shown[0] = [label, *(sum(row[i] for row in rest) for i in range(1, 5))]
    return shown


def headers() -> list[str]:
    return [
        _("County"),
        _("Needs logged"),
        _("Needs fulfilled"),
        _("Fulfilled (%)"),
        _("Referrals"),
        _("Median hours to an answer"),
        _("Consistency (%)"),
        _("Coordination (%)"),
        _("Integration (%)"),
        _("Government assistance (yuan)"),
        _("Charity help (yuan)"),
    ]


def _row(f: CountyFigures) -> list[Cell]:
    return [
        f.county.name,
        f.needs_logged,
        f.needs_fulfilled,
        _percent(f.fulfilled_percent),
        f.referrals_sent,
        None if f.median_hours_to_accept is None else round(f.median_hours_to_accept, 1),
        f.consistency,
        f.coordination,
        f.integration,
        f.government_money,
        f.charity_money,
    ]


def comparison_table(figures: list[CountyFigures]) -> Table:
    return Table(
        key="counties",
        title=_("Counties compared"),
        headers=headers(),
        rows=[_row(f) for f in figures],
        chart="bar",
        chart_columns=[2],  # the share fulfilled: the ranking
        definition=_(
            "Ranked by the share of needs logged in the period that are fulfilled now. Consistency: "
            "referrals answered within their deadline; coordination: needs that passed between government "
            "and charities; integration: households whose ledger has no gap."
        ),
        wide=True,
    )


def month_bounds(month: str) -> tuple[date, date]:
    """``2026-11`` → 1 and 30 November 2026; a clear Chinese error for anything else."""
    try:
        year, number = (int(part) for part in month.split("-", 1))
        first = date(year, number, 1)
    except ValueError:
        raise ValueError(_("Give the month as YYYY-MM, e.g. 2026-11.")) from None
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def upward_report(region: Region | None, month: str) -> tuple[bytes, str]:
    """信息报送: one row per county in a fixed layout (the comparison's columns, the counties in code
    order, a total row), for the month. Returns the workbook and its file name."""
    since, until = month_bounds(month)
    figures = sorted(comparison(region, since, until), key=lambda f: f.county.code)
    name = region.name if region is not None else _("All regions")
    rows: list[list[Cell]] = [[f.county.code, *_row(f)] for f in figures]
    total_logged = sum(f.needs_logged for f in figures)
    total_fulfilled = sum(f.needs_fulfilled for f in figures)
    rows.append(
        [
            "",
            _("Total"),
            total_logged,
            total_fulfilled,
            _percent(selectors.share(total_fulfilled, total_logged)),
            sum(f.referrals_sent for f in figures),
            None,
            None,
            None,
            None,
            sum((f.government_money for f in figures), Decimal("0")),
            sum((f.charity_money for f in figures), Decimal("0")),
        ]
    )
    title = _("Upward report %(region)s %(month)s") % {"region": name, "month": month}
    content = export_workbook(title=title, headers=[_("County code"), *headers()], rows=rows)
    return content, f"upward-report-{region.code if region else 'all'}-{month}.xlsx"


# --- 以强带弱 (SPEC rule 8): designated-county resources and what they delivered ---------------
@dataclass(frozen=True)
class Pairing:
    organization: str
    from_county: str
    resource: str
    to_county: str  # the designated county's name
    people: int
    money: Decimal
    deliveries: int


PAIRINGS_SHOWN = 500


def pairings(region: Region | None, since: date, until: date) -> list[Pairing]:
    """Every resource that designates a county under the region (or belongs to an organization
    under it), with what it delivered in each designated county in the period (the first 500
    pairs). Two queries however many pairs: the pairs, then the deliveries of their resources
    grouped by resource and region, added up here per designated county."""
    designated = Resource.designated_counties.through.objects.all()
    if region is not None:
        designated = designated.filter(
            Q(region__code__startswith=region.subtree_prefix)
            | Q(resource__organization__region__code__startswith=region.subtree_prefix)
        )
    # Plain values, no model instances: a province lists hundreds of pairs.
    pairs = list(
        designated.order_by("region__code", "resource__name").values_list(
            "resource_id", "region_id", "region__level", "region__name", "resource__name",
            "resource__organization__name", "resource__organization__region__name",
        )[:PAIRINGS_SHOWN]
    )  # fmt: skip
    scope = Scope(region=None, since=since, until=until)
    delivered: dict[int, list[tuple[str, int, Decimal, int]]] = {}
    rows = (
        ResourceUsage.objects.filter(
            scope.period_q("occurred_at"), resource_id__in={p[0] for p in pairs}, kind=UsageKind.DELIVERY
        )
        .order_by()
        .values("resource_id", "region_id")
        .annotate(
            people=Coalesce(Sum("people"), Value(0)),
            money=Coalesce(
                Sum("amount"), Value(Decimal("0")), output_field=DecimalField(max_digits=16, decimal_places=2)
            ),
            n=Count("id"),
        )
    )
    for row in rows if pairs else []:
        delivered.setdefault(row["resource_id"], []).append(
            (row["region_id"], int(row["people"]), Decimal(row["money"]), int(row["n"]))
        )
    found: list[Pairing] = []
    for resource_id, county_code, level, county_name, resource, organization, home in pairs:
        prefix = Region(code=county_code, level=level).subtree_prefix
        there = [d for d in delivered.get(resource_id, []) if d[0].startswith(prefix)]
        found.append(
            Pairing(
                organization=organization,
                from_county=home or "",
                resource=resource,
                to_county=county_name,
                people=sum(d[1] for d in there),
                money=sum((d[2] for d in there), Decimal("0")),
                deliveries=sum(d[3] for d in there),
            )
        )
    return found
