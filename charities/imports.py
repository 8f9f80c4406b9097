"""The supply-list spreadsheet (供给清单): many resources at once, through the shared import framework.

Charity staff import their own organization's list; administrators import for any
organization, named by its unified social credit code. Every row goes through the
same checks as the form and the API (``charities.services``), and the framework
writes all rows in one transaction or none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db.models import Choices
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from charities.models import ResourceForm, ResourceKind
from charities.services import (
    RegionTable,
    ResourceData,
    resource_check,
    resource_region_codes,
    resources_create_many,
)
from core import normalise
from core.codes import AssistanceStatus, NeedCategory, Vulnerability
from core.models import Organization, Region
from core.spreadsheets import Column, ImportSpec, RowError, code_table, lookup_code, split_list
from core.validators import normalize_region_code, validate_credit_code

if TYPE_CHECKING:
    from accounts.models import User

# What people type besides the labels.
SHORT_NAMES = {
    "项目": "project",
    "慈善项目": "project",
    "基金": "fund",
    "专项基金": "fund",
    "冠名基金": "fund",
    "现金": "money",
    "资金": "money",
    "钱": "money",
    "物资": "goods",
    "实物": "goods",
    "服务": "service",
    "生活": "living",
    "心理慰藉": "psychological",
    "法律援助": "legal",
    "低保": "dibao",
    "特困": "tekun",
    "低边": "dibao_edge",
    "失能": "elderly_no_self_care",
    "未成年": "minor",
    "残疾": "disabled",
    "重病": "serious_illness",
    "大病": "serious_illness",
}
YES = {"是", "开放", "y", "yes", "1", "true"}
NO = {"", "否", "草稿", "n", "no", "0", "false"}


def _lookup(choices: type[Choices], synonyms: Mapping[str, str] = normalise.NO_SYNONYMS) -> dict[str, str]:
    return code_table(choices, SHORT_NAMES, synonyms)


def region_code_or_text(part: str) -> str:
    """A 12-digit code from a 6-, 9- or 12-digit one; the cleaned text otherwise (the service check names it)."""
    try:
        return normalize_region_code(normalise.code(part))
    except ValidationError:
        return normalise.code(part)


def _region_names(codes: list[str], names: Mapping[str, str] | None = None) -> list[str]:
    """延川县（610622000000）rather than a bare code, in the preview."""
    if names is None:
        names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    return [f"{names[code]}（{code}）" if code in names else code for code in codes]


@dataclass
class _Lookups:
    """What the rows of one file refer to, read once for the file: organizations by credit code
    and regions by code (a few queries for 10,000 rows instead of three a row)."""

    regions: RegionTable = field(default_factory=RegionTable)
    organizations: dict[str, Organization | None] = field(default_factory=dict)

    def organization(self, credit_code: str) -> Organization | None:
        if credit_code not in self.organizations:
            self.organizations[credit_code] = Organization.objects.filter(credit_code=credit_code).first()
        return self.organizations[credit_code]

    def load_organizations(self, credit_codes: set[str]) -> None:
        wanted = sorted(code for code in credit_codes if code and code not in self.organizations)
        for start in range(0, len(wanted), 2000):
            chunk = wanted[start : start + 2000]
            found = {o.credit_code: o for o in Organization.objects.filter(credit_code__in=chunk)}
            self.organizations.update({code: found.get(code) for code in chunk})


class SupplyListImport(ImportSpec):
    kind = "supply_list"
    title = gettext_lazy("Supply list")
    columns = [
        Column(
            "credit_code",
            gettext_lazy("Unified social credit code of the organization"),
            example="51610622MJ1234567E",
            help=gettext_lazy("Administrators: which organization offers the row. Charity staff may leave it empty."),
            synonyms=("统一社会信用代码", "信用代码", "机构代码"),
        ),
        Column(
            "name",
            gettext_lazy("Name"),
            required=True,
            example="大病医疗救助专项基金",
            synonyms=("项目名称", "资源名称", "名称（项目）"),
        ),
        Column(
            "kind",
            gettext_lazy("Kind"),
            required=True,
            example="专项基金",
            help=gettext_lazy("慈善项目, 专项基金, 服务 or 物资."),
            synonyms=("类型", "资源类型", "项目类型"),
        ),
        Column(
            "form",
            gettext_lazy("Form of help"),
            required=True,
            example="资金",
            help=gettext_lazy("资金, 物资 or 服务."),
            synonyms=("帮扶形式", "救助形式", "援助形式"),
        ),
        Column(
            "categories",
            gettext_lazy("Need categories"),
            required=True,
            example="医疗、康复",
            help=gettext_lazy("Separate several with 、"),
            synonyms=("需求类别", "帮扶领域", "服务类别", "救助类别"),
        ),
        Column(
            "purpose",
            gettext_lazy("Purpose"),
            example="医保报销后个人负担仍超过承受能力的大病患者",
            synonyms=("用途", "资助用途", "项目简介"),
        ),
        Column(
            "service_regions",
            gettext_lazy("Service region codes"),
            example="610622",
            help=gettext_lazy("6-, 9- or 12-digit region codes, separated by 、"),
            synonyms=("服务区域代码", "服务地区代码", "服务区域"),
        ),
        Column(
            "designated_counties",
            gettext_lazy("Designated county codes (以强带弱)"),
            example="",
            help=gettext_lazy("Counties elsewhere helped point to point, separated by 、"),
        ),
        Column("min_age", gettext_lazy("Minimum age"), example=""),
        Column("max_age", gettext_lazy("Maximum age"), example=""),
        Column("assistance_statuses", gettext_lazy("Assistance statuses"), example="低保、特困"),
        Column("vulnerabilities", gettext_lazy("Vulnerabilities"), example="重病"),
        Column("income_ceiling", gettext_lazy("Household income ceiling (yuan per person per month)"), example="900"),
        Column("conditions", gettext_lazy("Illness or disability types"), example="白血病、尿毒症"),
        Column("eligibility_notes", gettext_lazy("Other eligibility notes"), example=""),
        Column(
            "capacity_people",
            gettext_lazy("Capacity (people)"),
            example="20",
            synonyms=("计划人数", "帮扶人数", "受益人数", "名额"),
        ),
        Column(
            "capacity_amount",
            gettext_lazy("Budget (yuan)"),
            example="200000",
            synonyms=("预算", "预算金额", "项目资金", "资金总额"),
        ),
        Column(
            "per_person_limit",
            gettext_lazy("Limit per person (yuan)"),
            example="10000",
            synonyms=("每人限额", "每人最高金额", "单人上限"),
        ),
        Column(
            "starts_on",
            gettext_lazy("Starts on"),
            example="2026-01-01",
            help=gettext_lazy("Year-month-day."),
            synonyms=("开始日期", "起始日期", "开始时间"),
        ),
        Column(
            "ends_on",
            gettext_lazy("Ends on"),
            example="2026-12-31",
            help=gettext_lazy("Year-month-day."),
            synonyms=("结束日期", "截止日期", "结束时间"),
        ),
        Column(
            "publish",
            gettext_lazy("Open for referrals"),
            example="是",
            help=gettext_lazy("是: open at once; empty or 否: saved as a draft."),
            synonyms=("是否开放", "是否发布"),
        ),
    ]

    def can_use(self, user: User) -> bool:
        if not (user.is_authenticated and user.is_active):
            return False
        return user.is_admin_role or (user.role == Role.CHARITY_STAFF and user.organization_id is not None)

    def _header(self, key: str) -> str:
        return self.headers[key]

    def clean_row(
        self, values: dict[str, str], *, row: int, user: User
    ) -> tuple[dict[str, Any] | None, list[RowError]]:
        return self._clean(values, row=row, user=user, lookups=_Lookups())

    def clean_rows(
        self, rows: Sequence[tuple[int, dict[str, str]]], *, user: User
    ) -> Iterator[tuple[dict[str, Any] | None, list[RowError]]]:
        lookups = _Lookups()
        if user.is_admin_role:
            lookups.load_organizations({normalise.code(values.get("credit_code", "")).upper() for _n, values in rows})
        lookups.regions.load(
            region_code_or_text(part)
            for _n, values in rows
            for key in ("service_regions", "designated_counties")
            for part in split_list(values.get(key, ""))
        )
        for number, values in rows:
            yield self._clean(values, row=number, user=user, lookups=lookups)

    def _clean(
        self, values: dict[str, str], *, row: int, user: User, lookups: _Lookups
    ) -> tuple[dict[str, Any] | None, list[RowError]]:
        errors: list[RowError] = []

        def error(key: str, message: str) -> None:
            errors.append(RowError(row, self._header(key) if key else "", message))

        organization = self._organization(normalise.code(values.get("credit_code", "")).upper(), user, error, lookups)

        def code_of(key: str, table: dict[str, str]) -> str:
            raw = normalise.text(values.get(key, ""))
            code = lookup_code(table, raw) or ""
            if raw and not code:
                error(key, _("Unknown value “%(value)s”.") % {"value": raw})
            return code

        def codes_of(key: str, table: dict[str, str]) -> list[str]:
            found = []
            for part in split_list(values.get(key, "")):
                code = lookup_code(table, part)
                if code is None:
                    error(key, _("Unknown value “%(value)s”.") % {"value": part})
                else:
                    found.append(code)
            return found

        def number(key: str, kind: type[int] | type[Decimal]) -> Any:
            try:
                if kind is int:
                    return normalise.whole_number(values.get(key, ""))
                return normalise.money(values.get(key, ""))
            except ValidationError as invalid:
                error(key, invalid.messages[0])
                return None

        def day(key: str) -> date | None:
            try:
                return normalise.date(values.get(key, ""))
            except ValidationError as invalid:
                error(key, invalid.messages[0])
                return None

        def regions(key: str) -> list[str]:
            return [region_code_or_text(part) for part in split_list(values.get(key, ""))]

        publish_raw = normalise.key(values.get("publish", ""))
        if publish_raw not in YES | NO:
            error("publish", _("Write 是 to open it at once, or leave it empty for a draft."))
        data = ResourceData(
            name=normalise.text(values.get("name", "")),
            kind=code_of("kind", _lookup(ResourceKind)),
            form=code_of("form", _lookup(ResourceForm)),
            categories=codes_of("categories", _lookup(NeedCategory, normalise.CATEGORY_SYNONYMS)),
            purpose=normalise.text(values.get("purpose", "")),
            service_region_codes=regions("service_regions"),
            designated_county_codes=regions("designated_counties"),
            min_age=number("min_age", int),
            max_age=number("max_age", int),
            assistance_statuses=codes_of("assistance_statuses", _lookup(AssistanceStatus, normalise.STATUS_SYNONYMS)),
            vulnerabilities=codes_of("vulnerabilities", _lookup(Vulnerability, normalise.VULNERABILITY_SYNONYMS)),
            income_ceiling=number("income_ceiling", Decimal),
            conditions=split_list(values.get("conditions", "")),
            eligibility_notes=normalise.text(values.get("eligibility_notes", "")),
            capacity_people=number("capacity_people", int),
            capacity_amount=number("capacity_amount", Decimal),
            per_person_limit=number("per_person_limit", Decimal),
            starts_on=day("starts_on"),
            ends_on=day("ends_on"),
        )
        if errors:
            return None, errors
        try:
            resource_check(data=data, regions=lookups.regions)
        except ValidationError as invalid:
            for field, messages in invalid.message_dict.items():
                key = {"service_regions": "service_regions", "designated_counties": "designated_counties"}.get(
                    field, field
                )
                column = key if any(c.key == key for c in self.columns) else ""
                for message in messages:
                    error(column, message)
            return None, errors
        if organization is None:
            return None, errors
        named = lookups.regions.found([*data.service_region_codes, *data.designated_county_codes])
        record = {
            "organization_id": organization.pk,
            "organization_name": organization.name,
            "credit_code": organization.credit_code,
            "data": data,
            "publish": publish_raw in YES,
            "region_names": {code: region.name for code, region in named.items()},
        }
        return record, errors

    def _organization(
        self, credit_code: str, user: User, error: Callable[[str, str], None], lookups: _Lookups
    ) -> Organization | None:
        if not user.is_admin_role:
            own = user.organization
            if credit_code and own is not None and credit_code != own.credit_code:
                error(
                    "credit_code",
                    _("This code is not your organization's (%(own)s); you can import only your own supply list.")
                    % {"own": own.credit_code or "—"},
                )
                return None
            return own
        if not credit_code:
            error("credit_code", _("Administrators must say which organization each row belongs to."))
            return None
        try:
            validate_credit_code(credit_code)
        except ValidationError as invalid:
            error("credit_code", str(invalid.messages[0]))
            return None
        organization = lookups.organization(credit_code)
        if organization is None:
            error("credit_code", _("No organization with the code %(code)s is registered.") % {"code": credit_code})
        elif organization.is_government:
            error("credit_code", _("Only supplying organizations keep resources on the supply list."))
            return None
        return organization

    def check_rows(self, rows: list[tuple[int, dict[str, Any]]], *, user: User) -> list[RowError]:
        errors = []
        seen: dict[tuple[int, str], int] = {}
        for number, record in rows:
            key = (record["organization_id"], record["data"].name)
            if key in seen:
                errors.append(
                    RowError(
                        number,
                        self._header("name"),
                        _("The same name is already in row %(row)d.") % {"row": seen[key]},
                    )
                )
            else:
                seen[key] = number
        return errors

    def preview(self, cleaned: dict[str, Any]) -> list[str]:
        data: ResourceData = cleaned["data"]
        labels = dict(NeedCategory.choices)

        def show(value: object) -> str:
            return "" if value is None else str(value)

        names = cleaned.get("region_names")
        return [
            cleaned.get("organization_name")
            or show(Organization.objects.filter(pk=cleaned["organization_id"]).values_list("name", flat=True).first()),
            data.name,
            str(dict(ResourceKind.choices)[data.kind]),
            str(dict(ResourceForm.choices)[data.form]),
            "、".join(str(labels[c]) for c in data.categories),
            data.purpose,
            "、".join(_region_names(data.service_region_codes, names)),
            "、".join(_region_names(data.designated_county_codes, names)),
            show(data.min_age),
            show(data.max_age),
            "、".join(str(AssistanceStatus(code).label) for code in data.assistance_statuses),
            "、".join(str(Vulnerability(code).label) for code in data.vulnerabilities),
            show(data.income_ceiling),
            "、".join(data.conditions),
            data.eligibility_notes,
            show(data.capacity_people),
            show(data.capacity_amount),
            show(data.per_person_limit),
            show(data.starts_on),
            show(data.ends_on),
            _("Yes") if cleaned["publish"] else _("No"),
        ]

    def commit(self, rows: list[dict[str, Any]], *, user: User, progress: Callable[[int], None]) -> int:
        organizations = Organization.objects.in_bulk({row["organization_id"] for row in rows})
        items = [(organizations[row["organization_id"]], row["data"], row["publish"]) for row in rows]
        regions = RegionTable()  # read again inside the write's transaction: the checks run on what is there now
        regions.load(resource_region_codes(data for _organization, data, _publish in items))
        count = resources_create_many(items=items, by=user, regions=regions)
        progress(100)
        return count
