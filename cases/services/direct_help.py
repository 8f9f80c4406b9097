"""Help given outside a referral (SPEC rule 16): a charity, a department or a pairing cadre
(结对帮扶 1+1, 1+N) records help it gave a person directly. The person is found by exact ID number
through the blind index (nobody browses the register for it), the person's consent to the record
is kept with it, and the record joins the ledger (``cases.ledger.ledger_for``), where help of
the same kind from two sources in the same month is flagged as a possible duplicate.

Who records: charity staff for their own organization (any person on the register, found by
exact ID number only); caseworkers and station workers for their office or for a pairing cadre
they name (people of their jurisdiction). Supervisors read; nobody else records.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import JURISDICTION_ROLES, Role, User
from accounts.permissions import effective_role
from audit.models import AuditAction
from audit.services import audit_record
from beneficiaries.crypto import blind_index, mask_id_number
from beneficiaries.hooks import recorder_conflicts
from beneficiaries.models import Person
from beneficiaries.reveal_policy import reveal_rate_check
from beneficiaries.selectors import persons_visible_to, register_scope
from beneficiaries.services import check_codes, consent_proof_errors, money
from beneficiaries.validators import parse_id_number
from cases.models import DirectHelp, HelpGiver, HelpKind
from charities.models import DeliveredService
from core.codes import NeedCategory
from core.dates import validate_day

RECORDER_ROLES = frozenset({Role.CHARITY_STAFF, Role.CASEWORKER, Role.STATION_WORKER})
# A single record of direct help above this is a typing slip (an extra zero), not help.
AMOUNT_MAX = Decimal("1000000")
# What each kind of help meets, when the recorder does not say (the ledger compares categories).
SERVICE_CATEGORY: dict[str, str] = {
    DeliveredService.CARE_VISIT: NeedCategory.CARE,
    DeliveredService.PSYCHOLOGICAL_SUPPORT: NeedCategory.PSYCHOLOGICAL,
    DeliveredService.REHABILITATION: NeedCategory.REHABILITATION,
    DeliveredService.SKILLS_TRAINING: NeedCategory.EMPLOYMENT,
    DeliveredService.LEGAL_AID: NeedCategory.LEGAL,
}


def mask_name(name: str) -> str:
    """王建国 → 王**: how a record of direct help names its person in lists."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def can_record_direct_help(user: User) -> bool:
    role = effective_role(user)
    if role == Role.CHARITY_STAFF:
        return user.organization is not None and not user.organization.is_government
    return role in (Role.CASEWORKER, Role.STATION_WORKER) and user.jurisdiction is not None


def givers_for(user: User) -> list[str]:
    """Who the user may record help for: their charity, or their office and the pairing cadres."""
    if effective_role(user) == Role.CHARITY_STAFF:
        return [HelpGiver.CHARITY]
    return [HelpGiver.DEPARTMENT, HelpGiver.PAIRING]


def _require_recorder(user: User) -> None:
    if not can_record_direct_help(user):
        raise PermissionDenied(_("Only charity staff, caseworkers and station workers record help given directly."))


@dataclass(frozen=True)
class FoundPerson:
    person: Person
    masked_id: str


def direct_help_find(*, by: User, id_number: str) -> FoundPerson:
    """The person with exactly this ID number whom ``by`` may record help for; the same Chinese
    answer whether nobody has the number or someone outside the user's reach has it."""
    _require_recorder(by)
    try:
        number = parse_id_number(id_number).number
    except ValidationError as error:
        raise ValidationError({"id_number": error.messages}) from None
    # Each lookup says whether someone is on the register: it counts against the hourly cap of
    # revealed values and is audited, found or not (no browsing the register one number at a time).
    reveal_rate_check(by)
    if effective_role(by) == Role.CHARITY_STAFF:
        candidates = Person.objects.select_related("region")
    else:
        candidates = persons_visible_to(by)
    person = candidates.filter(id_number_index=blind_index(number)).first()
    audit_record(
        actor=by,
        action=AuditAction.REVEAL,
        target=person or by,
        changes={"lookup": "direct_help_id_number", "found": person is not None},
        reason=str(_("Help given directly: finding the person by ID number")),
    )
    if person is None:
        raise ValidationError(
            {
                "id_number": _(
                    "Nobody with this ID number is on the register you may record help for. If the person "
                    "may qualify for government assistance, refer them to the civil affairs office."
                )
            }
        )
    return FoundPerson(person=person, masked_id=mask_id_number(number))


def _category(kind: str, category: str, services: list[str]) -> str:
    if category:
        return category
    if kind == HelpKind.MONEY:
        return NeedCategory.LIVING
    if kind == HelpKind.GOODS:
        return NeedCategory.GOODS
    mapped = {SERVICE_CATEGORY[s] for s in services if s in SERVICE_CATEGORY}
    return mapped.pop() if len(mapped) == 1 else NeedCategory.OTHER


