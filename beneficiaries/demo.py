"""About 200 demo households with realistic names and addresses.

Generated from a fixed seed so every run produces the same people; households
are keyed by register number, so running again adds nothing.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from beneficiaries.crypto import blind_index, mask_id_number, mask_phone
from beneficiaries.models import (
    Consent,
    ConsentMethod,
    ConsentPurpose,
    Gender,
    Household,
    Need,
    NeedSource,
    NeedStatus,
    Person,
    Programme,
    RecipientScope,
    Relation,
    Urgency,
    WarningRule,
    WarningRuleKind,
)
from beneficiaries.services import assistance_record_create
from beneficiaries.validators import make_id_number
from core.codes import AssistanceStatus, NeedCategory, Vulnerability
from core.models import Organization, Region, RegionLevel
from core.validators import REGION_PREFIX_LENGTHS

HOUSEHOLD_COUNT = 200
DEMO_COUNTY_PREFIX = "610622"

# Common northern-Shaanxi surnames, weighted roughly by frequency.
SURNAMES = "王王王李李李张张刘刘高高白白冯冯杨杨贺贺马马郝郝薛曹呼拓任霍惠延折乔柴强史薄"
# Whole given names, by generation, as people in the county are actually called.
GIVEN_NAMES = {
    (Gender.MALE, "old"): [
        "建国",
        "振华",
        "长生",
        "福山",
        "宝成",
        "明亮",
        "志刚",
        "万有",
        "金贵",
        "德胜",
        "满仓",
        "保平",
    ],
    (Gender.FEMALE, "old"): [
        "秀英",
        "桂兰",
        "玉梅",
        "凤英",
        "兰芳",
        "翠花",
        "秀兰",
        "桂芳",
        "彩霞",
        "春梅",
        "金花",
        "改莲",
    ],
    (Gender.MALE, "mid"): ["建军", "海涛", "伟", "强", "军", "永红", "东升", "小平", "卫东", "志勇", "建平", "海军"],
    (Gender.FEMALE, "mid"): [
        "丽娟",
        "艳",
        "小燕",
        "海燕",
        "慧芳",
        "艳红",
        "美兰",
        "红梅",
        "丽",
        "亚琴",
        "晓梅",
        "燕妮",
    ],
    (Gender.MALE, "young"): [
        "浩然",
        "子轩",
        "宇航",
        "博文",
        "俊杰",
        "梓豪",
        "一鸣",
        "思远",
        "嘉乐",
        "天佑",
        "乐乐",
        "鹏程",
    ],
    (Gender.FEMALE, "young"): [
        "欣怡",
        "梓涵",
        "雨桐",
        "诗琪",
        "佳怡",
        "可馨",
        "语嫣",
        "若曦",
        "一诺",
        "梦瑶",
        "心悦",
        "甜甜",
    ],
}


def _given_name(rng: random.Random, gender: str, age: int) -> str:
    generation = "old" if age >= 55 else "mid" if age >= 25 else "young"
    return rng.choice(GIVEN_NAMES[(Gender(gender), generation)])


def _birth_date(rng: random.Random, age: int) -> date:
    reference = date(2026, 1, 1)  # fixed so the demo is identical on every run
    return reference - timedelta(days=age * 365 + rng.randint(0, 364))


def seed_households(count: int = HOUSEHOLD_COUNT) -> int:
    """Create the demo households; returns how many were created this time."""
    villages = list(
        Region.objects.filter(level=RegionLevel.VILLAGE, code__startswith=DEMO_COUNTY_PREFIX).order_by("code")
    )
    townships = {
        r.code: r for r in Region.objects.filter(level=RegionLevel.TOWNSHIP, code__startswith=DEMO_COUNTY_PREFIX)
    }
    county = Region.objects.get(code=DEMO_COUNTY_PREFIX.ljust(12, "0"))
    rng = random.Random(20261122)
    existing = set(Household.objects.filter(register_number__startswith="YC").values_list("register_number", flat=True))
    created = 0
    with transaction.atomic():
        for number in range(1, count + 1):
            village = villages[(number - 1) % len(villages)]
            township = townships[village.code[: REGION_PREFIX_LENGTHS[RegionLevel.TOWNSHIP]].ljust(12, "0")]
            register_number = f"YC{number:05d}"
            # Draw the same random numbers whether or not the household exists, so
            # every household's people stay the same however often this runs.
            surname = rng.choice(SURNAMES)
            group = rng.randint(1, 8)
            door = rng.randint(1, 60)
            if village.name.endswith("社区"):
                address = f"{county.name}{township.name}{village.name}{group}号楼{door}室"
            else:
                address = f"{county.name}{township.name}{village.name}{group}组{door}号"
            members = _draw_members(rng, surname)
            if register_number in existing:
                continue
            household = Household.objects.create(register_number=register_number, region=village, address=address)
            Person.objects.bulk_create(
                Person(household=household, region=village, address=address, **member) for member in members
            )
            created += 1
        backfill_identities()
    return created


def _identity_fields(person: Person, used: set[str]) -> dict[str, object]:
    """A valid ID number matching the person's county, birth date and gender; a phone for adults."""
    serial = person.pk
    number = make_id_number(DEMO_COUNTY_PREFIX, person.birth_date, serial, male=person.gender == Gender.MALE)
    while number in used:
        serial += 1
        number = make_id_number(DEMO_COUNTY_PREFIX, person.birth_date, serial, male=person.gender == Gender.MALE)
    used.add(number)
    rng = random.Random(person.pk)
    age = 2026 - person.birth_date.year
    phone = f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}" if age >= 18 else ""
    statuses: list[str] = []
    vulnerabilities: list[str] = []
    roll = rng.random()
    if roll < 0.35:
        statuses.append(AssistanceStatus.DIBAO)
    elif roll < 0.45:
        statuses.append(AssistanceStatus.TEKUN if age >= 60 else AssistanceStatus.DIBAO_EDGE)
    elif roll < 0.55:
        statuses.append(AssistanceStatus.RELAPSE_MONITORING)
    elif roll < 0.6:
        statuses.append(AssistanceStatus.EXPENDITURE_HARDSHIP)
    if age < 18:
        vulnerabilities.append(Vulnerability.MINOR)
        if rng.random() < 0.08:
            statuses.append(AssistanceStatus.DE_FACTO_UNSUPPORTED_CHILD)
    if age >= 75 and rng.random() < 0.4:
        vulnerabilities.append(Vulnerability.ELDERLY_NO_SELF_CARE)
    grade = None
    if rng.random() < 0.08:
        vulnerabilities.append(Vulnerability.DISABLED)
        grade = rng.randint(1, 4)
    if rng.random() < 0.07:
        vulnerabilities.append(Vulnerability.SERIOUS_ILLNESS)
    return {
        "id_number": number,
        "id_number_index": blind_index(number),
        "id_number_masked": mask_id_number(number),
        "phone": phone,
        "phone_masked": mask_phone(phone),
        "assistance_statuses": statuses,
        "vulnerabilities": vulnerabilities,
        "disability_grade": grade,
        "disability_details": "肢体残疾，行走需拐杖" if grade else "",
        "health": "尿毒症，每周透析三次" if Vulnerability.SERIOUS_ILLNESS in vulnerabilities else "",
    }


