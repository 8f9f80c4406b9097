"""Writes to the register. Each is one transaction and one audit entry.

Input errors raise ``ValidationError`` keyed by field (the API answers 400, pages
show them by the field); a wrong state raises ``RegisterError`` (409).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.models import AuditAction
from audit.services import audit_record
from beneficiaries.crypto import blind_index, mask_id_number, mask_phone
from beneficiaries.models import (
    GUARDIAN_CONSENT_UNDER_AGE,
    OPEN_NEED_STATUSES,
    REVEALABLE_FIELDS,
    AssistanceRecord,
    Consent,
    ConsentField,
    ConsentMethod,
    ConsentPurpose,
    ConsentStatus,
    Household,
    Need,
    NeedSource,
    NeedStatus,
    Person,
    Programme,
    RecipientScope,
    Relation,
    Urgency,
    WarningRule,
    WarningRuleKind,
)
from beneficiaries.selectors import persons_visible_to, writable_regions
from beneficiaries.validators import parse_id_number, validate_phone
from core.codes import AssistanceStatus, NeedCategory, Vulnerability
from core.errors import ReferralHubError
from core.models import Organization, Region
from supervision.services import conflict_check

EVIDENCE_TYPES = {"application/pdf", "image/jpeg", "image/png"}
EVIDENCE_EXTENSIONS = (".pdf", ".jpg", ".jpeg", ".png")
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024


class RegisterError(ReferralHubError):
    code = "register_conflict"


def _check_codes(field: str, values: Iterable[str], allowed: Iterable[str]) -> list[str]:
    allowed = set(allowed)
    values = list(dict.fromkeys(values))
    unknown = [value for value in values if value not in allowed]
    if unknown:
        raise ValidationError({field: _("Unknown code: %(codes)s.") % {"codes": ", ".join(unknown)}})
    return values


def _writable_region(user: User, region: Region | str, field: str = "region") -> Region:
    code = region.code if isinstance(region, Region) else str(region).strip().ljust(12, "0")
    found = Region.objects.filter(code=code).first()
    if found is None:
        raise ValidationError({field: _("Unknown region code “%(code)s”.") % {"code": code}})
    if not writable_regions(user).filter(code=found.code).exists():
        raise ValidationError({field: _("%(region)s is outside your jurisdiction.") % {"region": found.name}})
    return found


def _money(field: str, value: Decimal | str | None) -> str:
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        raise ValidationError({field: _("Enter an amount in yuan, e.g. 1200 or 1200.50.")}) from None
    if amount < 0 or not amount.is_finite():
        raise ValidationError({field: _("The amount cannot be negative.")})
    return str(amount.quantize(Decimal("0.01")))


# --- households ------------------------------------------------------------------
def household_create(
    *,
    by: User,
    region: Region | str,
    address: str,
    register_number: str = "",
    annual_income: Decimal | str | None = None,
    annual_essential_expenses: Decimal | str | None = None,
    annual_medical_expenses: Decimal | str | None = None,
    request: HttpRequest | None = None,
) -> Household:
    region = _writable_region(by, region)
    if not address.strip():
        raise ValidationError({"address": _("Enter the household's address.")})
    number = register_number.strip() or f"H{region.code[:6]}{secrets.token_hex(5).upper()}"
    if Household.objects.filter(register_number=number).exists():
        raise ValidationError(
            {"register_number": _("Register number %(number)s is already used.") % {"number": number}}
        )
    with transaction.atomic():
        household = Household.objects.create(
            register_number=number,
            region=region,
            address=address.strip(),
            annual_income=_money("annual_income", annual_income),
            annual_essential_expenses=_money("annual_essential_expenses", annual_essential_expenses),
            annual_medical_expenses=_money("annual_medical_expenses", annual_medical_expenses),
        )
        audit_record(
            actor=by,
            action=AuditAction.CREATE,
            target=household,
            changes={"fields": ["register_number", "region", "address", "income"]},
            request=request,
        )
    return household


def household_update(
    *, by: User, household: Household, request: HttpRequest | None = None, **changes: Any
) -> Household:
    allowed = {"address", "region", "annual_income", "annual_essential_expenses", "annual_medical_expenses"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in unknown})
    with transaction.atomic():
        household = Household.objects.select_for_update().get(pk=household.pk)
        changed: list[str] = []
        if "region" in changes:
            household.region = _writable_region(by, changes["region"])
            changed.append("region")
        if "address" in changes:
            if not str(changes["address"]).strip():
                raise ValidationError({"address": _("Enter the household's address.")})
            household.address = str(changes["address"]).strip()
            changed.append("address")
        for name in ("annual_essential_expenses", "annual_medical_expenses"):
            if name in changes:
                setattr(household, name, _money(name, changes[name]))
                changed.append(name)
        if "annual_income" in changes:
            new_income = _money("annual_income", changes["annual_income"])
            if new_income != household.annual_income:
                # Kept for the income-loss warning rule.
                household.previous_annual_income = household.annual_income
                household.annual_income = new_income
                household.income_changed_at = timezone.now()
                changed.append("annual_income")
        household.save()
        audit_record(
            actor=by, action=AuditAction.CHANGE, target=household, changes={"fields": changed}, request=request
        )
    return household


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
    existing = Person.objects.select_related("region", "household").filter(id_number_index=index).first()
    if existing is None:
        return None
    if persons_visible_to(by).filter(pk=existing.pk).exists():
        return _(
            "This ID number is already registered: %(name)s, %(region)s, household %(household)s. Open that record instead of registering the person again."
        ) % {"name": existing.name, "region": existing.region.name, "household": existing.household.register_number}
    return _(
        "This ID number is already registered outside your jurisdiction. Ask the county civil affairs bureau to move the record if the person now lives here."
    )


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
    statuses = _check_codes("assistance_statuses", assistance_statuses, AssistanceStatus.values)
    vulns = _with_minor(_check_codes("vulnerabilities", vulnerabilities, Vulnerability.values), identity.birth_date)
    if disability_grade is not None and Vulnerability.DISABLED not in vulns:
        raise ValidationError({"disability_grade": _("A disability grade needs the vulnerability “disabled”.")})
    person_region = _writable_region(by, region or household.region)
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
        person = Person.objects.select_for_update().get(pk=person.pk)
        changed: list[str] = []
        for name, value in changes.items():
            if name == "phone":
                try:
                    value = validate_phone(value or "")
                except ValidationError as exc:
                    raise ValidationError({"phone": exc.messages}) from None
                person.phone_masked = mask_phone(value)
            elif name == "region":
                value = _writable_region(by, value)
            elif name == "assistance_statuses":
                value = _check_codes(name, value, AssistanceStatus.values)
            elif name == "vulnerabilities":
                value = _with_minor(_check_codes(name, value, Vulnerability.values), person.birth_date)
                if set(value) - set(person.vulnerabilities):
                    person.vulnerabilities_changed_at = timezone.now()
            elif name == "name" and not str(value).strip():
                raise ValidationError({"name": _("Enter the person's name as on the ID card.")})
            elif name == "relation" and value not in Relation.values:
                raise ValidationError({"relation": _("Choose the relation to the head of household.")})
            if getattr(person, name) != value:
                setattr(person, name, value)
                changed.append(name)
        if person.disability_grade is not None and Vulnerability.DISABLED not in person.vulnerabilities:
            raise ValidationError({"disability_grade": _("A disability grade needs the vulnerability “disabled”.")})
        person.save()
        audit_record(actor=by, action=AuditAction.CHANGE, target=person, changes={"fields": changed}, request=request)
    return person


def person_reveal(*, by: User, person: Person, field: str, reason: str, request: HttpRequest | None = None) -> str:
    """The full value of one sensitive field, for a role that may see it, with the reason logged."""
    if field not in REVEALABLE_FIELDS:
        raise ValidationError({"field": _("Choose one of: %(fields)s.") % {"fields": ", ".join(REVEALABLE_FIELDS)}})
    if len(reason.strip()) < 4:
        raise ValidationError({"reason": _("Say why you need the full value (at least 4 characters); it is logged.")})
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
        reason=reason.strip(),
        request=request,
    )
    return value


# --- government assistance -------------------------------------------------------------
def assistance_record_create(
    *,
    by: User | None,
    person: Person,
    programme: str,
    amount: Decimal | str,
    period_start: date,
    period_end: date,
    granting_organization: Organization,
    note: str = "",
    source: str = "entered",
    request: HttpRequest | None = None,
) -> AssistanceRecord:
    errors: dict[str, str] = {}
    if programme not in Programme.values:
        errors["programme"] = _("Unknown programme.")
    if period_end < period_start:
        errors["period_end"] = _("The period cannot end before it starts.")
    if not granting_organization.is_government:
        errors["granting_organization"] = _("Government assistance is granted by a civil affairs office.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        record = AssistanceRecord.objects.create(
            person=person,
            programme=programme,
            amount=Decimal(_money("amount", amount) or "0"),
            period_start=period_start,
            period_end=period_end,
            granting_organization=granting_organization,
            note=note.strip(),
            source=source,
            created_by=by,
        )
        audit_record(
            actor=by, action=AuditAction.CREATE, target=record, changes={"programme": programme}, request=request
        )
        conflict_check(kind="assistance", object_id=record.pk, person=person, by=by)  # 严防优亲厚友 (issue #7)
    return record


# --- consent -------------------------------------------------------------------------
def _check_evidence(evidence: UploadedFile | None) -> None:
    if evidence is None:
        return
    name = (evidence.name or "").lower()
    if not name.endswith(EVIDENCE_EXTENSIONS) or (
        evidence.content_type and evidence.content_type not in EVIDENCE_TYPES
    ):
        raise ValidationError({"evidence": _("Upload the signed form as a PDF, JPG or PNG file.")})
    if evidence.size and evidence.size > EVIDENCE_MAX_BYTES:
        raise ValidationError({"evidence": _("The file is larger than 10 MB; scan it at a lower resolution.")})
    head = evidence.read(8)
    evidence.seek(0)
    if not (head.startswith(b"%PDF") or head.startswith(b"\xff\xd8\xff") or head.startswith(b"\x89PNG")):
        raise ValidationError({"evidence": _("This file is not really a PDF, JPG or PNG; scan the form again.")})


def consent_grant(
    *,
    by: User,
    person: Person,
    purposes: Iterable[str],
    recipient_scope: str,
    fields: Iterable[str],
    method: str,
    granted_at: datetime,
    expires_at: datetime,
    recipient_organization: Organization | None = None,
    evidence: UploadedFile | None = None,
    witness_name: str = "",
    guardian_name: str = "",
    guardian_relation: str = "",
    request: HttpRequest | None = None,
) -> Consent:
    purposes = _check_codes("purposes", purposes, ConsentPurpose.values)
    fields = _check_codes("fields", fields, ConsentField.values)
    errors: dict[str, str] = {}
    if not purposes:
        errors["purposes"] = _("Choose at least one purpose.")
    if not fields:
        errors["fields"] = _("Choose at least one field the recipients may see.")
    if recipient_scope not in RecipientScope.values:
        errors["recipient_scope"] = _("Choose one organization or the whole network.")
    elif recipient_scope == RecipientScope.ORGANIZATION and recipient_organization is None:
        errors["recipient_organization"] = _("Name the organization that may receive the data.")
    if method not in ConsentMethod.values:
        errors["method"] = _("Choose how the consent was given.")
    elif method == ConsentMethod.VERBAL_WITNESSED and not witness_name.strip():
        errors["witness_name"] = _("A verbal consent needs the name of the witness.")
    elif method == ConsentMethod.SIGNED_FORM and evidence is None:
        errors["evidence"] = _("Attach the scanned signed form.")
    if expires_at <= granted_at:
        errors["expires_at"] = _("A consent must expire after it was granted.")
    if granted_at > timezone.now() + timedelta(minutes=5):
        errors["granted_at"] = _("A consent cannot be granted in the future.")
    if person.age_on(timezone.localdate(granted_at)) < GUARDIAN_CONSENT_UNDER_AGE and not guardian_name.strip():
        errors["guardian_name"] = _("This person is under 14: the guardian gives consent. Enter the guardian's name.")
    if errors:
        raise ValidationError(errors)
    _check_evidence(evidence)
    with transaction.atomic():
        consent = Consent(
            person=person,
            purposes=purposes,
            recipient_scope=recipient_scope,
            recipient_organization=recipient_organization if recipient_scope == RecipientScope.ORGANIZATION else None,
            fields=fields,
            method=method,
            witness_name=witness_name.strip(),
            granted_at=granted_at,
            expires_at=expires_at,
            guardian_name=guardian_name.strip(),
            guardian_relation=guardian_relation.strip(),
            recorded_by=by,
        )
        if evidence is not None:
            consent.evidence.save(evidence.name or "evidence", evidence, save=False)
        consent.save()
        audit_record(
            actor=by,
            action=AuditAction.CONSENT_GRANT,
            target=consent,
            changes={"purposes": purposes, "fields": fields, "scope": recipient_scope},
            request=request,
        )
    return consent


def consent_revoke(*, by: User, consent: Consent, reason: str, request: HttpRequest | None = None) -> Consent:
    """Revocation takes effect at once (SPEC rule 2): every open referral under it is withdrawn
    in the same transaction and the receiving organizations lose sight of the person."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the consent is revoked.")})
    with transaction.atomic():
        now = timezone.now()
        updated = Consent.objects.filter(pk=consent.pk, status=ConsentStatus.ACTIVE).update(
            status=ConsentStatus.REVOKED, revoked_at=now, revoked_by=by, revoke_reason=reason.strip()
        )
        if updated != 1:
            raise RegisterError(
                _("This consent is no longer in force; it cannot be revoked."), code="consent_not_active"
            )
        consent.refresh_from_db()
        audit_record(
            actor=by, action=AuditAction.CONSENT_REVOKE, target=consent, reason=reason.strip(), request=request
        )
        # Imported here: cases builds on the register, not the other way round.
        from cases.services import referrals_withdraw_for_consent

        referrals_withdraw_for_consent(consent=consent, by=by, reason=reason.strip())
    return consent


