"""The visit spreadsheet (走访排查台账): people found on home visits, with an optional need each.

Rows with the same household register number form one household; a number
already in the register adds the person to that household (if it lies in the
importer's jurisdiction). Everything is checked before anything is written, and
the framework writes all rows in one transaction or none.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db.models import Choices
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.models import AuditAction
from audit.services import audit_record_many
from beneficiaries.crypto import mask_id_number, mask_phone
from beneficiaries.hooks import records_created
from beneficiaries.models import Household, Need, NeedSource, Person, Relation, Urgency
from beneficiaries.permissions import can_write_register
from beneficiaries.selectors import households_visible_to, writable_regions
from beneficiaries.services import check_identity, duplicate_messages
from beneficiaries.validators import validate_phone
from core import normalise
from core.codes import AssistanceStatus, NeedCategory, Vulnerability
from core.models import Region, RegionLevel
from core.spreadsheets import Column, ImportSpec, RowError, code_table, lookup_code, split_list
from core.texts import bracketed

if TYPE_CHECKING:
    from accounts.models import User


# What visit teams actually write in the 台账, besides the full labels.
SHORT_NAMES = {
    "低保": "dibao",
    "特困": "tekun",
    "低边": "dibao_edge",
    "防止返贫监测": "relapse_monitoring",
    "监测对象": "relapse_monitoring",
    "临时救助": "temporary_assistance",
    "失能": "elderly_no_self_care",
    "未成年": "minor",
    "残疾": "disabled",
    "重病": "serious_illness",
    "生活": "living",
    "本人": "head",
}


def _lookup(choices: type[Choices], synonyms: Mapping[str, str] = normalise.NO_SYNONYMS) -> dict[str, str]:
    return code_table(choices, SHORT_NAMES, synonyms)


ID_SYNONYMS = ("身份证号码", "公民身份号码", "公民身份证号码", "身份证", "证件号码", "身份证件号码")


_TODAY: list[tuple[float, date]] = []


def _is_minor(born: date) -> bool:
    # Today's date, looked up at most once a minute: asked for every row of a 20,000-row file.
    if not _TODAY or _TODAY[0][0] < time.monotonic():
        _TODAY[:] = [(time.monotonic() + 60, timezone.localdate())]
    today = _TODAY[0][1]
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day)) < 18


class VisitRegisterImport(ImportSpec):
    kind = "visit_register"
    analyze_tables = ("beneficiaries_household", "beneficiaries_person", "beneficiaries_need")
    title = gettext_lazy("Visit register")
    columns = [
        Column(
            "name",
            gettext_lazy("Full name"),
            required=True,
            example="王秀英",
            synonyms=("成员姓名", "人员姓名", "名字"),
        ),
        Column(
            "id_number",
            gettext_lazy("Resident ID number"),
            required=True,
            example="610622195203121229",
            help=gettext_lazy("18 characters. Format the column as text so Excel keeps every digit."),
            synonyms=ID_SYNONYMS,
            text_only=True,
        ),
        Column(
            "phone",
            gettext_lazy("Phone"),
            example="13891112345",
            synonyms=("联系电话", "手机号", "手机号码", "电话", "电话号码", "联系方式"),
        ),
        Column(
            "household",
            gettext_lazy("Household register number"),
            required=True,
            example="YC00001",
            help=gettext_lazy(
                "Rows with the same number are one household. An existing number adds to that household."
            ),
            synonyms=("户编号", "户号", "家庭编号", "户籍编号"),
        ),
        Column(
            "relation",
            gettext_lazy("Relation to head of household"),
            required=True,
            example="户主",
            help=gettext_lazy(
                "户主, 配偶, 子女, 父母, 孙子女, 祖父母, 兄弟姐妹 or 其他 (妻, 长子, 父亲… are read too)."
            ),
            synonyms=("与户主关系", "关系", "家庭关系", "与户主的关系"),
        ),
        Column(
            "region",
            gettext_lazy("Village / community code"),
            required=True,
            example="610622100201",
            help=gettext_lazy(
                "The 12-digit statistical region code of the village or community, or its name when no other "
                "village in your jurisdiction has the same name."
            ),
            synonyms=(
                "区划代码",
                "村（社区）代码",
                "村代码",
                "所属村（社区）",
                "所属村",
                "村（社区）",
                "村/社区",
                "所在村",
            ),
        ),
        Column(
            "address",
            gettext_lazy("Address"),
            required=True,
            example="延川县永坪镇永坪村3组12号",
            synonyms=("家庭住址", "住址", "现住址", "家庭地址", "居住地址", "地址"),
        ),
        Column(
            "assistance_statuses",
            gettext_lazy("Assistance statuses"),
            example="低保、防止返贫监测",
            help=gettext_lazy("Separate several with 、"),
            synonyms=("保障类别", "救助类别", "救助身份", "人员类别", "困难类型"),
        ),
        Column(
            "vulnerabilities",
            gettext_lazy("Vulnerabilities"),
            example="重病",
            help=gettext_lazy("Separate several with 、"),
            synonyms=("特殊困难", "重点群体", "特殊群体", "困难群体"),
        ),
        Column(
            "need_category",
            gettext_lazy("Need category"),
            example="医疗",
            help=gettext_lazy("Leave empty if no need was found."),
            synonyms=("需求类型",),
        ),
        Column(
            "need_description",
            gettext_lazy("Need description"),
            example="住院自付费用高，需医疗救助",
            synonyms=("需求内容", "具体需求", "困难描述", "困难情况"),
        ),
        Column("urgency", gettext_lazy("Urgency"), example="紧急", synonyms=("紧急程度", "缓急程度")),
        Column(
            "amount_requested",
            gettext_lazy("Amount requested (yuan)"),
            example="5000",
            synonyms=("申请金额", "需求金额", "所需金额"),
        ),
    ]
    max_rows = 20000

    def __init__(self) -> None:
        self._region_cache: dict[tuple[int, str], tuple[float, tuple[str, str]]] = {}

    def can_use(self, user: User) -> bool:
        return can_write_register(user)

    def _region(self, user: User, value: str) -> tuple[str, str]:
        """(12-digit code, problem): a code, or a village's name when it is the only one in the jurisdiction.

        Cached briefly: 10,000 rows share few villages.
        """
        raw = normalise.code(value).replace(" ", "")
        key = (user.pk, raw)
        cached = self._region_cache.get(key)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        code, problem = raw, ""
        if raw.isdigit():
            if len(raw) not in (6, 9, 12):
                problem = _("A region code is 6, 9 or 12 digits; got “%(code)s”.") % {"code": raw}
            else:
                code = raw.ljust(12, "0")
                if not Region.objects.filter(code=code).exists():
                    problem = _("Unknown region code “%(code)s”.") % {"code": code}
                elif not writable_regions(user).filter(code=code).exists():
                    problem = _("This region is outside your jurisdiction.")
        else:
            named = list(
                writable_regions(user)
                .filter(name=normalise.text(value), level=RegionLevel.VILLAGE)
                .values_list("code", flat=True)[:2]
            )
            if len(named) == 1:
                code = named[0]
            elif named:
                problem = _(
                    "More than one village or community in your jurisdiction is called “%(name)s”; write its "
                    "12-digit region code instead."
                ) % {"name": normalise.text(value)}
            else:
                problem = _(
                    "No village or community called “%(name)s” is in your jurisdiction; write its 12-digit region code."
                ) % {"name": normalise.text(value)}
        if len(self._region_cache) > 10000:
            self._region_cache.clear()
        self._region_cache[key] = (time.monotonic() + 60, (code, problem))
        return code, problem

    def clean_row(
        self, values: dict[str, str], *, row: int, user: User
    ) -> tuple[dict[str, Any] | None, list[RowError]]:
        errors: list[RowError] = []
        headers = self.headers

        def fail(key: str, message: str) -> None:
            errors.append(RowError(row, headers.get(key, ""), message))

        for column in self.columns:
            if column.required and not values.get(column.key, "").strip():
                fail(column.key, _("This column must be filled in."))
        if errors:
            return None, errors
        record: dict[str, Any] = {
            "name": normalise.text(values["name"]),
            "household": normalise.code(values["household"]),
            "address": normalise.text(values["address"]),
        }
        try:
            identity = check_identity(normalise.id_number(values["id_number"]))
            record.update(
                id_number=identity.id_number,
                index=identity.index,
                birth_date=identity.birth_date,
                gender=identity.gender,
            )
        except ValidationError as error:
            fail("id_number", " ".join(error.messages))
        try:
            record["phone"] = validate_phone(values.get("phone", ""))
        except ValidationError as error:
            fail("phone", " ".join(error.messages))
        relation = lookup_code(_lookup(Relation, normalise.RELATION_SYNONYMS), values["relation"])
        if relation is None:
            fail("relation", _("Unknown relation “%(value)s”.") % {"value": normalise.text(values["relation"])})
        record["relation"] = relation
        code, problem = self._region(user, values["region"])
        if problem:
            fail("region", problem)
        record["region"] = code
        for key, choices, synonyms in (
            ("assistance_statuses", AssistanceStatus, normalise.STATUS_SYNONYMS),
            ("vulnerabilities", Vulnerability, normalise.VULNERABILITY_SYNONYMS),
        ):
            table = _lookup(choices, synonyms)
            codes = []
            for part in split_list(values.get(key, "")):
                found = lookup_code(table, part)
                if found is None:
                    fail(key, _("Unknown value “%(value)s”.") % {"value": part})
                else:
                    codes.append(found)
            record[key] = list(dict.fromkeys(codes))
        if (
            "birth_date" in record
            and _is_minor(record["birth_date"])
            and Vulnerability.MINOR not in record["vulnerabilities"]
        ):
            record["vulnerabilities"].append(Vulnerability.MINOR)  # as the API flags minors
        category = normalise.text(values.get("need_category", ""))
        if category:
            found = lookup_code(_lookup(NeedCategory, normalise.CATEGORY_SYNONYMS), category)
            if found is None:
                fail("need_category", _("Unknown need category “%(value)s”.") % {"value": category})
            if not normalise.text(values.get("need_description", "")):
                fail("need_description", _("Describe the need when a category is given."))
            urgency = lookup_code(_lookup(Urgency, normalise.URGENCY_SYNONYMS), values.get("urgency", "") or "routine")
            if urgency is None:
                fail("urgency", _("Urgency is 常规, 紧急 or 特急."))
            amount: Decimal | None = None
            try:
                amount = normalise.money(values.get("amount_requested", ""))
            except ValidationError as error:
                fail("amount_requested", error.messages[0])
            record["need"] = {
                "category": found,
                "description": normalise.text(values.get("need_description", "")),
                "urgency": urgency,
                "amount_requested": amount,
            }
        return (None, errors) if errors else (record, [])

    def check_rows(self, rows: list[tuple[int, dict[str, Any]]], *, user: User) -> list[RowError]:
        errors: list[RowError] = []
        id_header = self.columns[1].chinese_header()
        # Already in the register: a few queries per 2,000 rows instead of two per row (a re-checked
        # file that is already imported is as fast to check as the first time).
        registered = duplicate_messages(user, [record["index"] for _number, record in rows])
        for number, record in rows:
            if record["index"] in registered:
                errors.append(RowError(number, id_header, registered[record["index"]]))
        seen: dict[str, int] = {}
        for number, record in rows:
            if record["index"] in seen:
                errors.append(
                    RowError(
                        number,
                        id_header,
                        _("The same ID number is already in row %(row)d.") % {"row": seen[record["index"]]},
                    )
                )
            else:
                seen[record["index"]] = number
        numbers = {record["household"] for _number, record in rows}
        existing = dict(Household.objects.filter(register_number__in=numbers).values_list("register_number", "id"))
        visible = set(
            households_visible_to(user)
            .filter(register_number__in=list(existing))
            .values_list("register_number", flat=True)
        )
        with_head = set(
            Person.objects.filter(household_id__in=existing.values(), relation=Relation.HEAD).values_list(
                "household__register_number", flat=True
            )
        )
        heads = Counter(record["household"] for _number, record in rows if record["relation"] == Relation.HEAD)
        household_header = self.columns[3].chinese_header()
        for number, record in rows:
            household = record["household"]
            if household in existing and household not in visible:
                errors.append(
                    RowError(
                        number,
                        household_header,
                        _("This household number belongs to a household outside your jurisdiction."),
                    )
                )
            elif record["relation"] == Relation.HEAD and (heads[household] > 1 or household in with_head):
                errors.append(RowError(number, household_header, _("This household has more than one head.")))
        return errors

    def _region_name(self, code: str) -> str:
        name = Region.objects.filter(code=code).values_list("name", flat=True).first()
        return f"{name}{bracketed(code)}" if name else code

    def preview(self, cleaned: dict[str, Any]) -> list[str]:
        need = cleaned.get("need") or {}
        return [
            cleaned["name"],
            mask_id_number(cleaned["id_number"]),
            mask_phone(cleaned["phone"]),
            cleaned["household"],
            str(Relation(cleaned["relation"]).label),
            self._region_name(cleaned["region"]),
            cleaned["address"],
            "、".join(str(AssistanceStatus(code).label) for code in cleaned["assistance_statuses"]),
            "、".join(str(Vulnerability(code).label) for code in cleaned["vulnerabilities"]),
            str(NeedCategory(need["category"]).label) if need else "",
            need.get("description", ""),
            str(Urgency(need["urgency"]).label) if need else "",
            str(need.get("amount_requested") or ""),
        ]

    def commit(self, rows: list[dict[str, Any]], *, user: User, progress: Callable[[int], None]) -> int:
        now = timezone.now()
        numbers = {record["household"] for record in rows}
        households = {h.register_number: h for h in Household.objects.filter(register_number__in=numbers)}
        new = [
            Household(register_number=record["household"], region_id=record["region"], address=record["address"])
            for record in {
                record["household"]: record for record in rows if record["household"] not in households
            }.values()
        ]
        Household.objects.bulk_create(new, batch_size=2000)
        households.update({h.register_number: h for h in Household.objects.filter(register_number__in=numbers)})
        progress(10)
        persons: list[Person] = []
        for record in rows:
            persons.append(
                Person(
                    household=households[record["household"]],
                    relation=record["relation"],
                    name=record["name"],
                    id_number=record["id_number"],
                    id_number_index=record["index"],
                    id_number_masked=mask_id_number(record["id_number"]),
                    gender=record["gender"],
                    birth_date=record["birth_date"],
                    phone=record["phone"],
                    phone_masked=mask_phone(record["phone"]),
                    region_id=record["region"],
                    address=record["address"],
                    assistance_statuses=record["assistance_statuses"],
                    vulnerabilities=record["vulnerabilities"],
                    vulnerabilities_changed_at=now if record["vulnerabilities"] else None,
                    created_by=user,
                )
            )
        # PostgreSQL returns the new ids, which the needs and the audit entries point at.
        Person.objects.bulk_create(persons, batch_size=2000)
        if any(person.pk is None for person in persons):
            by_index = dict(
                Person.objects.filter(id_number_index__in=[p.id_number_index for p in persons]).values_list(
                    "id_number_index", "id"
                )
            )
            for person in persons:
                person.pk = by_index[person.id_number_index]
        progress(60)
        needs = [
            Need(
                person=person,
                region_id=record["region"],
                category=record["need"]["category"],
                urgency=record["need"]["urgency"],
                description=record["need"]["description"],
                amount_requested=record["need"]["amount_requested"],
                source=NeedSource.VISIT,
                logged_by=user,
                logged_by_organization_id=user.organization_id,
            )
            for person, record in zip(persons, rows, strict=True)
            if record.get("need")
        ]
        Need.objects.bulk_create(needs, batch_size=2000)
        records_created(kind="need", records=[(need.pk, need.person) for need in needs], by=user)  # 严防优亲厚友
        progress(80)
        audit_record_many(
            actor=user, action=AuditAction.IMPORT, targets=[*new, *persons], changes={"import": self.kind}
        )
        progress(100)
        return len(persons)