def backfill_identities() -> int:
    """Give demo people without an ID number a valid one (also upgrades older demo data)."""
    persons = list(Person.objects.filter(id_number_index__isnull=True, household__register_number__startswith="YC"))
    used = {
        p.id_number
        for p in Person.objects.filter(id_number_index__isnull=False, household__register_number__startswith="YC")
    }
    # One plain UPDATE per person: bulk_update's CASE over ten fields × every row cost seconds of
    # Python to build (what a test of seed_demo spent most of its time on); the effect is the same
    # (no save(), no signals either way).
    for person in persons:
        Person.objects.filter(pk=person.pk).update(**_identity_fields(person, used))
    return len(persons)


WARNING_RULES = [
    ("医疗支出超过家庭收入一半", WarningRuleKind.MEDICAL_SHARE, Decimal("0.50"), NeedCategory.MEDICAL),
    ("新发重病或残疾（30天内）", WarningRuleKind.NEW_ILLNESS_OR_DISABILITY, Decimal("30"), NeedCategory.MEDICAL),
    ("家庭收入下降三成以上", WarningRuleKind.INCOME_LOSS, Decimal("0.30"), NeedCategory.LIVING),
]

NEED_TEXTS = {
    NeedCategory.LIVING: "家中主要劳动力外出务工受伤，近两月无收入，米面油短缺",
    NeedCategory.MEDICAL: "住院化疗自付部分约2.3万元，医保报销后仍无力承担",
    NeedCategory.EDUCATION: "孩子考上延安市职业技术学院，学费和住宿费缺口约6000元",
    NeedCategory.HOUSING: "窑洞顶部渗水开裂，雨季有安全隐患，需要维修加固",
    NeedCategory.EMPLOYMENT: "妻子希望就近务工，想参加红枣加工技能培训",
    NeedCategory.CARE: "独居老人行动不便，需要定期上门探访和助餐",
    NeedCategory.PSYCHOLOGICAL: "丧偶后情绪低落，很少出门，需要心理疏导",
    NeedCategory.REHABILITATION: "中风后右侧肢体无力，需要康复训练和辅具",
    NeedCategory.LEGAL: "工伤赔偿被拖欠，需要法律援助",
    NeedCategory.GOODS: "冬季取暖需要煤炭和棉被",
    NeedCategory.OTHER: "孩子需要课后辅导和陪伴",
}