def direct_help_record(
    *,
    by: User,
    person: Person,
    kind: str,
    given_on: date | None,
    consent_method: str,
    giver: str = "",
    helper_name: str = "",
    category: str = "",
    amount: Decimal | str | None = None,
    items: str = "",
    services: Iterable[str] = (),
    note: str = "",
    consent_witness: str = "",
    consent_guardian: str = "",
    consent_evidence: UploadedFile | None = None,
    request: HttpRequest | None = None,
) -> DirectHelp:
    _require_recorder(by)
    if effective_role(by) != Role.CHARITY_STAFF and not persons_visible_to(by).filter(pk=person.pk).exists():
        raise PermissionDenied(_("This person lives outside your jurisdiction."))
    giver = giver or givers_for(by)[0]
    services = check_codes("services", services, DeliveredService.values)
    errors: dict[str, str] = {}
    if giver not in givers_for(by):
        errors["giver"] = _("Charity staff record their own organization's help; offices record theirs or a cadre's.")
    elif giver == HelpGiver.PAIRING and not helper_name.strip():
        errors["helper_name"] = _("Name the pairing cadre who gave the help.")
    if kind not in HelpKind.values:
        errors["kind"] = _("Choose money, goods or services.")
    if category and category not in NeedCategory.values:
        errors["category"] = _("Unknown need category.")
    value = money("amount", amount)
    if kind == HelpKind.MONEY and not value:
        errors["amount"] = _("Enter the amount of money given, in yuan.")
    elif value and Decimal(value) > AMOUNT_MAX:
        errors["amount"] = _("More than 1,000,000 yuan in one record: check the amount (an extra zero?).")
    elif value and Decimal(value) == 0:
        errors["amount"] = _("Enter the amount given; leave it empty if no money was given.")
    if kind == HelpKind.GOODS and not items.strip():
        errors["items"] = _("Say which goods were given.")
    if kind == HelpKind.SERVICE and not services:
        errors["services"] = _("Choose the services given.")
    if given_on is None:
        errors["given_on"] = _("Enter the day the help was given.")
    else:
        try:
            validate_day(given_on)
        except ValidationError as error:
            errors["given_on"] = error.messages[0]
        else:
            if given_on > timezone.localdate():
                errors["given_on"] = _("Help cannot be recorded before it is given: the day is in the future.")
    proof = consent_proof_errors(
        person=person,
        method=consent_method,
        witness_name=consent_witness,
        evidence=consent_evidence,
        guardian_name=consent_guardian,
        on=given_on or timezone.localdate(),
    )
    errors.update({_PROOF_FIELD.get(field, field): message for field, message in proof.items()})
    if errors or given_on is None:
        raise ValidationError(errors)
    organization = by.organization
    if organization is None:
        raise ValidationError({"giver": _("Your account belongs to no organization; ask the administrator.")})
    with transaction.atomic():
        # 严防优亲厚友: nobody records help for a relative they declared (SPEC rule 11).
        for refused in recorder_conflicts(kind="assistance", persons=[person], by=by):
            if person.pk in refused:
                raise PermissionDenied(
                    _(
                        "You declared this person as your relative or close associate: you cannot "
                        "record help for them. Ask a colleague to record it."
                    )
                )
        record = DirectHelp(
            person=person,
            giver=giver,
            organization=organization,
            helper_name=helper_name.strip() if giver == HelpGiver.PAIRING else "",
            kind=kind,
            category=_category(kind, category, services),
            amount=Decimal(value) if value else None,
            items=items.strip(),
            services=services,
            given_on=given_on,
            note=note.strip(),
            consent_method=consent_method,
            consent_witness=consent_witness.strip(),
            consent_guardian=consent_guardian.strip(),
            created_by=by,
        )
        if consent_evidence is not None:
            record.consent_evidence.save(consent_evidence.name or "evidence", consent_evidence, save=False)
        record.save()
        audit_record(
            actor=by,
            action=AuditAction.CREATE,
            target=record,
            changes={"kind": kind, "giver": giver, "amount": value, "consent_method": consent_method},
            request=request,
        )
    return record


_PROOF_FIELD = {
    "method": "consent_method",
    "witness_name": "consent_witness",
    "guardian_name": "consent_guardian",
    "evidence": "consent_evidence",
}


def direct_help_visible_to(user: User) -> QuerySet[DirectHelp]:
    """Charity staff: their organization's records; offices and supervisors: records of people in
    their jurisdiction; administrators: all."""
    records = DirectHelp.objects.select_related("person", "person__region", "organization", "created_by")
    role = effective_role(user)
    if role == Role.ADMIN:
        return records
    if role == Role.CHARITY_STAFF:
        return records.filter(organization_id=user.organization_id) if user.organization_id else records.none()
    if role in JURISDICTION_ROLES:
        scope = register_scope(user, "person__region__code")
        return records.none() if scope is None else records.filter(scope)
    return records.none()
