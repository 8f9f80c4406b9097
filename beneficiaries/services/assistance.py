"""Government assistance records (the eight programmes of SPEC rule 6)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.models import User
from audit.models import AuditAction
from audit.services import audit_record
from beneficiaries.models import (
    AssistanceRecord,
    Person,
    Programme,
)
from beneficiaries.services.common import (
    money,
)
from core.models import Organization
from supervision.services import conflict_check


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
            amount=Decimal(money("amount", amount) or "0"),
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