def seed_register_activity(organizations: dict[str, Organization], users: dict[str, User]) -> int:
    """Needs in every status, consents, government assistance and warning rules. Idempotent."""
    for name, kind, threshold, category in WARNING_RULES:
        WarningRule.objects.get_or_create(
            name=name, defaults={"kind": kind, "threshold": threshold, "category": category, "urgency": Urgency.URGENT}
        )
    persons = list(
        Person.objects.filter(household__register_number__startswith="YC").select_related("household").order_by("id")
    )
    if not persons or Need.objects.filter(person__household__register_number__startswith="YC").exists():
        return 0
    station = users.get("station")
    caseworker = users.get("caseworker")
    rng = random.Random(3)
    statuses = list(NeedStatus.values)
    categories = list(NeedCategory.values)
    sources = [
        NeedSource.VISIT,
        NeedSource.VISIT,
        NeedSource.PHONE,
        NeedSource.HOSPITAL,
        NeedSource.ONLINE,
        NeedSource.CHARITY_FOUND,
    ]
    heads = [p for p in persons if p.relation == Relation.HEAD]
    township = DEMO_COUNTY_PREFIX + "100"
    created = 0
    now = timezone.now()
    for index, person in enumerate(heads[:80]):
        category = NeedCategory(categories[index % len(categories)])
        logger = station if person.region_id.startswith(township) else caseworker
        need = Need.objects.create(
            person=person,
            region_id=person.region_id,
            category=category,
            urgency=rng.choice([Urgency.ROUTINE, Urgency.ROUTINE, Urgency.URGENT, Urgency.EMERGENCY]),
            description=NEED_TEXTS[category],
            amount_requested=Decimal(rng.choice([0, 500, 2000, 6000, 23000])) or None,
            source=sources[index % len(sources)],
            status=statuses[index % len(statuses)],
            logged_by=logger,
            logged_by_organization=logger.organization if logger else None,
        )
        Need.objects.filter(pk=need.pk).update(created_at=now - timedelta(days=index % 60, hours=index))
        created += 1
    # Money for the expenditure-hardship test and the medical-share warning.
    for index, head in enumerate(heads[:40]):
        household = head.household
        household.annual_income = str(Decimal(rng.randint(6, 40) * 1000))
        household.annual_essential_expenses = str(Decimal(rng.randint(3, 45) * 1000))
        household.annual_medical_expenses = str(Decimal(rng.randint(0, 30) * 1000)) if index % 3 == 0 else ""
        household.save()
    bureau = organizations["bureau"]
    office = organizations.get("yongping_office", bureau)
    programmes = [Programme.DIBAO, Programme.TEKUN, Programme.MEDICAL, Programme.TEMPORARY, Programme.EDUCATION]
    for index, person in enumerate(p for p in persons if p.assistance_statuses):
        if index >= 30:
            break
        year = 2026
        assistance_record_create(
            by=caseworker,
            person=person,
            programme=programmes[index % len(programmes)],
            amount=Decimal(rng.choice([480, 620, 1500, 3000, 5000])),
            period_start=date(year, 1, 1),
            period_end=date(year, 6, 30),
            granting_organization=bureau if index % 2 else office,
        )
    charity = organizations["charity"]
    for index, person in enumerate(heads[:12]):
        granted = now - timedelta(days=30 + index)
        Consent.objects.create(
            person=person,
            purposes=[ConsentPurpose.CHARITY_REFERRAL, ConsentPurpose.MATCHING, ConsentPurpose.FOLLOW_UP],
            recipient_scope=RecipientScope.ORGANIZATION if index % 2 else RecipientScope.NETWORK,
            recipient_organization=charity if index % 2 else None,
            fields=["name", "gender", "birth_date", "phone", "address", "assistance_statuses", "vulnerabilities"],
            method=ConsentMethod.VERBAL_WITNESSED,
            witness_name="村委会主任 张建军",
            granted_at=granted,
            expires_at=granted + timedelta(days=365),
            recorded_by=station or caseworker,
        )
    return created