def consents_expire(*, now: datetime | None = None) -> int:
    """Mark consents past their expiry as expired (the consent question already says no)."""
    now = now or timezone.now()
    expired = 0
    for consent_id in Consent.objects.filter(status=ConsentStatus.ACTIVE, expires_at__lte=now).values_list(
        "id", flat=True
    ):
        with transaction.atomic():
            if Consent.objects.filter(pk=consent_id, status=ConsentStatus.ACTIVE).update(status=ConsentStatus.EXPIRED):
                audit_record(actor=None, action=AuditAction.CONSENT_EXPIRE, target=Consent.objects.get(pk=consent_id))
                expired += 1
    return expired


# --- needs -----------------------------------------------------------------------------
def need_log(
    *,
    by: User | None,
    person: Person,
    category: str,
    description: str,
    urgency: str = Urgency.ROUTINE,
    amount_requested: Decimal | str | None = None,
    source: str = NeedSource.VISIT,
    warning_rule: WarningRule | None = None,
    request: HttpRequest | None = None,
) -> Need:
    errors: dict[str, str] = {}
    if category not in NeedCategory.values:
        errors["category"] = _("Choose a category.")
    if urgency not in Urgency.values:
        errors["urgency"] = _("Choose routine, urgent or emergency.")
    if source not in NeedSource.values:
        errors["source"] = _("Unknown source.")
    if not description.strip():
        errors["description"] = _("Describe the need in a sentence or two.")
    if errors:
        raise ValidationError(errors)
    amount = _money("amount_requested", amount_requested)
    with transaction.atomic():
        need = Need.objects.create(
            person=person,
            region_id=person.region_id,
            category=category,
            urgency=urgency,
            description=description.strip(),
            amount_requested=Decimal(amount) if amount else None,
            source=source,
            warning_rule=warning_rule,
            logged_by=by,
            logged_by_organization=by.organization if by is not None else None,
        )
        audit_record(actor=by, action=AuditAction.CREATE, target=need, changes={"category": category}, request=request)
        conflict_check(kind="need", object_id=need.pk, person=person, by=by)  # 严防优亲厚友 (issue #7)
        # An emergency need or an early-warning alert tells the caseworkers at once (SPEC rules 9, 13).
        # Imported here: cases builds on the register, not the other way round.
        from cases.alerts import needs_logged

        needs_logged(need_ids=[need.pk], by=by)
    return need


