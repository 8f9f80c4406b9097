from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.models import User
from core.health import health_report
from core.models import OrganizationKind
from core.selectors import organizations_visible_to


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, report = health_report()
    return JsonResponse({"status": "ok" if healthy else "degraded", **report}, status=200 if healthy else 503)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    return render(request, "core/home.html", {"organization": user.organization, "jurisdiction": user.jurisdiction})


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
