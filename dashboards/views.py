"""The county dashboard and the evaluation page: each view opens with the access helper, reads
the filter and hands the report (the selectors' figures as tables) to the template or the export.
They only read: with a read replica configured they read from it (core/replica.py)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.models import User
from audit.models import AuditAction
from audit.services import audit_record
from core.models import RegionLevel
from core.replica import replica_reads
from core.spreadsheets import export_workbook
from dashboards.forms import ScopeForm
from dashboards.permissions import dashboard_region_for
from dashboards.reports import Report, county_report, evaluation_report
from dashboards.rollup import (
    above_county,
    comparison,
    comparison_table,
    dashboard_rollup,
    figures_as_of,
    pairings,
    rollup_region_for,
    upward_report,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _scope_form(request: HttpRequest) -> ScopeForm:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - login_required
    return ScopeForm(request.GET or None, region=dashboard_region_for(user))


def _page(request: HttpRequest, form: ScopeForm, report: Report, export_url: str) -> HttpResponse:
    charts = {table.key: table.chart_data() for table in report.tables if table.drawable}
    user = request.user
    region = user.jurisdiction if isinstance(user, User) else None
    can_compare = isinstance(user, User) and (
        user.is_admin_role or (region is not None and region.level < RegionLevel.COUNTY)
    )
    return render(
        request,
        "dashboards/report.html",
        {"form": form, "report": report, "charts": charts, "export_url": export_url, "can_compare": can_compare},
    )


def _export(report: Report, filename: str) -> HttpResponse:
    scope = report.scope
    title = f"{report.title} {scope.since:%Y-%m-%d}~{scope.until:%Y-%m-%d}"
    region = scope.region.name if scope.region else _("All regions")
    content = export_workbook(
        title=report.title,
        headers=[_("Section"), _("Line"), _("Column"), _("Value")],
        rows=[[title, region, "", ""], *report.export_rows()],
    )
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="{filename}-{scope.since:%Y%m%d}-{scope.until:%Y%m%d}.xlsx"'
    )
    return response


def _dashboard(form: ScopeForm) -> Report:
    """A county's (or a township's) dashboard live; a city's, a province's or everywhere's added up
    from the counties' aggregates (issue #18 item 5)."""
    scope = form.scope()
    return dashboard_rollup(scope) if above_county(scope) else county_report(scope)


@login_required
@require_GET
@replica_reads
def county(request: HttpRequest) -> HttpResponse:
    form = _scope_form(request)
    return _page(request, form, _dashboard(form), "dashboards:county_export")


@login_required
@require_GET
@replica_reads
def county_export(request: HttpRequest) -> HttpResponse:
    form = _scope_form(request)
    return _export(_dashboard(form), "dashboard")


@login_required
@require_GET
@replica_reads
def evaluation(request: HttpRequest) -> HttpResponse:
    form = _scope_form(request)
    return _page(request, form, evaluation_report(form.scope()), "dashboards:evaluation_export")


@login_required
@require_GET
@replica_reads
def evaluation_export(request: HttpRequest) -> HttpResponse:
    form = _scope_form(request)
    return _export(evaluation_report(form.scope()), "evaluation")


# --- city and province levels (SPEC rule 17) --------------------------------------------------
@login_required
@require_GET
@replica_reads
def counties(request: HttpRequest) -> HttpResponse:
    """The counties under the user's city or province, compared and ranked; each links to its own
    dashboard (the drill-down); the monthly upward report as .xlsx."""
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - login_required
    region = rollup_region_for(user)
    form = ScopeForm(request.GET or None, region=region)
    scope = form.scope()
    figures = comparison(region, scope.since, scope.until)
    table = comparison_table(figures)
    last_month = (timezone.localdate().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    return render(
        request,
        "dashboards/counties.html",
        {
            "form": form,
            "region": region,
            "scope": scope,
            "table": table,
            "chart": table.drawable,
            "charts": {"counties": table.chart_data()} if table.drawable else {},
            "figures": figures,
            "ranked": list(zip(figures, table.rows, strict=True)),
            "as_of": figures_as_of(figures),
            "pairings": pairings(region, scope.since, scope.until),
            "month": request.GET.get("month", last_month),
        },
    )


@login_required
@require_GET
@replica_reads
def upward_report_export(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - login_required
    region = rollup_region_for(user)
    month = request.GET.get("month") or (timezone.localdate().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    try:
        content, filename = upward_report(region, month)
    except ValueError as error:
        return HttpResponse(str(error), status=400, content_type="text/plain; charset=utf-8")
    audit_record(actor=user, action=AuditAction.EXPORT, target=user, changes={"report": "upward", "month": month})
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