NEED_TRANSITIONS: dict[str, set[str]] = {
    NeedStatus.OPEN: {NeedStatus.MATCHED, NeedStatus.REFERRED, NeedStatus.FULFILLED, NeedStatus.CLOSED},
    NeedStatus.MATCHED: {NeedStatus.OPEN, NeedStatus.REFERRED, NeedStatus.FULFILLED, NeedStatus.CLOSED},
    NeedStatus.REFERRED: {NeedStatus.OPEN, NeedStatus.FULFILLED, NeedStatus.CLOSED},
    NeedStatus.FULFILLED: {NeedStatus.CLOSED},
    NeedStatus.CLOSED: set(),
}


def need_set_status(
    *, by: User | None, need: Need, status: str, note: str = "", request: HttpRequest | None = None
) -> Need:
    if status not in NeedStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    with transaction.atomic():
        current = Need.objects.select_for_update().get(pk=need.pk)
        if status not in NEED_TRANSITIONS[current.status]:
            raise RegisterError(
                _("A need that is “%(current)s” cannot become “%(new)s”.")
                % {"current": current.get_status_display(), "new": NeedStatus(status).label},
                code="need_wrong_status",
            )
        previous = current.status
        current.status = status
        current.status_note = note.strip()[:300]
        current.save(update_fields=["status", "status_note", "updated_at"])
        audit_record(
            actor=by,
            action=AuditAction.STATUS,
            target=current,
            changes={"from": previous, "to": status},
            request=request,
        )
    return current


