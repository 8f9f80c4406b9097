"""Register pages for caseworkers, station workers and supervisors.

Each view opens with one access helper (404 for anything outside the user's
jurisdiction, 403 for a role that may not write) and delegates writes to services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from audit.models import AuditAction
from audit.selectors import audit_entries_for
from audit.services import audit_record
from beneficiaries import services
from beneficiaries.crypto import blind_index, mask_id_number
from beneficiaries.forms import (
    REVEAL_LABELS,
    AssistanceRecordForm,
    ConsentForm,
    HouseholdMoneyForm,
    PersonForm,
    RevealForm,
    RevokeForm,
)
from beneficiaries.models import Household, Person
from beneficiaries.permissions import (
    can_refer,
    can_reveal,
    can_write_register,
    consent_for_user,
    household_for_user,
    person_for_user,
    require_write,
)
from beneficiaries.reveal_policy import RevealLimitReached
from beneficiaries.search import parse_id_search
from beneficiaries.selectors import (
    household_members_visible_to,
    household_search,
    looks_like_id_number,
    masked_persons,
    name_order,
    person_search,
    writable_regions,
)
from beneficiaries.validators import normalize_id_number
from core.codes import AssistanceStatus
from core.dates import add_years
from core.errors import ReferralHubError
from core.forms import RegionFilterForm
from core.models import GOVERNMENT_KINDS, Organization, RegionLevel
from core.paging import ids_first_page
from core.selectors import organizations_visible_to, regions_pickable_by

PAGE_SIZE = 25


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _register_reader(request: HttpRequest) -> User:
    user = _user(request)
    if not (user.is_admin_role or user.jurisdiction_id):
        # Charity staff see people only through referrals (cases app).
        raise Http404(_("The register is not available to your role."))
    return user


def _apply_errors(form: Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages)


def _id_search_redirect(request: HttpRequest) -> HttpResponse | None:
    """A searched ID number leaves the URL at once: the page (its links, the language
    form's "next") would otherwise carry it. It becomes its blind index and a mask."""
    query = request.GET.get("q", "").strip()
    if not looks_like_id_number(query):
        return None
    number = normalize_id_number(query)
    params = request.GET.copy()
    params.pop("q", None)
    params.pop("page", None)
    params["idx"] = blind_index(number)
    params["idm"] = mask_id_number(number)
    return redirect(f"{request.path}?{params.urlencode()}")


def _by_index(persons: QuerySet[Person], request: HttpRequest) -> QuerySet[Person]:
    index = request.GET.get("idx", "")
    return persons.filter(id_number_index=index) if index else persons


def _query_context(request: HttpRequest) -> dict[str, str]:
    query = request.GET.get("q", "").strip()
    if (id_search := parse_id_search(query)) is not None:
        return {"q": "", "q_masked": id_search.masked}
    return {"q": query, "q_masked": request.GET.get("idm", "")[:18] if request.GET.get("idx") else ""}


def _region_filter(request: HttpRequest, user: User) -> RegionFilterForm:
    """The list pages' region picker: a township or village of the user's jurisdiction."""
    return RegionFilterForm(
        request.GET,
        queryset=regions_pickable_by(user),
        levels=[RegionLevel.COUNTY, RegionLevel.TOWNSHIP, RegionLevel.VILLAGE],
        auto_id="%s",
    )


# --- persons -----------------------------------------------------------------------------
@login_required
@require_GET
def person_list(request: HttpRequest) -> HttpResponse:
    user = _register_reader(request)
    if (redirect_to := _id_search_redirect(request)) is not None:
        return redirect_to
    query = request.GET.get("q", "").strip()
    persons = _by_index(person_search(user, query), request)
    region_form = _region_filter(request, user)
    if chosen_region := region_form.chosen:
        persons = persons.filter(chosen_region.subtree_q("region__code"))
    status = request.GET.get("status", "")
    if status in AssistanceStatus.values:
        persons = persons.filter(assistance_statuses__icontains=f'"{status}"')
    # A name search lists by name: ordering by id would let PostgreSQL walk the primary key
    # of a million rows looking for a rare name instead of using the name index (name_order).
    ordering = name_order() if query else ("-id",)
    page = ids_first_page(masked_persons(persons).order_by(*ordering), PAGE_SIZE, request.GET.get("page"))
    return render(
        request,
        "beneficiaries/person_list.html",
        {
            "page": page,
            **_query_context(request),
            "region_form": region_form,
            "status": status,
            "statuses": AssistanceStatus.choices,
            "can_write": can_write_register(user),
        },
    )


@login_required
@require_GET
def person_lookup(request: HttpRequest) -> HttpResponse:
    """The quick need form's live search: a few matches by name or ID number."""
    user = _register_reader(request)
    query = request.GET.get("q", "").strip()
    persons = masked_persons(person_search(user, query)).order_by(*name_order())[:8] if query else Person.objects.none()
    return render(request, "beneficiaries/_person_choices.html", {"persons": persons, "q": query})


def _person_form_regions(user: User) -> QuerySet[Any]:
    return writable_regions(user).filter(level__in=[RegionLevel.TOWNSHIP, RegionLevel.VILLAGE]).order_by("code")


@login_required
@require_http_methods(["GET", "POST"])
def person_create(request: HttpRequest) -> HttpResponse:
    user = _register_reader(request)
    require_write(user)
    form = PersonForm(request.POST or None, regions=_person_form_regions(user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            household = _household_for_new_person(user, data, request)
            person = services.person_create(
                by=user,
                household=household,
                relation=data["relation"],
                name=data["name"],
                id_number=data["id_number"],
                phone=data["phone"],
                region=data["region"],
                address=data["address"],
                assistance_statuses=data["assistance_statuses"],
                vulnerabilities=data["vulnerabilities"],
                disability_grade=data["disability_grade"],
                disability_details=data["disability_details"],
                health=data["health"],
                request=request,
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("%(name)s is registered.") % {"name": person.name})
            return redirect("beneficiaries:person_detail", pk=person.pk)
    return render(request, "beneficiaries/person_form.html", {"form": form, "person": None})


def _household_for_new_person(user: User, data: dict[str, Any], request: HttpRequest) -> Household:
    number = data.get("household", "").strip()
    if number:
        from beneficiaries.selectors import households_visible_to

        household = households_visible_to(user).filter(register_number=number).first()
        if household is None:
            raise ValidationError({"household": _("No household with this register number in your jurisdiction.")})
        return household
    # Checked here first so a bad ID number does not leave an empty household behind.
    services.check_identity(data["id_number"])
    return services.household_create(by=user, region=data["region"], address=data["address"], request=request)


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _register_reader(request)
    person = person_for_user(user, pk, write=True)
    initial = {
        "name": person.name,
        "phone": "",
        "relation": person.relation,
        "region": person.region_id,
        "address": person.address,
        "assistance_statuses": person.assistance_statuses,
        "vulnerabilities": person.vulnerabilities,
        "disability_grade": person.disability_grade,
    }
    form = PersonForm(request.POST or None, initial=initial, regions=_person_form_regions(user), editing=True)
    form.fields["phone"].help_text = _("Currently %(masked)s. Leave empty to keep it.") % {
        "masked": person.phone_masked or "—"
    }
    form.fields["health"].help_text = form.fields["disability_details"].help_text = _(
        "Leave empty to keep what is recorded."
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        for secret in ("phone", "health", "disability_details"):
            if not data.get(secret):
                data.pop(secret, None)
        try:
            services.person_update(by=user, person=person, request=request, **data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("beneficiaries:person_detail", pk=person.pk)
    return render(request, "beneficiaries/person_form.html", {"form": form, "person": person})


def _person_context(user: User, person: Person) -> dict[str, Any]:
    return {
        "person": person,
        "household": person.household,
        "members": household_members_visible_to(user, person.household).order_by("id"),
        "records": person.assistance_records.select_related("granting_organization"),
        "consents": person.consents.select_related("recipient_organization"),
        "needs": person.needs.all()[:20],
        "audit": audit_entries_for(person)[:10],
        "can_write": can_write_register(user),
        "can_reveal": can_reveal(user),
        "can_refer": can_refer(user),
        "reveal_form": RevealForm(),
    }


@login_required
@require_GET
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _register_reader(request)
    person = person_for_user(user, pk)
    return render(request, "beneficiaries/person_detail.html", _person_context(user, person))


@login_required
@require_POST
def person_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    user = _register_reader(request)
    person = person_for_user(user, pk)
    if not can_reveal(user):
        raise PermissionDenied(_("Your role may not see full values."))
    form = RevealForm(request.POST)
    context = _person_context(user, person)
    if form.is_valid():
        try:
            value = services.person_reveal(
                by=user,
                person=person,
                field=form.cleaned_data["field"],
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationError as error:
            _apply_errors(form, error)
        except RevealLimitReached as error:
            form.add_error(None, error.message)
        else:
            context["revealed"] = {"label": REVEAL_LABELS[form.cleaned_data["field"]], "value": value}
    context["reveal_form"] = form
    response = render(request, "beneficiaries/person_detail.html", context)
    response["Cache-Control"] = "no-store"
    return response


# --- households ------------------------------------------------------------------------
@login_required
@require_GET
def household_list(request: HttpRequest) -> HttpResponse:
    """The households of the user's jurisdiction: register number, head (masked as on the
    person list), region and size. Money stays on the household page (it is encrypted)."""
    user = _register_reader(request)
    query = request.GET.get("q", "").strip()
    households = household_search(user, query)
    region_form = _region_filter(request, user)
    if chosen_region := region_form.chosen:
        households = households.filter(chosen_region.subtree_q("region__code"))
    page = ids_first_page(households, PAGE_SIZE, request.GET.get("page"))
    return render(
        request,
        "beneficiaries/household_list.html",
        {
            "page": page,
            "q": query,
            "region_form": region_form,
            "can_write": can_write_register(user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def household_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _register_reader(request)
    household = household_for_user(user, pk, write=True)
    form = HouseholdMoneyForm(
        request.POST or None,
        initial={
            "address": household.address,
            "annual_income": household.income,
            "annual_essential_expenses": household.essential_expenses,
            "annual_medical_expenses": household.medical_expenses,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.household_update(by=user, household=household, request=request, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            head = household.members.order_by("id").first()
            return (
                redirect("beneficiaries:person_detail", pk=head.pk) if head else redirect("beneficiaries:person_list")
            )
    response = render(request, "beneficiaries/household_form.html", {"form": form, "household": household})
    response["Cache-Control"] = "no-store"
    return response


# --- government assistance --------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def assistance_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = _register_reader(request)
    person = person_for_user(user, pk, write=True)
    form = AssistanceRecordForm(request.POST or None)
    offices = organizations_visible_to(user).filter(kind__in=GOVERNMENT_KINDS).order_by("name")
    form.fields["granting_organization"].queryset = offices  # type: ignore[attr-defined]
    if user.organization_id and not form.is_bound:
        form.initial["granting_organization"] = user.organization_id
    if request.method == "POST" and form.is_valid():
        try:
            services.assistance_record_create(by=user, person=person, request=request, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        except ReferralHubError as error:  # a declared relative of the recorder (严防优亲厚友)
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Assistance record saved."))
            return redirect("beneficiaries:person_detail", pk=person.pk)
    return render(
        request,
        "beneficiaries/simple_form.html",
        {"form": form, "person": person, "title": _("Record government assistance")},
    )


# --- consent ---------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def consent_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = _register_reader(request)
    person = person_for_user(user, pk, write=True)
    form = ConsentForm(request.POST or None, request.FILES or None)
    recipients = Organization.objects.filter(is_active=True).exclude(kind__in=GOVERNMENT_KINDS).order_by("name")
    form.fields["recipient_organization"].queryset = recipients  # type: ignore[attr-defined]
    if not form.is_bound:
        now = timezone.localtime()
        form.initial.update(
            {
                "granted_at": now.strftime("%Y-%m-%dT%H:%M"),
                "expires_at": add_years(now, 1).strftime("%Y-%m-%dT%H:%M"),
            }
        )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["fields"] = data.pop("covered_fields")
        try:
            services.consent_grant(by=user, person=person, request=request, **data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Consent recorded."))
            return redirect("beneficiaries:person_detail", pk=person.pk)
    return render(
        request,
        "beneficiaries/simple_form.html",
        {"form": form, "person": person, "title": _("Record consent"), "multipart": True},
    )


@login_required
@require_http_methods(["GET", "POST"])
def consent_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = _register_reader(request)
    consent = consent_for_user(user, pk, write=True)
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_revoke(by=user, consent=consent, reason=form.cleaned_data["reason"], request=request)
        except ValidationError as error:
            _apply_errors(form, error)
        except services.RegisterError as error:
            messages.error(request, error.message)
            return redirect("beneficiaries:person_detail", pk=consent.person_id)
        else:
            messages.success(request, _("Consent revoked; it no longer allows anyone to see the data."))
            return redirect("beneficiaries:person_detail", pk=consent.person_id)
    return render(
        request,
        "beneficiaries/simple_form.html",
        {"form": form, "person": consent.person, "title": _("Revoke consent")},
    )


@login_required
@require_GET
def consent_evidence(request: HttpRequest, pk: int) -> FileResponse:
    """The scanned form, only through this permission check; every view is audited."""
    user = _register_reader(request)
    consent = consent_for_user(user, pk)
    if not consent.evidence:
        raise Http404(_("No evidence file was attached."))
    audit_record(actor=user, action=AuditAction.EVIDENCE_VIEW, target=consent, request=request)
    response = FileResponse(
        consent.evidence.open("rb"), as_attachment=False, filename=consent.evidence.name.rsplit("/", 1)[-1]
    )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
