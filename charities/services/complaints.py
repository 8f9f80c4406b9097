"""Complaints (投诉举报) from the public."""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from charities.models import (
    Complaint,
)
from core.models import Organization, Region

# --- complaints ---------------------------------------------------------------------


def _complaint_reference() -> str:
    return f"TS{timezone.localdate():%Y%m%d}{secrets.randbelow(10**6):06d}"


def complaint_submit(
    *, content: str, contact: str = "", about_organization: Organization | None = None, region: Region | None = None
) -> Complaint:
    """File a complaint from the public. Its region decides which supervisors read it."""
    content = content.strip()
    errors: dict[str, list[str]] = {}
    if len(content) < 10:
        errors["content"] = [_("Please describe what happened in at least 10 characters.")]
    elif len(content) > 5000:
        errors["content"] = [_("Please keep the complaint under 5000 characters.")]
    if len(contact) > 100:
        errors["contact"] = [_("The contact is longer than 100 characters.")]
    if errors:
        raise ValidationError(errors)
    for _attempt in range(5):
        reference = _complaint_reference()
        if not Complaint.objects.filter(reference=reference).exists():
            break
    with transaction.atomic():
        complaint = Complaint.objects.create(
            reference=reference,
            content=content,
            contact=contact.strip(),
            about_organization=about_organization,
            region=region or (about_organization.region if about_organization else None),
        )
        # Supervisors hear of it at once (imported here: cases builds on this app, not the reverse).
        from cases.alerts import complaint_received

        complaint_received(complaint=complaint)
    return complaint
