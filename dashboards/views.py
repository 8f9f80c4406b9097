"""The county dashboard and the evaluation page: each view opens with the access helper, reads
the filter and hands the report (the selectors' figures as tables) to the template or the export.
They only read: with a read replica configured they read from it (core/replica.py)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.models import User
from core.replica import replica_reads
from core.spreadsheets import export_workbook
from dashboards.forms import ScopeForm
from dashboards.permissions import dashboard_region_for
from dashboards.reports import Report, county_report, evaluation_report

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _scope_form(request: HttpRequest) -> ScopeForm:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - login_required
    return ScopeForm(request.GET or None, region=dashboard_region_for(user))


def _page(request: HttpRequest, form: ScopeForm, report: Report, export_url: str) -> HttpResponse:
    charts = {table.key: table.chart_data() for table in report.tables if table.drawable}
    return render(
        request,
        "dashboards/report.html",
        {"form": form, "report": report, "charts": charts, "export_url": export_url},
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


@login_required
@require_GET
@replica_reads
def county(request: HttpRequest) -> HttpResponse:
    form = _scope_form(request)
    return _page(request, form, county_report(form.scope()), "dashboards:county_export")


@login_required
@require_GET
@replica_reads
def county_export(request: HttpRequest) -> HttpResponse:
    form = _scope_form(request)
    return _export(county_report(form.scope()), "dashboard")


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
