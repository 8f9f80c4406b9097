"""Inter-county record transfer requests (issue 14, finding 13).

A caseworker who types an ID number another county holds learns only that a record exists. The
request goes to the caseworkers of the county that holds it; the requester is never told which
county that is, nor whether the number was found (the same answer either way).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from accounts.models import Role, User
from audit.models import AuditAction
from audit.services import audit_record
from beneficiaries.crypto import blind_index
from beneficiaries.models import Person, TransferRequest
from beneficiaries.permissions import can_write_register
from beneficiaries.selectors import persons_visible_to
from beneficiaries.validators import normalize_id_number, parse_id_number
from cases.notifications import notify
from core.texts import text
from core.validators import ancestor_region_codes


def transfer_request_create(*, by: User, id_number: str, reason: str) -> TransferRequest | None:
    """Ask for the record with this ID number; None when there is nothing to ask for."""
    if not can_write_register(by) or by.jurisdiction is None or by.is_admin_role:
        raise PermissionDenied(_("Only civil affairs staff with a jurisdiction request record transfers."))
    errors: dict[str, list[str]] = {}
    try:
        number = parse_id_number(normalize_id_number(id_number)).number
    except ValidationError as error:
        errors["id_number"] = error.messages
    if len(reason.strip()) < 4:
        errors["reason"] = [_("Say why the record should move here (at least 4 characters).")]
    if errors:
        raise ValidationError(errors)
    person = Person.objects.select_related("region").filter(id_number_index=blind_index(number)).first()
    if person is None or persons_visible_to(by).filter(pk=person.pk).exists():
        return None
    with transaction.atomic():
        request = TransferRequest.objects.create(
            person=person, requested_by=by, to_region=by.jurisdiction, reason=reason.strip()[:1000]
        )
        audit_record(
            actor=by,
            action=AuditAction.CREATE,
            target=person,
            changes={"what": "transfer_request", "to_region": by.jurisdiction.code},
        )
        holders = User.objects.filter(
            is_active=True,
            role=Role.CASEWORKER,
            jurisdiction_id__in=[*ancestor_region_codes(person.region_id), person.region_id],
        )
        # Neutral title (no name, no number); the body names the masked number and who asks.
        notify(
            recipients=holders,
            kind="transfer_request",
            title=text(N_("A record transfer is requested")),
            body=text(
                N_("%(office)s asks for the record with ID number %(masked)s to move to %(region)s: %(reason)s"),
                office=by.organization.name if by.organization else by.get_username(),
                masked=person.id_number_masked,
                region=by.jurisdiction.name,
                reason=request.reason,
            ),
        )
    return request
