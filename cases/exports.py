"""The household ledger (台账) as .xlsx: government assistance and charity help together, with
the duplicate and gap flags of the page, for one person, one household, a township or a county.

Names are shown as on the page; ID numbers only masked, phones never. The people are read in
chunks of 500 and each chunk goes through the page's own ``ledger_for``, so the flags are the
page's flags and a county of 100,000 people stays a few hundred queries.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from beneficiaries.models import Person
from cases.ledger import ledger_for
from core.codes import NeedCategory
from core.selectors import RegionPaths
from core.spreadsheets import export_workbook

CHUNK = 500


def ledger_workbook(persons: QuerySet[Person]) -> bytes:
    headers = [
        _("Region code"),
        _("Region"),
        _("Household register number"),
        _("Full name"),
        _("ID number"),
        _("Source"),
        _("What"),
        _("Need category"),
        _("Period from"),
        _("Period to"),
        _("Amount (yuan)"),
        _("Organization"),
        _("Flag"),
    ]
    return export_workbook(title=_("Assistance ledger"), headers=headers, rows=_rows(persons))


def _rows(persons: QuerySet[Person]) -> Iterator[Sequence[object]]:
    path = RegionPaths()
    categories = dict(NeedCategory.choices)
    ids = list(persons.order_by("household_id", "id").values_list("id", flat=True))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        people = {
            person.pk: person
            for person in Person.objects.filter(id__in=chunk)
            .select_related("region", "household")
            .defer("id_number", "phone", "health", "disability_details")
        }
        ledger = ledger_for(Person.objects.filter(id__in=chunk))

        where = {
            pk: [
                person.region.code,
                path(person.region),
                person.household.register_number,
                person.name,
                person.id_number_masked,
            ]
            for pk, person in people.items()
        }

        for entry in sorted(ledger.entries, key=lambda e: (chunk.index(e.person_id), e.period_start)):
            yield [
                *where[entry.person_id],
                entry.source_label,
                entry.what,
                str(categories.get(entry.category, _("Other"))),
                entry.period_start,
                entry.period_end,
                entry.amount,
                entry.organization,
                _("Possible duplicate") if entry.duplicate else "",
            ]
        for gap in ledger.gaps:
            yield [
                *where[gap.person_id],
                _("Gap"),
                _("Open need with no help past its deadline"),
                str(categories.get(gap.category, gap.category)),
                gap.logged_on,
                gap.deadline,
                None,
                "",
                _("Gap: no help past the deadline"),
            ]
