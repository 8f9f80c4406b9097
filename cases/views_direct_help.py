"""Pages of help given outside a referral (SPEC rule 16): the records the user may see, and the
two-step form that finds the person by exact ID number (posted, never in a URL) and records the
help with the person's consent."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import JURISDICTION_ROLES, Role, User
from accounts.permissions import effective_role
from beneficiaries.models import Person
from beneficiaries.reveal_policy import RevealLimitReached
from cases.forms_direct_help import DirectHelpForm, FindPersonForm, person_from_token, person_token
from cases.services.direct_help import (
    can_record_direct_help,
    direct_help_find,
    direct_help_record,
    direct_help_visible_to,
    givers_for,
    mask_name,
)
from core import form_tokens

PAGE_SIZE = 25


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@login_required
@require_GET
def direct_help_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if effective_role(user) not in (*JURISDICTION_ROLES, Role.CHARITY_STAFF, Role.ADMIN):
        raise PermissionDenied
    page = Paginator(direct_help_visible_to(user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(record, mask_name(record.person.name)) for record in page]
    return render(
        request,
        "cases/direct_help_list.html",
        {"page": page, "rows": rows, "can_record": can_record_direct_help(user)},
    )


def _apply(form: FindPersonForm | DirectHelpForm, error: ValidationError) -> None:
    for field, texts in error.message_dict.items():
        form.add_error(field if field in form.fields else None, texts)


@login_required
@require_http_methods(["GET", "POST"])
def direct_help_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not can_record_direct_help(user):
        raise PermissionDenied
    givers = givers_for(user)
    if request.method == "POST" and "person" in request.POST:
        return _record(request, user, givers)
    find = FindPersonForm(request.POST or None)
    if request.method == "POST" and find.is_valid():
        try:
            found = direct_help_find(by=user, id_number=find.cleaned_data["id_number"])
        except ValidationError as error:
            _apply(find, error)
        except RevealLimitReached as error:
            find.add_error(None, error.message)
        else:
            form = DirectHelpForm(
                initial=form_tokens.fresh_initial({"person": person_token(found.person.pk)}), givers=givers
            )
            return _form_page(request, form, found.person, found.masked_id)
    return render(request, "cases/direct_help_find.html", {"form": find})


def _form_page(request: HttpRequest, form: DirectHelpForm, person: Person, masked_id: str) -> HttpResponse:
    return render(
        request,
        "cases/direct_help_form.html",
        {
            "form": form,
            "person_name": mask_name(person.name),
            "masked_id": masked_id,
            "region": person.region.name,
        },
    )


def _record(request: HttpRequest, user: User, givers: list[str]) -> HttpResponse:
    if saved_at := form_tokens.already_used(request, request.POST.get("form_token")):
        messages.info(request, _("This help has already been recorded."))
        return redirect(saved_at)
    form = DirectHelpForm(request.POST, request.FILES, givers=givers)
    person_id = person_from_token(request.POST.get("person", ""))
    person = Person.objects.select_related("region").filter(pk=person_id).first() if person_id else None
    if person is None:
        messages.error(request, _("The page has expired: enter the ID number again."))
        return redirect("cases:direct_help_new")
    masked = person.id_number_masked
    if not form.is_valid():
        return _form_page(request, form, person, masked)
    data = form.cleaned_data
    if not form_tokens.claim(data["form_token"]):  # a double tap: the first one saves it
        messages.info(request, _("This help has already been recorded."))
        return redirect("cases:direct_help_list")
    try:
        record = direct_help_record(
            by=user,
            person=person,
            giver=data["giver"],
            helper_name=data["helper_name"],
            kind=data["kind"],
            category=data["category"],
            amount=data["amount"],
            items=data["items"],
            services=data["services"],
            given_on=data["given_on"],
            note=data["note"],
            consent_method=data["consent_method"],
            consent_witness=data["consent_witness"],
            consent_guardian=data["consent_guardian"],
            consent_evidence=data["consent_evidence"],
            request=request,
        )
    except ValidationError as error:
        form_tokens.release(data["form_token"])
        _apply(form, error)
        return _form_page(request, form, person, masked)
    except PermissionDenied as error:
        form_tokens.release(data["form_token"])
        form.add_error(None, str(error))
        return _form_page(request, form, person, masked)
    url = reverse("cases:direct_help_list")
    form_tokens.mark_used(request, data["form_token"], url)
    messages.success(
        request,
        _("Help recorded for %(name)s: it now shows in the ledger.") % {"name": mask_name(record.person.name)},
    )
    return redirect(url)
