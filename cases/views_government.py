"""The office's side of a charity's referral to government on its page (SPEC rule 4): it finds the
person in the register and links them, or enters them in the register from the charity's details
(登记在册), after being shown who may already be there and which other open referrals are about the
same person. The API does the same through ``register_person`` (cases/api.py); both call
cases/government.py."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from beneficiaries.selectors import person_search
from cases.government import referral_duplicates, referral_register_person
from cases.models import Direction, Referral
from cases.permissions import referral_for_user
from cases.transitions import allowed_actions
from core.errors import ReferralHubError


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _registering(user: User, referral: Referral, actions: list[str] | tuple[str, ...]) -> bool:
    """The receiving office may link or register while it decides on a referral naming no one yet."""
    return referral.direction == Direction.TO_GOVERNMENT and referral.person_id is None and "decide" in actions


def _warnings(user: User, referral: Referral) -> tuple[list[Any], list[Referral]]:
    """People of this name in the office's register, and other open referrals about the same person."""
    name = str(referral.person_details.get("name", ""))
    matches = list(person_search(user, name)[:10]) if name else []
    return matches, list(referral_duplicates(referral).select_related("from_organization")[:20])


def register_context(user: User, referral: Referral, actions: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """What the referral page shows the office about the register: empty unless it may link or register."""
    if not _registering(user, referral, actions):
        return {}
    matches, duplicates = _warnings(user, referral)
    return {
        "register_matches": matches,
        "register_duplicates": duplicates,
        "can_register": bool((referral.person_details or {}).get("id_number_encrypted")),
    }


@login_required
@require_POST
def referral_register(request: HttpRequest, pk: int) -> HttpResponse:
    """登记在册: a new household at the address the charity gave, the person in it, the referral linked.
    When the register or other referrals may already hold the person, the office must say it checked."""
    user = _user(request)
    referral = referral_for_user(user, pk)
    try:
        if _registering(user, referral, allowed_actions(user, referral)):
            matches, duplicates = _warnings(user, referral)
            if (matches or duplicates) and request.POST.get("confirm_new") != "1":
                raise ValidationError(
                    _(
                        "Check the people and referrals listed first: link an existing person, or tick "
                        "that this is a new person, then register."
                    )
                )
        person = referral_register_person(referral=referral, by=user)
    except (ReferralHubError, ValidationError, PermissionDenied) as error:
        if isinstance(error, ValidationError):
            for message in error.messages:
                messages.error(request, message)
        elif isinstance(error, ReferralHubError):
            messages.error(request, error.message)
        else:
            messages.error(request, str(error) or _("You may not do this."))
        return redirect("cases:referral_detail", pk=pk)
    messages.success(request, _("%(name)s is now in the register and linked to this referral.") % {"name": person.name})
    return redirect("cases:referral_detail", pk=pk)
