"""Pages of the supply list, the organization dashboard and profile, and the public pages."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import JURISDICTION_ROLES, Role, User
from charities.forms import ComplaintForm, InviteStaffForm, ProfileForm, ResourceEditForm, complaint_form_token
from charities.models import ResourceKind, ResourceStatus
from charities.permissions import (
    can_edit_resources_of,
    can_manage_organization,
    can_read_complaints,
    organization_for_manager,
    resource_for_editor,
    resource_for_user,
    supplier_organization_for,
)
from charities.selectors import (
    SupplyFilters,
    organization_dashboard,
    public_organization,
    public_organizations_for_complaints,
    public_projects,
    public_summary,
    supply_list,
)
from charities.services import (
    STATUS_MOVES,
    ResourceData,
    complaint_submit,
    organization_admins,
    organization_invite_staff,
    organization_remove_staff,
    organization_update_profile,
    resource_check,
    resource_create,
    resource_set_status,
    resource_update,
)
from core.client_address import client_address
from core.codes import NeedCategory
from core.errors import ReferralHubError
from core.forms import RegionFilterForm
from core.models import FocusGroup, RegionLevel
from core.selectors import public_regions, regions_pickable_by
from core.texts import words_joined

PAGE_SIZE = 25
# The public totals are the same for everyone and move slowly: computed at most once a minute.
PUBLIC_SUMMARY_CACHE_KEY = "charities:public-summary"


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _apply_errors(form: Any, error: ValidationError) -> None:
    """Show a service's ValidationError by the form fields it names."""
    if hasattr(error, "error_dict"):
        for field_name, errors in error.message_dict.items():
            target = field_name if field_name in form.fields else None
            for message in errors:
                form.add_error(target, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


REGION_FIELDS = frozenset({"service_regions", "designated_counties"})


def _with_the_other_errors(form: ResourceEditForm) -> None:
    """A region the picker could not find stops the form before the service checks the rest:
    run those checks too, so one submission shows every mistake."""
    if not form.is_bound or form.is_valid() or not set(form.errors) <= REGION_FIELDS:
        return
    try:
        resource_check(data=form.to_data())
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            others = {k: v for k, v in error.message_dict.items() if k not in REGION_FIELDS}
            if others:
                _apply_errors(form, ValidationError(others))


def _supply_filters(request: HttpRequest, user: User | None) -> SupplyFilters:
    params = request.GET
    region = _region_filter(request, user).chosen
    category = params.get("category", "")
    focus_group = params.get("focus_group", "")
    kind = params.get("kind", "")
    status = params.get("status", "")
    return SupplyFilters(
        q=params.get("q", "").strip()[:100],
        category=category if category in NeedCategory.values else "",
        region=region,
        focus_group=focus_group if focus_group in FocusGroup.values else "",
        available_only=params.get("available") == "1",
        kind=kind if kind in ResourceKind.values else "",
        status=status if status in ResourceStatus.values else "",
    )


def _region_filter(request: HttpRequest, user: User | None) -> RegionFilterForm:
    """The region served: a county or township of the user's own regions, any county for the public."""
    if user is None:
        return RegionFilterForm(request.GET, queryset=public_regions(), levels=[RegionLevel.COUNTY], auto_id="f-%s")
    return RegionFilterForm(
        request.GET,
        queryset=regions_pickable_by(user),
        levels=[RegionLevel.COUNTY, RegionLevel.TOWNSHIP],
        auto_id="f-%s",
    )


def _filter_context(request: HttpRequest, filters: SupplyFilters, user: User | None) -> dict[str, Any]:
    return {
        "filters": filters,
        "region_form": _region_filter(request, user),
        "categories": NeedCategory.choices,
        "focus_groups": FocusGroup.choices,
        "kinds": ResourceKind.choices,
        "statuses": ResourceStatus.choices,
    }


# --- supply list --------------------------------------------------------------------------


@login_required
def resource_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not (user.is_admin_role or user.role in JURISDICTION_ROLES or user.role == Role.CHARITY_STAFF):
        raise PermissionDenied
    filters = _supply_filters(request, user)
    resources = supply_list(user, filters).order_by("-updated_at", "-id")
    page = Paginator(resources, PAGE_SIZE).get_page(request.GET.get("page"))
    own = user.organization if user.role == Role.CHARITY_STAFF else None
    return render(
        request,
        "charities/resource_list.html",
        {"page": page, "own_organization": own, **_filter_context(request, filters, user)},
    )


@login_required
def resource_export(request: HttpRequest) -> HttpResponse:
    """The supply list as the user sees it (filters included), as .xlsx."""
    from core.spreadsheets import export_workbook

    user = _user(request)
    filters = _supply_filters(request, user)
    resources = supply_list(user, filters).order_by("organization__name", "name").iterator(chunk_size=500)
    headers = [
        _("Organization"),
        _("Name"),
        _("Kind"),
        _("Form of help"),
        _("Need categories"),
        _("Service regions"),
        _("Designated counties"),
        _("Capacity (people)"),
        _("Places left"),
        _("Budget (yuan)"),
        _("Budget left (yuan)"),
        _("Limit per person (yuan)"),
        _("Starts on"),
        _("Ends on"),
        _("Status"),
        _("People helped"),
    ]
    labels = dict(NeedCategory.choices)

    def rows() -> Any:
        for r in resources:
            yield [
                r.organization.name,
                r.name,
                r.get_kind_display(),
                r.get_form_display(),
                words_joined(labels.get(c, c) for c in r.categories),
                " ".join(x.code for x in r.service_regions.all()),
                " ".join(x.code for x in r.designated_counties.all()),
                r.capacity_people,
                r.people_left,
                r.capacity_amount,
                r.amount_left,
                r.per_person_limit,
                r.starts_on,
                r.ends_on,
                r.get_status_display(),
                r.people_helped,
            ]

    content = export_workbook(title=_("Supply list"), headers=headers, rows=rows())
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="supply-list-{stamp}.xlsx"'
    return response


@login_required
def resource_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    resource = resource_for_user(user, pk)
    figures = supply_list(user, SupplyFilters()).get(pk=resource.pk)
    can_edit = can_edit_resources_of(user, resource.organization)
    moves = sorted(STATUS_MOVES.get(resource.status, frozenset())) if can_edit else []
    return render(
        request,
        "charities/resource_detail.html",
        {
            "resource": figures,
            "can_edit": can_edit,
            "status_moves": [(code, ResourceStatus(code).label) for code in moves],
            "category_labels": [NeedCategory(c).label for c in figures.categories if c in NeedCategory.values],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def resource_create_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    organization = supplier_organization_for(user)
    form = ResourceEditForm(request.POST or None, initial={"service_regions": organization.region.code}, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            resource = resource_create(
                organization=organization, data=form.to_data(), by=user, publish="publish" in request.POST
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("“%(name)s” is on the supply list.") % {"name": resource.name})
            return redirect("charities:resource_detail", pk=resource.pk)
    if request.method == "POST":
        _with_the_other_errors(form)
    return render(request, "charities/resource_form.html", {"form": form, "resource": None})


@login_required
@require_http_methods(["GET", "POST"])
def resource_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    resource = resource_for_editor(user, pk)
    data = ResourceData.from_resource(resource)
    form = ResourceEditForm(request.POST or None, initial=ResourceEditForm.initial_from(data), user=user)
    if request.method == "POST" and form.is_valid():
        try:
            resource = resource_update(resource=resource, data=form.to_data(), by=user)
        except ValidationError as error:
            _apply_errors(form, error)
        except ReferralHubError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("charities:resource_detail", pk=resource.pk)
    if request.method == "POST":
        _with_the_other_errors(form)
    return render(request, "charities/resource_form.html", {"form": form, "resource": resource})


@login_required
@require_POST
def resource_status_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    resource = resource_for_editor(user, pk)
    try:
        resource = resource_set_status(resource=resource, status=request.POST.get("status", ""), by=user)
    except ReferralHubError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The status is now “%(status)s”.") % {"status": resource.get_status_display()})
    return redirect("charities:resource_detail", pk=resource.pk)


# --- the organization's own pages ---------------------------------------------------------------


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    organization = supplier_organization_for(user)
    figures = organization_dashboard(organization)
    resources = supply_list(user, SupplyFilters(organization_id=organization.pk)).order_by("status", "-updated_at")[:50]
    return render(
        request,
        "charities/dashboard.html",
        {"organization": organization, "figures": figures, "resources": resources},
    )


@login_required
@require_http_methods(["GET", "POST"])
def organization_profile(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    organization = supplier_organization_for(user)
    manager = can_manage_organization(user, organization)
    initial = {
        "contact_person": organization.contact_person,
        "contact_phone": organization.contact_phone,
        "address": organization.address,
        "website": organization.website,
        "focus_groups": organization.focus_groups,
        "service_regions": " ".join(r.code for r in organization.service_regions.all()),
        "introduction": organization.introduction,
        "disclosures": organization.disclosures,
    }
    form = ProfileForm(request.POST or None, initial=initial, user=user)
    if request.method == "POST":
        organization = organization_for_manager(user, organization.pk)
        if form.is_valid():
            changes = {k: v for k, v in form.cleaned_data.items() if k != "service_regions"}
            try:
                organization_update_profile(
                    organization=organization,
                    by=user,
                    changes=changes,
                    service_region_codes=form.service_region_codes(),
                )
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("The profile is saved."))
                return redirect("charities:organization_profile")
    staff = organization.staff.filter(is_active=True).order_by("username")
    return render(
        request,
        "charities/organization_profile.html",
        {
            "organization": organization,
            "form": form,
            "can_manage": manager,
            "staff": staff,
            "admins": {u.pk for u in organization_admins(organization)},
            "invite_form": InviteStaffForm(),
        },
    )


@login_required
@require_POST
def staff_invite(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    organization = organization_for_manager(user, supplier_organization_for(user).pk)
    form = InviteStaffForm(request.POST)
    if form.is_valid():
        try:
            invitation = organization_invite_staff(organization=organization, by=user, **form.cleaned_data)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _(
                    "Account “%(username)s” created. Send the new member this one-time link, with which they choose "
                    "their own password (it works once, for %(hours)d hours, and is shown only now): %(link)s"
                )
                % {
                    "username": invitation.user.username,
                    "hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
                    "link": request.build_absolute_uri(invitation.invite_path),
                },
            )
    else:
        messages.error(request, _("Give a username and the full name of the new member."))
    return redirect("charities:organization_profile")


@login_required
@require_POST
def staff_remove(request: HttpRequest, user_id: int) -> HttpResponse:
    user = _user(request)
    organization = organization_for_manager(user, supplier_organization_for(user).pk)
    member = get_object_or_404(User, pk=user_id, organization=organization, is_active=True)
    try:
        organization_remove_staff(organization=organization, by=user, member=member)
    except ReferralHubError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(name)s can no longer sign in for the organization.") % {"name": member})
    return redirect("charities:organization_profile")


@login_required
def complaint_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not can_read_complaints(user):
        raise PermissionDenied
    # One place for complaints: the supervision workflow lists the same complaints and handles them.
    return redirect("supervision:complaint_list")


# --- the public pages (no sign-in) ------------------------------------------------------------


def transparency(request: HttpRequest) -> HttpResponse:
    """阳光慈善: every published project with aggregates only; no person ever."""
    filters = _supply_filters(request, None)
    filters.status = filters.status if filters.status in ("open", "closed", "full", "paused") else ""
    page = Paginator(public_projects(filters), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "charities/transparency.html",
        {
            "page": page,
            "summary": cache.get_or_set(PUBLIC_SUMMARY_CACHE_KEY, public_summary, 60),
            **_filter_context(request, filters, None),
        },
    )


def public_organization_view(request: HttpRequest, pk: int) -> HttpResponse:
    organization = public_organization(pk)
    if organization is None:
        return render(request, "charities/public_not_found.html", status=404)
    page = Paginator(public_projects(SupplyFilters(organization_id=organization.pk)), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "charities/public_organization.html", {"organization": organization, "page": page})


def _client_ip(request: HttpRequest) -> str:
    return client_address(request) or "unknown"


def _complaint_throttled(request: HttpRequest) -> bool:
    """At most COMPLAINT_FORM_RATE complaints per hour from one address."""
    key = f"complaint-form:{_client_ip(request)}:{timezone.now():%Y%m%d%H}"
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:
        count = 1
    return count > getattr(settings, "COMPLAINT_FORM_RATE_PER_HOUR", 5)


@require_http_methods(["GET", "POST"])
def complaint_create(request: HttpRequest) -> HttpResponse:
    organizations = public_organizations_for_complaints()
    regions = public_regions()
    initial = {"form_token": complaint_form_token()}
    if about := request.GET.get("organization", ""):
        initial["about_organization"] = about
    posted = request.POST if request.method == "POST" else None  # an empty POST is still a bound (invalid) form
    form = ComplaintForm(posted, organizations=organizations, regions=regions, initial=initial)
    if request.method == "POST":
        if _complaint_throttled(request):
            form.add_error(
                None,
                _(
                    "Too many complaints were sent from this network in the last hour. Please try again later or call the county civil affairs bureau."
                ),
            )
            return render(request, "charities/complaint_form.html", {"form": form}, status=429)
        if form.is_valid():
            data = form.cleaned_data
            try:
                complaint = complaint_submit(
                    content=data["content"],
                    contact=data["contact"],
                    about_organization=data["about_organization"],
                    region=data["region"],
                )
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                return render(request, "charities/complaint_thanks.html", {"complaint": complaint})
        # A form shown again carries a fresh token, so an expired one does not block the resend.
        resent = request.POST.copy()
        resent["form_token"] = complaint_form_token()
        form.data = resent
    return render(
        request, "charities/complaint_form.html", {"form": form, "public_url": reverse("charities:transparency")}
    )
