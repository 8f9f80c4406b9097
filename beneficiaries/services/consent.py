"""Consent records (SPEC rule 2): grant, revoke, expire."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.models import AuditAction
from audit.services import audit_record
from beneficiaries.hooks import consent_ended
from beneficiaries.models import (
    GUARDIAN_CONSENT_UNDER_AGE,
    Consent,
    ConsentField,
    ConsentMethod,
    ConsentPurpose,
    ConsentStatus,
    Person,
    RecipientScope,
)
from beneficiaries.services.common import (
    EVIDENCE_EXTENSIONS,
    EVIDENCE_MAX_BYTES,
    EVIDENCE_TYPES,
    RegisterError,
    check_codes,
)
from core.models import Organization


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


def consent_proof_errors(
    *,
    person: Person,
    method: str,
    witness_name: str,
    evidence: UploadedFile | None,
    guardian_name: str,
    on: date,
    wording_version: str = "",
) -> dict[str, str]:
    """How a consent was given, and whether that is shown (SPEC rule 2): a verbal consent names its
    witness, a signed form or an online consent has its record attached, a child under 14 consents
    through a guardian. One rule for a consent record and for the consent kept on a record of
    direct help. Field name → message; empty when the proof is complete."""
    errors: dict[str, str] = {}
    if method not in ConsentMethod.values:
        errors["method"] = _("Choose how the consent was given.")
    elif method == ConsentMethod.VERBAL_WITNESSED and not witness_name.strip():
        errors["witness_name"] = _("A verbal consent needs the name of the witness.")
    elif method == ConsentMethod.SIGNED_FORM and evidence is None:
        errors["evidence"] = _("Attach the scanned signed form.")
    elif method == ConsentMethod.ONLINE and evidence is None and not wording_version:
        # An online consent is the text the person agreed to: its version, or the record attached.
        errors["evidence"] = _("An online consent needs its record attached (the confirmation page or receipt).")
    if person.age_on(on) < GUARDIAN_CONSENT_UNDER_AGE and not guardian_name.strip():
        errors["guardian_name"] = _("This person is under 14: the guardian gives consent. Enter the guardian's name.")
    if "evidence" not in errors:
        try:
            _check_evidence(evidence)
        except ValidationError as error:
            errors["evidence"] = error.message_dict["evidence"][0]
    return errors


def consent_grant(
    *,
    by: User | None,
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
    wording_version: str = "",
    request: HttpRequest | None = None,
) -> Consent:
    """Record a consent. ``by`` is None only for the public online application, where the person
    agrees to a versioned consent text (``wording_version``) instead of signing a form."""
    purposes = check_codes("purposes", purposes, ConsentPurpose.values)
    fields = check_codes("fields", fields, ConsentField.values)
    errors: dict[str, str] = {}
    if not purposes:
        errors["purposes"] = _("Choose at least one purpose.")
    if not fields:
        errors["fields"] = _("Choose at least one field the recipients may see.")
    if recipient_scope not in RecipientScope.values:
        errors["recipient_scope"] = _("Choose one organization or the whole network.")
    elif recipient_scope == RecipientScope.ORGANIZATION and recipient_organization is None:
        errors["recipient_organization"] = _("Name the organization that may receive the data.")
    errors.update(
        consent_proof_errors(
            person=person,
            method=method,
            witness_name=witness_name,
            evidence=evidence,
            guardian_name=guardian_name,
            on=timezone.localdate(granted_at),
            wording_version=wording_version,
        )
    )
    if recipient_organization is not None and recipient_organization.is_government:
        # Consent is for sharing with charities; offices see the register by their jurisdiction.
        errors["recipient_organization"] = _(
            "Consent is given to a charity or other helping organization, not a government office."
        )
    if expires_at <= granted_at:
        errors["expires_at"] = _("A consent must expire after it was granted.")
    if granted_at > timezone.now() + timedelta(minutes=5):
        errors["granted_at"] = _("A consent cannot be granted in the future.")
    if errors:
        raise ValidationError(errors)
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
            wording_version=wording_version[:32],
            recorded_by=by,
        )
        if evidence is not None:
            consent.evidence.save(evidence.name or "evidence", evidence, save=False)
        consent.save()
        audit_record(
            actor=by,
            action=AuditAction.CONSENT_GRANT,
            target=consent,
            changes={
                "purposes": purposes,
                "fields": fields,
                "scope": recipient_scope,
                **({"wording_version": wording_version} if wording_version else {}),
            },
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
        # The cases app withdraws the open referrals under it (a hook: cases builds on the register).
        consent_ended(consent=consent, by=by, reason=reason.strip())
    return consent


def consents_expire(*, now: datetime | None = None) -> int:
    """Mark consents past their expiry as expired (the consent question already says no) and, like
    a revocation, withdraw the open referrals under each (SPEC rule 2: nothing stays open on a
    consent no longer in force)."""
    now = now or timezone.now()
    expired = 0
    for consent_id in Consent.objects.filter(status=ConsentStatus.ACTIVE, expires_at__lte=now).values_list(
        "id", flat=True
    ):
        with transaction.atomic():
            if Consent.objects.filter(pk=consent_id, status=ConsentStatus.ACTIVE).update(status=ConsentStatus.EXPIRED):
                consent = Consent.objects.get(pk=consent_id)
                audit_record(actor=None, action=AuditAction.CONSENT_EXPIRE, target=consent)
                consent_ended(consent=consent, by=None, reason=_("The person's consent expired."))
                expired += 1
    return expired
