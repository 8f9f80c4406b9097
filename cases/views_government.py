"""The office's pages for a charity's referral to government (SPEC rule 4): who in the register
this person may already be, and 登记在册 — entering them as a new person from the referral (in a
new household, or one the office registered), with the rules of
``cases.government.referral_register_person`` (the API's ``register_person``)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from beneficiaries.crypto import mask_name
from beneficiaries.models import Person
from beneficiaries.selectors import household_by_number, person_search, persons_visible_to
from cases.forms import RegisterPersonForm
from cases.government import referral_duplicates, referral_id_index, referral_register_person
from cases.models import Direction, Referral, ReferralStatus
from cases.permissions import RECEIVER, is_on_side, referral_for_user
from cases.views_common import refuse, user_of
from core import form_tokens
from core.errors import ReferralHubError

# The statuses in which the office may link the referral to the register (referral_link_person's).
_REGISTRABLE = (ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS, ReferralStatus.COMPLETED)


def register_matches(user: User, referral: Referral) -> list[dict[str, Any]]:
    """Registered people of the office's jurisdiction who may be the referred person: the same ID
    number first, then the same name; each shown as the register lists it (masked name, household,
    village)."""
    index = referral_id_index(referral)
    by_number = list(persons_visible_to(user).filter(id_number_index=index)[:10]) if index else []
    name = str(referral.person_details.get("name", ""))
    by_name = list(person_search(user, name)[:10]) if name else []
    found: dict[int, Person] = {p.pk: p for p in [*by_number, *by_name]}
    same_number = {p.pk for p in by_number}
    return [
        {
            "person": p,
            "name": mask_name(p.name),
            "household": p.household.register_number,
            "village": p.region.name,
            "same_id_number": p.pk in same_number,
        }
        for p in found.values()
    ]


def register_context(user: User, referral: Referral) -> dict[str, Any]:
    """What the detail page needs to offer 关联到名册 and 登记在册, for the office that may do it."""
    if not (
        referral.direction == Direction.TO_GOVERNMENT
        and referral.person_id is None
        and referral.status in _REGISTRABLE
        and is_on_side(user, referral, RECEIVER)
    ):
        return {}
    return {
        "register_matches": register_matches(user, referral),
        "register_duplicates": list(referral_duplicates(referral)[:20]),
        "register_form": RegisterPersonForm(initial=form_tokens.fresh_initial()),
    }


@login_required
@require_POST
def referral_register_person_view(request: HttpRequest, pk: int) -> HttpResponse:
    """登记在册: a new person (in a new household at the address the charity gave, or in a registered
    household of the office's area by its number), once the caseworker has confirmed they are none
    of the registered people the page listed."""
    user = user_of(request)
    referral = referral_for_user(user, pk)
    if not is_on_side(user, referral, RECEIVER):
        raise PermissionDenied(_("Only the organization this referral was sent to may do this."))
    token = request.POST.get("form_token")
    if saved_at := form_tokens.already_used(request, token):
        messages.info(request, _("This person has already been entered in the register."))
        return redirect(saved_at)
    form = RegisterPersonForm(request.POST)
    if not form.is_valid():
        refuse(request, ValidationError([m for errors in form.errors.values() for m in errors]))
        return redirect("cases:referral_detail", pk=pk)
    if not form_tokens.claim(token):  # a double tap: the first one registers
        messages.info(request, _("This person has already been entered in the register."))
        return redirect("cases:referral_detail", pk=pk)
    household = None
    if number := form.cleaned_data["household"].strip():
        household = household_by_number(user, number)
        if household is None:
            form_tokens.release(token)
            refuse(
                request,
                ValidationError(
                    _("No registered household of your area has the number %(number)s.") % {"number": number}
                ),
            )
            return redirect("cases:referral_detail", pk=pk)
    try:
        person = referral_register_person(
            referral=referral, by=user, household=household, relation=form.cleaned_data["relation"]
        )
    except (ReferralHubError, ValidationError, PermissionDenied) as error:
        form_tokens.release(token)
        refuse(request, error)
        return redirect("cases:referral_detail", pk=pk)
    form_tokens.mark_used(request, token, reverse("cases:referral_detail", args=[pk]))
    messages.success(
        request,
        _("%(name)s is now in the register (household %(household)s): the decision and help meet in the ledger.")
        % {"name": mask_name(person.name), "household": person.household.register_number},
    )
    return redirect("cases:referral_detail", pk=pk)
