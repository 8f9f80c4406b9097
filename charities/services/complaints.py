"""Complaints (投诉举报): filed by the public, handled by supervisors of the county (received →
investigating → concluded). The model, its steps and this workflow are one app's."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.models import Role, User
from audit.models import AuditAction
from audit.services import audit_record
from charities.hooks import complaint_received
from charities.models import Complaint, ComplaintEvent, ComplaintStatus
from core.errors import ReferralHubError
from core.models import Organization, Region
from core.references import COMPLAINT_PREFIX, reference_new

# --- complaints ---------------------------------------------------------------------


def _complaint_reference() -> str:
    return reference_new(COMPLAINT_PREFIX, taken=lambda ref: Complaint.objects.filter(reference=ref).exists())


def complaint_submit(
    *, content: str, contact: str = "", about_organization: Organization | None = None, region: Region | None = None
) -> Complaint:
    """File a complaint from the public.

    Its region and the registration county of the organization it is about decide which
    supervisors read it (``charities.selectors.complaints_visible_to``); one of the two is required.
    """
    content = content.strip()
    errors: dict[str, list[str]] = {}
    if len(content) < 10:
        errors["content"] = [_("Please describe what happened in at least 10 characters.")]
    elif len(content) > 5000:
        errors["content"] = [_("Please keep the complaint under 5000 characters.")]
    if len(contact) > 100:
        errors["contact"] = [_("The contact is longer than 100 characters.")]
    if region is None and about_organization is None:
        # Nobody would read it: supervisors read the complaints of their county (issue 14, finding 12).
        errors["region"] = [
            _(
                "Choose the county concerned or the organization concerned, so that its supervisors receive the complaint."
            )
        ]
    if errors:
        raise ValidationError(errors)
    reference = _complaint_reference()
    with transaction.atomic():
        complaint = Complaint.objects.create(
            reference=reference,
            content=content,
            contact=contact.strip(),
            about_organization=about_organization,
            region=region or (about_organization.region if about_organization else None),
        )
        complaint_received(complaint=complaint)  # the cases app tells the supervisors at once
    return complaint


class ComplaintError(ReferralHubError):
    code = "complaint_conflict"


# --- complaints ----------------------------------------------------------------------------

COMPLAINT_STEPS: dict[str, tuple[str, str]] = {
    # action: (from status, to status)
    "investigate": (ComplaintStatus.RECEIVED, ComplaintStatus.INVESTIGATING),
    "conclude": (ComplaintStatus.INVESTIGATING, ComplaintStatus.CONCLUDED),
}


def can_handle_complaints(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role == Role.SUPERVISOR and user.jurisdiction_id)


def complaint_next_step(complaint: Complaint) -> str | None:
    for action, (source, _target) in COMPLAINT_STEPS.items():
        if complaint.status == source:
            return action
    return None


def complaint_move(
    *, complaint: Complaint, by: User, to_status: str, conclusion: str = "", request: HttpRequest | None = None
) -> Complaint:
    """received → investigating → concluded (with a conclusion); each step timestamped and audited.

    The caller has fetched the complaint through ``complaint_for_user`` (404 outside the county).
    """
    if not can_handle_complaints(by):
        raise PermissionDenied(_("Only supervisors of the county handle complaints."))
    if to_status not in ComplaintStatus.values:
        raise ValidationError({"status": [_("Unknown status. Use investigating or concluded.")]})
    conclusion = conclusion.strip()
    with transaction.atomic():
        locked = Complaint.objects.select_for_update(no_key=True).get(pk=complaint.pk)
        source = {target: src for src, target in COMPLAINT_STEPS.values()}.get(to_status)
        if source is None or locked.status != source:
            raise ComplaintError(
                _(
                    "This complaint is “%(status)s”; it cannot be moved to “%(target)s”. A complaint goes from "
                    "received to investigating, then to concluded. Reload the page to see its current state."
                )
                % {"status": locked.get_status_display(), "target": ComplaintStatus(to_status).label},
                code="complaint_wrong_step",
            )
        if to_status == ComplaintStatus.CONCLUDED:
            if len(conclusion) < 5:
                raise ValidationError(
                    {
                        "conclusion": [
                            _("Write the conclusion: what was found and what was done (at least 5 characters).")
                        ]
                    }
                )
            locked.conclusion = conclusion
        previous = locked.status
        locked.status = to_status
        locked.save(update_fields=["status", "conclusion", "updated_at"])
        ComplaintEvent.objects.create(
            complaint=locked, from_status=previous, to_status=to_status, note=conclusion, by=by
        )
        audit_record(
            actor=by,
            action=AuditAction.STATUS,
            target=locked,
            changes={"status": [previous, to_status]},
            reason=conclusion,
            request=request,
        )
    return locked
