"""Persons: identity checks, registration, edits and the audited reveal of a sensitive field."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.models import AuditAction
from audit.services import audit_record
from beneficiaries.crypto import blind_index, mask_id_number, mask_phone
from beneficiaries.models import (
    REVEALABLE_FIELDS,
    Household,
    Person,
    Relation,
)
from beneficiaries.permissions import can_reveal
from beneficiaries.reveal_policy import reveal_rate_check, reveal_reason_check
from beneficiaries.selectors import persons_visible_to
from beneficiaries.services.common import (
    check_codes,
    writable_region_of,
)
from beneficiaries.signals import reveal_burst
from beneficiaries.validators import parse_id_number, validate_phone
from core.codes import AssistanceStatus, Vulnerability
from core.models import Region
from core.validators import visible_text_error


# --- persons ---------------------------------------------------------------------
@dataclass(frozen=True)
class CheckedIdentity:
    id_number: str
    index: str
    birth_date: date
    gender: str


def check_identity(
    id_number: str, *, gender: str | None = None, birth_date: date | None = None, field: str = "id_number"
) -> CheckedIdentity:
    """Validate an ID number and cross-check the gender and birth date given with it."""
    try:
        parsed = parse_id_number(id_number)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None
    errors: dict[str, str] = {}
    if gender and gender != parsed.gender:
        errors["gender"] = _("The ID number says this person is %(gender)s.") % {
            "gender": _("male") if parsed.gender == "male" else _("female")
        }
    if birth_date and birth_date != parsed.birth_date:
        errors["birth_date"] = _("The ID number says this person was born on %(date)s.") % {
            "date": parsed.birth_date.isoformat()
        }
    if errors:
        raise ValidationError(errors)
    return CheckedIdentity(parsed.number, blind_index(parsed.number), parsed.birth_date, parsed.gender)


def duplicate_message(by: User, index: str) -> str | None:
    """Say where an existing record with this ID number is, if the user may see it."""
    return duplicate_messages(by, [index]).get(index)


def duplicate_messages(by: User, indexes: Sequence[str | None]) -> dict[str, str]:
    """:func:`duplicate_message` for many ID numbers at once (blind indexes → message), in a few
    queries per 2,000 numbers whatever their count: re-checking an imported file stays as fast as the first."""
    # (pk, name, region name, household number) by blind index. Only what the message shows, as
    # plain values: a Person loaded whole decrypts its ID number, phone, health and disability
    # details and its household's four incomes, and 10,000 of them made a re-check slower than the first.
    existing: dict[str, tuple[int, str, str, str]] = {}
    wanted = sorted({index for index in indexes if index})
    for start in range(0, len(wanted), 2000):
        found = (
            Person.objects.filter(id_number_index__in=wanted[start : start + 2000])
            .order_by("-pk")
            .values_list("id_number_index", "pk", "name", "region__name", "household__register_number")
        )
        for index, pk, name, region, household in found:
            if index:
                existing[index] = (pk, name, region, household)  # the oldest record last, so it wins, as .first() did
    pks = [pk for pk, _name, _region, _household in existing.values()]
    visible: set[int] = set()
    for start in range(0, len(pks), 2000):
        visible.update(persons_visible_to(by).filter(pk__in=pks[start : start + 2000]).values_list("pk", flat=True))
    messages: dict[str, str] = {}
    for index, (pk, name, region, household) in existing.items():
        if pk in visible:
            messages[index] = _(
                "This ID number is already registered: %(name)s, %(region)s, household %(household)s. Open that record instead of registering the person again."
            ) % {"name": name, "region": region, "household": household}
        else:
            # Neutral: not where, not whose (issue 14, finding 13); the caseworker may ask for the record.
            messages[index] = _(
                "A record with this ID number already exists and cannot be registered again. If the person now lives here, request a record transfer (Referrals › Request a record transfer): the office that holds it is asked to move it."
            )
    return messages


def _with_minor(vulnerabilities: list[str], born: date) -> list[str]:
    today = timezone.localdate()
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if age < 18 and Vulnerability.MINOR not in vulnerabilities:
        return [*vulnerabilities, Vulnerability.MINOR]
    return vulnerabilities


def person_create(
    *,
    by: User,
    household: Household,
    relation: str,
    name: str,
    id_number: str,
    phone: str = "",
    region: Region | str | None = None,
    address: str = "",
    gender: str | None = None,
    birth_date: date | None = None,
    assistance_statuses: Iterable[str] = (),
    vulnerabilities: Iterable[str] = (),
    disability_grade: int | None = None,
    disability_details: str = "",
    health: str = "",
    request: HttpRequest | None = None,
) -> Person:
    errors: dict[str, Any] = {}
    if not name.strip():
        errors["name"] = _("Enter the person's name as on the ID card.")
    elif (invisible := visible_text_error(name)) is not None:
        errors["name"] = invisible
    if relation not in Relation.values:
        errors["relation"] = _("Choose the relation to the head of household.")
    try:
        identity = check_identity(id_number, gender=gender, birth_date=birth_date)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        identity = None
    try:
        phone = validate_phone(phone)
    except ValidationError as exc:
        errors["phone"] = exc.messages
    if errors:
        raise ValidationError(errors)
    assert identity is not None  # noqa: S101 - errors above would have raised
    statuses = check_codes("assistance_statuses", assistance_statuses, AssistanceStatus.values)
    vulns = _with_minor(check_codes("vulnerabilities", vulnerabilities, Vulnerability.values), identity.birth_date)
    if disability_grade is not None and Vulnerability.DISABLED not in vulns:
        raise ValidationError({"disability_grade": _("A disability grade needs the vulnerability “disabled”.")})
    person_region = writable_region_of(by, region or household.region)
    duplicate = duplicate_message(by, identity.index)
    if duplicate:
        raise ValidationError({"id_number": duplicate})
    if relation == Relation.HEAD and household.members.filter(relation=Relation.HEAD).exists():
        raise ValidationError({"relation": _("This household already has a head.")})
    try:
        with transaction.atomic():
            person = Person.objects.create(
                household=household,
                relation=relation,
                name=name.strip(),
                id_number=identity.id_number,
                id_number_index=identity.index,
                id_number_masked=mask_id_number(identity.id_number),
                gender=identity.gender,
                birth_date=identity.birth_date,
                phone=phone,
                phone_masked=mask_phone(phone),
                region=person_region,
                address=address.strip() or household.address,
                assistance_statuses=statuses,
                vulnerabilities=vulns,
                disability_grade=disability_grade,
                disability_details=disability_details.strip(),
                health=health.strip(),
                vulnerabilities_changed_at=timezone.now() if vulns else None,
                created_by=by,
            )
            audit_record(
                actor=by,
                action=AuditAction.CREATE,
                target=person,
                changes={
                    "fields": ["name", "id_number", "phone", "region", "household"],
                    "id_number": person.id_number_masked,
                },
                request=request,
            )
    except IntegrityError:
        # Two registrations of the same ID number raced; the other one won.
        raise ValidationError(
            {"id_number": duplicate_message(by, identity.index) or _("Already registered.")}
        ) from None
    return person


PERSON_EDITABLE = {
    "name",
    "relation",
    "phone",
    "region",
    "address",
    "assistance_statuses",
    "vulnerabilities",
    "disability_grade",
    "disability_details",
    "health",
}


def person_update(*, by: User, person: Person, request: HttpRequest | None = None, **changes: Any) -> Person:
    unknown = set(changes) - PERSON_EDITABLE
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in unknown})
    with transaction.atomic():
        person = Person.objects.select_for_update(no_key=True).get(pk=person.pk)
        changed: list[str] = []
        for name, value in changes.items():
            if name == "phone":
                try:
                    value = validate_phone(value or "")
                except ValidationError as exc:
                    raise ValidationError({"phone": exc.messages}) from None
                person.phone_masked = mask_phone(value)
            elif name == "region":
                value = writable_region_of(by, value)
            elif name == "assistance_statuses":
                value = check_codes(name, value, AssistanceStatus.values)
            elif name == "vulnerabilities":
                value = _with_minor(check_codes(name, value, Vulnerability.values), person.birth_date)
                if set(value) - set(person.vulnerabilities):
                    person.vulnerabilities_changed_at = timezone.now()
            elif name == "name" and not str(value).strip():
                raise ValidationError({"name": _("Enter the person's name as on the ID card.")})
            elif name == "name" and (invisible := visible_text_error(str(value))) is not None:
                raise ValidationError({"name": invisible})
            elif name == "relation" and value not in Relation.values:
                raise ValidationError({"relation": _("Choose the relation to the head of household.")})
            elif (
                name == "relation"
                and value == Relation.HEAD
                and person.household.members.filter(relation=Relation.HEAD).exclude(pk=person.pk).exists()
            ):
                raise ValidationError({"relation": _("This household already has a head.")})
            if getattr(person, name) != value:
                setattr(person, name, value)
                changed.append(name)
        if person.disability_grade is not None and Vulnerability.DISABLED not in person.vulnerabilities:
            raise ValidationError({"disability_grade": _("A disability grade needs the vulnerability “disabled”.")})
        person.save()
        audit_record(actor=by, action=AuditAction.CHANGE, target=person, changes={"fields": changed}, request=request)
    return person


def person_reveal(*, by: User, person: Person, field: str, reason: str, request: HttpRequest | None = None) -> str:
    """The full value of one sensitive field, for a role that may see it, with the reason logged.
    Checks role and jurisdiction itself: a second caller (an export, a job) cannot skip them."""
    if not can_reveal(by):
        raise PermissionDenied(_("Your role may not see full ID numbers, phones or health details."))
    if not persons_visible_to(by).filter(pk=person.pk).exists():
        raise PermissionDenied(_("This person is not in your jurisdiction."))
    if field not in REVEALABLE_FIELDS:
        raise ValidationError({"field": _("Choose one of: %(fields)s.") % {"fields": ", ".join(REVEALABLE_FIELDS)}})
    reason = reveal_reason_check(reason)
    done_before = reveal_rate_check(by)
    if field == "income":
        household = person.household
        value = _(
            "income %(income)s yuan, essential expenses %(expenses)s yuan, medical expenses %(medical)s yuan per year"
        ) % {
            "income": household.annual_income or "—",
            "expenses": household.annual_essential_expenses or "—",
            "medical": household.annual_medical_expenses or "—",
        }
    else:
        value = getattr(person, field)
    audit_record(
        actor=by,
        action=AuditAction.REVEAL,
        target=person,
        changes={"field": field},
        reason=reason,
        request=request,
    )
    if done_before + 1 == settings.REVEAL_ALERT_PER_HOUR:
        reveal_burst.send(sender=Person, by=by, person=person, count=done_before + 1)
    return value
