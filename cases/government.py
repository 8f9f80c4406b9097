"""Referrals to government (SPEC rule 4) beyond the state machine: the ID number a charity gives is
checked like the register's, the office hears about other open referrals about the same person, and
a person found eligible is entered in the register (and so the ledger) from the referral itself."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from accounts.models import User
from beneficiaries.crypto import blind_index, decrypt
from beneficiaries.models import Household, Person, Relation
from beneficiaries.services import household_create, person_create
from beneficiaries.validators import parse_id_number
from cases.models import OPEN_STATUSES, Direction, Referral, ReferralStatus
from cases.permissions import RECEIVER, require_side
from cases.transitions import ReferralError, lock_referral


def checked_id_number(raw: Any) -> tuple[str, str]:
    """The charity's ID number, validated (18 characters, a real birth date, the check digit):
    ``(number, blind index)``, or ``("", "")`` when none was given. Raises ValidationError keyed
    ``person_details`` with the register's Chinese message."""
    text = str(raw or "").strip()
    if not text:
        return "", ""
    try:
        number = parse_id_number(text).number
    except ValidationError as error:
        raise ValidationError(
            {"person_details": [_("ID number: %(problem)s") % {"problem": " ".join(error.messages)}]}
        ) from None
    return number, blind_index(number)


def referral_id_index(referral: Referral) -> str:
    """The blind index of the referred person's ID number (the register's, or the charity's), or ``""``."""
    if referral.person is not None:
        return referral.person.id_number_index or ""
    details = referral.person_details or {}
    if details.get("id_number_index"):
        return str(details["id_number_index"])
    encrypted = details.get("id_number_encrypted")
    return blind_index(decrypt(encrypted)) if encrypted else ""


def referral_duplicates(referral: Referral) -> QuerySet[Referral]:
    """Other open referrals to government about the same person (by the register's person or by
    the ID number's blind index): the office sees them listed so it decides once."""
    index = referral_id_index(referral)
    same = Q(pk__in=[])
    if referral.person_id is not None:
        same |= Q(person_id=referral.person_id)
    if index:
        same |= Q(person__id_number_index=index) | Q(person_details__id_number_index=index)
    return (
        Referral.objects.filter(
            same, direction=Direction.TO_GOVERNMENT, status__in=[ReferralStatus.DRAFT, *OPEN_STATUSES]
        )
        .exclude(pk=referral.pk)
        .order_by("created_at")
    )


@transaction.atomic
def referral_register_person(
    *, referral: Referral, by: User, household: Household | None = None, relation: str = Relation.HEAD
) -> Person:
    """Enter the person a charity referred to government in the register (a new household at the
    address given, or an existing household of the office's jurisdiction) and link the referral to
    them: their decision, assistance and charity help then meet in one ledger (SPEC rule 6). Every
    check of registration (jurisdiction, the ID number, duplicates) is the register's own."""
    from cases.services import referral_link_person

    locked = lock_referral(referral)
    require_side(by, locked, RECEIVER)
    if locked.direction != Direction.TO_GOVERNMENT:
        raise ReferralError(
            _("Only a referral to government is linked to the register this way."), code="referral_wrong_direction"
        )
    if locked.person_id is not None:
        raise ReferralError(_("This referral already names a registered person."), code="referral_person_linked")
    details = locked.person_details or {}
    encrypted = details.get("id_number_encrypted")
    if not encrypted:
        raise ValidationError(
            {
                "id_number": [
                    _("The charity gave no ID number: register the person from the register pages after verifying it.")
                ]
            }
        )
    if household is None:
        household = household_create(
            by=by, region=locked.region.code, address=str(details.get("address") or "") or _("(address to be verified)")
        )
    phone_encrypted = details.get("phone_encrypted")
    person = person_create(
        by=by,
        household=household,
        relation=relation,
        name=str(details.get("name", "")),
        id_number=decrypt(encrypted),
        phone=decrypt(phone_encrypted) if phone_encrypted else "",
        region=locked.region,
        address=str(details.get("address") or ""),
    )
    referral_link_person(referral=locked, by=by, person=person)
    return person
