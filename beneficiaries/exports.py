"""Spreadsheet exports of the register and the need list, sensitive values masked."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries.models import Need, Person
from core.selectors import RegionPaths
from core.spreadsheets import export_workbook


def persons_workbook(persons: QuerySet[Person]) -> bytes:
    path = RegionPaths()
    headers = [
        _("Full name"),
        _("ID number"),
        _("Gender"),
        _("Birth date"),
        _("Phone"),
        _("Region code"),
        _("Region"),
        _("Address"),
        _("Household register number"),
        _("Relation to head of household"),
        _("Assistance statuses"),
        _("Vulnerabilities"),
    ]

    def rows() -> Iterator[Sequence[object]]:
        # Only masked columns are read: the encrypted ones are deferred, never decrypted here.
        for person in (
            persons.select_related("region", "household")
            .defer("id_number", "phone", "health", "disability_details")
            .iterator(chunk_size=2000)
        ):
            yield [
                person.name,
                person.id_number_masked,
                person.get_gender_display(),
                person.birth_date,
                person.phone_masked,
                person.region.code,
                path(person.region),
                person.address,
                person.household.register_number,
                person.get_relation_display(),
                "、".join(person.get_assistance_status_labels()),
                "、".join(person.get_vulnerability_labels()),
            ]

    return export_workbook(title=_("Register"), headers=headers, rows=rows())


def needs_workbook(needs: QuerySet[Need]) -> bytes:
    path = RegionPaths()
    headers = [
        _("Logged at"),
        _("Full name"),
        _("ID number"),
        _("Region code"),
        _("Region"),
        _("Category"),
        _("Urgency"),
        _("Description"),
        _("Amount requested (yuan)"),
        _("Source"),
        _("Status"),
    ]

    def rows() -> Iterator[Sequence[object]]:
        for need in (
            needs.select_related("person", "region")
            .defer("person__id_number", "person__phone", "person__health", "person__disability_details")
            .iterator(chunk_size=2000)
        ):
            yield [
                timezone.localtime(need.created_at),
                need.person.name,
                need.person.id_number_masked,
                need.region.code,
                path(need.region),
                need.get_category_display(),
                need.get_urgency_display(),
                need.description,
                need.amount_requested,
                need.get_source_display(),
                need.get_status_display(),
            ]

    return export_workbook(title=_("Need list"), headers=headers, rows=rows())
