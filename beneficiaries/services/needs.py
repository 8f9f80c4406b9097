"""The need list: logging, status moves and edits."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.models import User
from audit.models import AuditAction
from audit.services import audit_record
from beneficiaries.hooks import records_created
from beneficiaries.models import (
    OPEN_NEED_STATUSES,
    Need,
    NeedSource,
    NeedStatus,
    OnlineApplication,
    Person,
    Urgency,
    WarningRule,
)
from beneficiaries.permissions import require_write
from beneficiaries.selectors import persons_visible_to
from beneficiaries.services.common import (
    RegisterError,
    money,
)
from core.codes import NeedCategory
from core.models import Region

# --- needs -----------------------------------------------------------------------------
NEED_DESCRIPTION_MAX_LENGTH = 5000


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
    region: Region | None = None,
    application: OnlineApplication | None = None,
    request: HttpRequest | None = None,
) -> Need:
    """Log a need. ``region`` (default: the person's) is where the need is worked on: an online
    application names where the person lives now, which decides the station that calls back."""
    if by is not None:  # None: the early-warning job, which watches every region
        require_write(by)
        if not persons_visible_to(by).filter(pk=person.pk).exists():
            raise ValidationError({"person": _("This person is not in your jurisdiction.")})
    errors: dict[str, str] = {}
    if category not in NeedCategory.values:
        errors["category"] = _("Choose a category.")
    if urgency not in Urgency.values:
        errors["urgency"] = _("Choose routine, urgent or emergency.")
    if source not in NeedSource.values:
        errors["source"] = _("Unknown source.")
    if not description.strip():
        errors["description"] = _("Describe the need in a sentence or two.")
    elif len(description) > NEED_DESCRIPTION_MAX_LENGTH:
        errors["description"] = _("Keep the description under %(limit)d characters.") % {
            "limit": NEED_DESCRIPTION_MAX_LENGTH
        }
    if errors:
        raise ValidationError(errors)
    amount = money("amount_requested", amount_requested)
    with transaction.atomic():
        need = Need.objects.create(
            person=person,
            region_id=region.code if region is not None else person.region_id,
            category=category,
            urgency=urgency,
            description=description.strip(),
            amount_requested=Decimal(amount) if amount else None,
            source=source,
            warning_rule=warning_rule,
            application=application,
            logged_by=by,
            logged_by_organization=by.organization if by is not None else None,
        )
        audit_record(actor=by, action=AuditAction.CREATE, target=need, changes={"category": category}, request=request)
        records_created(kind="need", records=[(need.pk, person)], by=by)  # 严防优亲厚友: supervision flags
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
        # The person comes along for the audit entry's description (str(need)); only the need is locked.
        current = Need.objects.select_for_update(of=("self",), no_key=True).select_related("person").get(pk=need.pk)
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
    if len(str(changes.get("description", ""))) > NEED_DESCRIPTION_MAX_LENGTH:
        raise ValidationError(
            {
                "description": _("Keep the description under %(limit)d characters.")
                % {"limit": NEED_DESCRIPTION_MAX_LENGTH}
            }
        )
    with transaction.atomic():
        need = Need.objects.select_for_update(no_key=True).get(pk=need.pk)
        if need.status not in OPEN_NEED_STATUSES:
            raise RegisterError(_("A fulfilled or closed need cannot be edited."), code="need_not_open")
        for name, value in changes.items():
            if name == "amount_requested":
                amount = money(name, value)
                value = Decimal(amount) if amount else None
            setattr(need, name, value)
        need.save()
        audit_record(
            actor=by, action=AuditAction.CHANGE, target=need, changes={"fields": sorted(changes)}, request=request
        )
    return need
