"""Government assistance records (政府救助发放台账): what the offices paid, for people in the register."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.models import AuditAction
from audit.services import audit_record_many
from beneficiaries.imports.visits import ID_SYNONYMS, _lookup
from beneficiaries.models import Person
from beneficiaries.permissions import can_write_register
from beneficiaries.services import assistance_conflicts, assistance_records_import, check_identity
from core import normalise
from core.spreadsheets import Column, ImportSpec, RowError, lookup_code

if TYPE_CHECKING:
    from accounts.models import User


class AssistanceRecordImport(ImportSpec):
    """Government assistance records (政府救助发放记录) for people already in the register."""

    kind = "assistance_records"
    analyze_tables = ("beneficiaries_assistancerecord",)
    title = gettext_lazy("Government assistance records")
    columns = [
        Column(
            "id_number",
            gettext_lazy("Resident ID number"),
            required=True,
            example="610622195203121229",
            help=gettext_lazy("18 characters. Format the column as text so Excel keeps every digit."),
            synonyms=ID_SYNONYMS,
            text_only=True,
        ),
        Column("name", gettext_lazy("Full name"), example="王秀英", synonyms=("救助对象姓名", "户主姓名")),
        Column(
            "programme",
            gettext_lazy("Programme"),
            required=True,
            example="最低生活保障",
            help=gettext_lazy(
                "One of the eight programmes or the children's basic living allowance (低保户, 农村低保, 特困供养… are read too)."
            ),
            synonyms=("救助项目", "救助类型", "救助类别", "保障类别", "项目"),
        ),
        Column(
            "amount",
            gettext_lazy("Amount (yuan)"),
            required=True,
            example="620",
            synonyms=("金额", "发放金额", "救助金额", "保障金额", "发放金额（元）"),
        ),
        Column(
            "period_start",
            gettext_lazy("Period start"),
            required=True,
            example="2026-01-01",
            synonyms=("开始日期", "起始日期", "起始时间", "发放开始日期", "开始时间"),
        ),
        Column(
            "period_end",
            gettext_lazy("Period end"),
            required=True,
            example="2026-06-30",
            synonyms=("结束日期", "截止日期", "终止日期", "截止时间", "结束时间"),
        ),
        Column(
            "granting_organization",
            gettext_lazy("Granting office"),
            required=True,
            example="延川县民政局",
            help=gettext_lazy("The exact name of the civil affairs office as registered on the platform."),
            synonyms=("发放单位", "审批单位", "审批机关", "发放机构", "救助单位"),
        ),
        Column("note", gettext_lazy("Note"), example="", synonyms=("备注",)),
    ]

    def __init__(self) -> None:
        self._offices: dict[str, int | None] = {}

    def can_use(self, user: User) -> bool:
        return can_write_register(user)

    def check_rows(self, rows: list[tuple[int, dict[str, Any]]], *, user: User) -> list[RowError]:
        """The importer's own declared relatives are refused, as in the one-record form."""
        self._offices.clear()  # one file's check; the next file sees offices registered since
        ids = {record["person_id"] for _number, record in rows}
        refused = assistance_conflicts(by=user, persons=list(Person.objects.filter(pk__in=ids)))
        header = self.columns[0].chinese_header()
        message = _(
            "You declared this person as your relative or close associate (严防优亲厚友): you cannot record "
            "government assistance for them. Ask a colleague to record it."
        )
        return [RowError(number, header, message) for number, record in rows if record["person_id"] in refused]

    def clean_row(
        self, values: dict[str, str], *, row: int, user: User
    ) -> tuple[dict[str, Any] | None, list[RowError]]:
        from beneficiaries.crypto import blind_index
        from beneficiaries.models import Programme
        from beneficiaries.selectors import persons_visible_to
        from core.models import GOVERNMENT_KINDS, Organization

        headers = self.headers
        errors: list[RowError] = []

        def fail(key: str, message: str) -> None:
            errors.append(RowError(row, headers.get(key, ""), message))

        for column in self.columns:
            if column.required and not values.get(column.key, "").strip():
                fail(column.key, _("This column must be filled in."))
        if errors:
            return None, errors
        record: dict[str, Any] = {"note": normalise.text(values.get("note", ""))[:300]}
        try:
            identity = check_identity(normalise.id_number(values["id_number"]))
        except ValidationError as error:
            fail("id_number", " ".join(error.messages))
        else:
            person_id = (
                persons_visible_to(user)
                .filter(id_number_index=blind_index(identity.id_number))
                .values_list("id", flat=True)
                .first()
            )
            if person_id is None:
                fail(
                    "id_number",
                    _("No one with this ID number is in the register of your jurisdiction; register the person first."),
                )
            elif (
                normalise.text(values.get("name", ""))
                and not Person.objects.filter(pk=person_id, name=normalise.text(values["name"])).exists()
            ):
                fail("name", _("The register has another name for this ID number; check both."))
            record["person_id"] = person_id
        programme = lookup_code(_lookup(Programme, normalise.PROGRAMME_SYNONYMS), values["programme"])
        if programme is None:
            fail("programme", _("Unknown value “%(value)s”.") % {"value": normalise.text(values["programme"])})
        record["programme"] = programme
        try:
            record["amount"] = normalise.money(values["amount"])
        except ValidationError as error:
            fail("amount", error.messages[0])
        for key in ("period_start", "period_end"):
            try:
                record[key] = normalise.date(values[key])
            except ValidationError as error:
                fail(key, error.messages[0])
        if "period_start" in record and "period_end" in record and record["period_end"] < record["period_start"]:
            fail("period_end", _("The period cannot end before it starts."))
        office_name = normalise.text(values["granting_organization"])
        if office_name not in self._offices:  # a sheet names a handful of offices over thousands of rows
            if len(self._offices) > 1000:
                self._offices.clear()
            self._offices[office_name] = (
                Organization.objects.filter(name=office_name, kind__in=GOVERNMENT_KINDS)
                .values_list("id", flat=True)
                .first()
            )
        office = self._offices[office_name]
        if office is None:
            fail("granting_organization", _("No civil affairs office of this name is registered on the platform."))
        record["granting_organization_id"] = office
        return (None, errors) if errors else (record, [])

    def preview(self, cleaned: dict[str, Any]) -> list[str]:
        from beneficiaries.models import Person, Programme
        from core.models import Organization

        person = Person.objects.filter(pk=cleaned["person_id"]).only("name", "id_number_masked").first()
        return [
            person.id_number_masked if person else "",
            person.name if person else "",
            str(Programme(cleaned["programme"]).label),
            str(cleaned["amount"]),
            cleaned["period_start"].isoformat(),
            cleaned["period_end"].isoformat(),
            Organization.objects.filter(pk=cleaned["granting_organization_id"]).values_list("name", flat=True).first()
            or "",
            cleaned["note"],
        ]

    def commit(self, rows: list[dict[str, Any]], *, user: User, progress: Callable[[int], None]) -> int:
        from beneficiaries.models import AssistanceRecord, RecordSource

        records = [AssistanceRecord(source=RecordSource.IMPORTED, created_by=user, **row) for row in rows]
        assistance_records_import(by=user, records=records)  # 严防优亲厚友, as for one record
        progress(80)
        audit_record_many(actor=user, action=AuditAction.IMPORT, targets=records, changes={"import": self.kind})
        progress(100)
        return len(records)