def _draw_members(rng: random.Random, surname: str) -> list[dict[str, object]]:
    shape = rng.choice(["elderly_alone", "elderly_couple", "family", "family", "single_parent", "grandparent_child"])
    head_gender = Gender.MALE if rng.random() < 0.7 else Gender.FEMALE
    members: list[dict[str, object]] = []

    def add(relation: str, gender: str, min_age: int, max_age: int, own_surname: bool = True) -> None:
        name_surname = surname if own_surname else rng.choice(SURNAMES)
        age = rng.randint(min_age, max_age)
        name = name_surname + _given_name(rng, gender, age)
        while any(member["name"] == name for member in members):  # siblings never share a name
            name = name_surname + _given_name(rng, gender, age)
        members.append(
            {
                "relation": relation,
                "gender": gender,
                "name": name,
                "birth_date": _birth_date(rng, age),
            }
        )

    spouse_gender = Gender.FEMALE if head_gender == Gender.MALE else Gender.MALE
    child_gender = Gender.MALE if rng.random() < 0.5 else Gender.FEMALE
    if shape == "elderly_alone":
        add(Relation.HEAD, head_gender, 68, 92)
    elif shape == "elderly_couple":
        add(Relation.HEAD, head_gender, 62, 85)
        add(Relation.SPOUSE, spouse_gender, 60, 84, own_surname=False)
    elif shape == "family":
        add(Relation.HEAD, head_gender, 32, 55)
        add(Relation.SPOUSE, spouse_gender, 30, 53, own_surname=False)
        for _ in range(rng.randint(1, 3)):
            add(Relation.CHILD, child_gender, 2, 17)
            child_gender = Gender.MALE if rng.random() < 0.5 else Gender.FEMALE
        if rng.random() < 0.3:
            add(Relation.PARENT, Gender.FEMALE, 70, 90)
    elif shape == "single_parent":
        add(Relation.HEAD, head_gender, 28, 50)
        add(Relation.CHILD, child_gender, 3, 16)
    else:
        add(Relation.HEAD, head_gender, 60, 80)
        add(Relation.GRANDCHILD, child_gender, 4, 15)
    return members


# The public's doors (issue #16), kept in a module of their own; seed_demo finds them here.
from beneficiaries.demo_public import seed_online_applications as seed_online_applications  # noqa: E402
