from __future__ import annotations

from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from core.errors import ReferralHubError
from core.health import health_report
from core.imports import (
    ERRORS_ON_PAGE,
    import_batch_confirm,
    import_batch_error_report,
    import_batch_for_user,
    import_batch_start,
    import_progress,
    spec_for_user,
)
from core.models import ImportBatch, ImportStatus, OrganizationKind
from core.selectors import organizations_visible_to, regions_pickable_by, regions_search
from core.spreadsheets import XLSX_CONTENT_TYPE, get_spec, template_workbook


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, report = health_report()
    return JsonResponse({"status": "ok" if healthy else "degraded", **report}, status=200 if healthy else 503)


@never_cache
@require_GET
def healthz_live(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. No database, no Redis, no session: a restart is the only cure
    for a process that does not answer this. ``/healthz`` is the readiness check (its services)."""
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    return render(request, "core/home.html", {"organization": user.organization, "jurisdiction": user.jurisdiction})


@require_GET
def region_search(request: HttpRequest) -> JsonResponse:
    """The region pickers' search: up to 20 regions the user may choose whose name contains
    ``q`` (or whose code starts with it), each with its path; ``level=4,5`` limits the levels.
    Without signing in (the public transparency page): counties and above only, public names;
    ``scope=apply`` (the online application): the townships and villages of the served counties."""
    user: User = request.user  # type: ignore[assignment]
    scope = "apply" if request.GET.get("scope") == "apply" else ""  # the online application (anyone)
    if not scope and user.is_authenticated and not regions_pickable_by(user).exists():
        return JsonResponse({"error": _("You have no region to choose from.")}, status=403)
    levels = [
        int(part) for part in request.GET.get("level", "").split(",") if part.strip() in {"1", "2", "3", "4", "5"}
    ]
    query = request.GET.get("q", "")[:50]
    found = regions_search(user, query, levels=levels, public=request.GET.get("public") == "1", scope=scope)
    return JsonResponse(
        {
            "results": [
                {"code": region.code, "name": region.name, "level": region.level, "path": path}
                for region, path in found
            ]
        }
    )


@login_required
def organization_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    organizations = organizations_visible_to(user).order_by("kind", "name")
    kind = request.GET.get("kind", "")
    if kind in OrganizationKind.values:
        organizations = organizations.filter(kind=kind)
    query = request.GET.get("q", "").strip()
    if query:
        organizations = organizations.filter(name__icontains=query)
    page = Paginator(organizations, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "core/organization_list.html",
        {"page": page, "kinds": OrganizationKind.choices, "kind": kind, "q": query},
    )


# --- spreadsheet imports --------------------------------------------------------
class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet (.xlsx, .xls or .csv)"),
        widget=forms.ClearableFileInput(
            attrs={"accept": f"{XLSX_CONTENT_TYPE},application/vnd.ms-excel,text/csv,text/plain,.xlsx,.xls,.csv,.txt"}
        ),
    )


@login_required
def import_start(request: HttpRequest, kind: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    spec = spec_for_user(kind, user)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = import_batch_start(kind=kind, upload=form.cleaned_data["file"], user=user)
        except ReferralHubError as error:
            form.add_error("file", error.message)
        else:
            return redirect("core:import_batch", pk=batch.pk)
    recent = ImportBatch.objects.filter(created_by=user, kind=kind)[:5]
    return render(request, "core/import_start.html", {"spec": spec, "form": form, "recent": recent})


@login_required
@require_GET
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    spec = spec_for_user(kind, user)
    response = HttpResponse(template_workbook(spec), content_type=XLSX_CONTENT_TYPE)
    filename = quote(f"{spec.title}模板.xlsx")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


@login_required
def import_batch(request: HttpRequest, pk: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    batch = import_batch_for_user(user, pk)
    spec = get_spec(batch.kind)
    context = {
        "batch": batch,
        "spec": spec,
        "progress": import_progress(batch),
        "headers": spec.preview_headers() if spec else [],
        "running": batch.status in (ImportStatus.VALIDATING, ImportStatus.IMPORTING),
        "shown_errors": batch.errors[:ERRORS_ON_PAGE],
        "errors_on_page": ERRORS_ON_PAGE,
    }
    partial = request.headers.get("HX-Request") == "true"
    template = "core/_import_status.html" if partial else "core/import_batch.html"
    return render(request, template, context)


@login_required
@require_GET
def import_error_report(request: HttpRequest, pk: str) -> HttpResponse:
    """Every error of a batch, beside the user's own rows, as an .xlsx to correct and upload again.

    Only for the person who uploaded it: the rows hold full ID numbers and phones, which that person
    sent, and which an administrator looking at the batch sees masked only.
    """
    user: User = request.user  # type: ignore[assignment]
    batch = import_batch_for_user(user, pk)
    spec = get_spec(batch.kind)
    if spec is None or not batch.errors or batch.created_by_id != user.pk:
        raise Http404(_("No such import."))
    response = HttpResponse(import_batch_error_report(batch=batch, spec=spec), content_type=XLSX_CONTENT_TYPE)
    stem = batch.original_name.rsplit(".", 1)[0] or str(spec.title)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'{stem}（错误报告）.xlsx')}"
    return response


@login_required
@require_POST
def import_confirm(request: HttpRequest, pk: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    batch = import_batch_for_user(user, pk)
    try:
        import_batch_confirm(batch=batch, user=user)
    except ReferralHubError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Import started. All rows are written together, or none are."))
    return redirect("core:import_batch", pk=batch.pk)


def api_docs(request: HttpRequest) -> HttpResponse:
    """``/api/docs/`` (Swagger UI): open where API_DOCS_PUBLIC (development); otherwise sign in first."""
    from django.conf import settings
    from django.contrib.auth.views import redirect_to_login
    from drf_spectacular.views import SpectacularSwaggerView

    from core.rest import ApiDocsAccess

    if not settings.API_DOCS_PUBLIC and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    view = SpectacularSwaggerView.as_view(url_name="schema", permission_classes=[ApiDocsAccess])
    response: HttpResponse = view(request)
    return response