def need_update(*, by: User, need: Need, request: HttpRequest | None = None, **changes: Any) -> Need:
    allowed = {"category", "urgency", "description", "amount_requested"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in unknown})
    if "category" in changes and changes["category"] not in NeedCategory.values:
        raise ValidationError({"category": _("Choose a category.")})
    if "urgency" in changes and changes["urgency"] not in Urgency.values:
        raise ValidationError({"urgency": _("Choose routine, urgent or emergency.")})
    if "description" in changes and not str(changes["description"]).strip():
        raise ValidationError({"description": _("Describe the need in a sentence or two.")})
    with transaction.atomic():
        need = Need.objects.select_for_update().get(pk=need.pk)
        if need.status not in OPEN_NEED_STATUSES:
            raise RegisterError(_("A fulfilled or closed need cannot be edited."), code="need_not_open")
        for name, value in changes.items():
            if name == "amount_requested":
                amount = _money(name, value)
                value = Decimal(amount) if amount else None
            setattr(need, name, value)
        need.save()
        audit_record(
            actor=by, action=AuditAction.CHANGE, target=need, changes={"fields": sorted(changes)}, request=request
        )
    return need


# --- early warning -------------------------------------------------------------------
def _rule_matches(rule: WarningRule, person: Person, now: datetime) -> bool:
    household = person.household
    if rule.kind == WarningRuleKind.MEDICAL_SHARE:
        income, medical = household.income, household.medical_expenses
        if medical is None or medical <= 0:
            return False
        return income is None or income <= 0 or medical > income * rule.threshold
    if rule.kind == WarningRuleKind.INCOME_LOSS:
        income, previous = household.income, household.previous_income
        if income is None or previous is None or previous <= 0 or household.income_changed_at is None:
            return False
        recent = household.income_changed_at >= now - timedelta(days=90)
        return recent and (previous - income) / previous >= rule.threshold
    if rule.kind == WarningRuleKind.NEW_ILLNESS_OR_DISABILITY:
        since = now - timedelta(days=int(rule.threshold))
        return bool(
            person.vulnerabilities_changed_at
            and person.vulnerabilities_changed_at >= since
            and ({Vulnerability.SERIOUS_ILLNESS, Vulnerability.DISABLED} & set(person.vulnerabilities))
        )
    return False


