"""Government assistance records (the eight programmes of SPEC rule 6)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.models import User
from audit.models import AuditAction
from audit.services import audit_record
from beneficiaries.hooks import recorder_conflicts, records_created
from beneficiaries.models import (
    AssistanceRecord,
    Person,
    Programme,
)
from beneficiaries.services.common import RegisterError, money
from core.models import Organization
from core.validators import REGION_PREFIX_LENGTHS, ancestor_region_codes


# --- government assistance -------------------------------------------------------------
def _grants_here(office: Organization, person: Person) -> bool:
    """An office of the person's county (or of the city or province above it) grants its assistance."""
    county = person.region_id[: REGION_PREFIX_LENGTHS[3]]
    return office.region_id.startswith(county) or office.region_id in ancestor_region_codes(person.region_id)


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
    elif not _grants_here(granting_organization, person):
        errors["granting_organization"] = _(
            "This office is in another county; record the assistance its own county granted the person."
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        assistance_conflicts_refuse(by=by, persons=[person])
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
        records_created(kind="assistance", records=[(record.pk, person)], by=by)  # 严防优亲厚友: supervision flags
    return record


def assistance_conflicts(*, by: User | None, persons: Sequence[Person]) -> set[int]:
    """The persons ``by`` may not record government assistance for (their declared relatives,
    严防优亲厚友): asked of the supervision app through a hook. Imports check their rows with it."""
    refused: set[int] = set()
    for answer in recorder_conflicts(kind="assistance", persons=list(persons), by=by):
        refused |= answer
    return refused


def assistance_conflicts_refuse(*, by: User | None, persons: Sequence[Person]) -> None:
    if assistance_conflicts(by=by, persons=persons):
        raise RegisterError(_conflict_message(), code="conflict_of_interest")


def _conflict_message() -> str:
    return _(
        "You declared this person as your relative or close associate (严防优亲厚友): you cannot record "
        "government assistance for them. Ask a colleague to record it."
    )


def assistance_records_import(*, by: User, records: list[AssistanceRecord]) -> list[AssistanceRecord]:
    """Write imported assistance records in bulk, under the same conflict-of-interest rule as
    one record entered by hand: refused for the importer's declared relatives, flagged for others'."""
    persons = list(Person.objects.filter(pk__in={record.person_id for record in records}))
    with transaction.atomic():
        assistance_conflicts_refuse(by=by, persons=persons)
        AssistanceRecord.objects.bulk_create(records, batch_size=2000)
        by_pk = {person.pk: person for person in persons}
        records_created(kind="assistance", records=[(record.pk, by_pk[record.person_id]) for record in records], by=by)
    return records