def _rule_candidates(rule: WarningRule, now: datetime) -> Iterable[Person]:
    persons = Person.objects.select_related("household")
    if rule.kind == WarningRuleKind.NEW_ILLNESS_OR_DISABILITY:
        since = now - timedelta(days=int(rule.threshold))
        return persons.filter(vulnerabilities_changed_at__gte=since).iterator(chunk_size=2000)
    if rule.kind == WarningRuleKind.INCOME_LOSS:
        return persons.filter(
            relation=Relation.HEAD, household__income_changed_at__gte=now - timedelta(days=90)
        ).iterator(chunk_size=2000)
    # Money is encrypted, so the medical-share test runs in Python over household heads.
    return (
        persons.filter(relation=Relation.HEAD).exclude(household__annual_medical_expenses="").iterator(chunk_size=2000)
    )


def warning_rule_evaluate(*, rule: WarningRule, now: datetime | None = None) -> int:
    """Raise a monitoring-alert need for every match that has no open alert of this rule yet."""
    now = now or timezone.now()
    created = 0
    for person in _rule_candidates(rule, now):
        if not _rule_matches(rule, person, now):
            continue
        if Need.objects.filter(person=person, warning_rule=rule, status__in=OPEN_NEED_STATUSES).exists():
            continue
        try:
            with transaction.atomic():
                need_log(
                    by=None,
                    person=person,
                    category=rule.category,
                    urgency=rule.urgency,
                    description=_("Early warning “%(rule)s”: please visit and check the household's situation.")
                    % {"rule": rule.name},
                    source=NeedSource.MONITORING_ALERT,
                    warning_rule=rule,
                )
        except IntegrityError:
            continue  # a concurrent run raised it first: the unique constraint keeps one
        created += 1
    return created
