"""About 200 demo households with realistic names and addresses.

Generated from a fixed seed so every run produces the same people; households
are keyed by register number, so running again adds nothing.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.db import transaction

from beneficiaries.models import Gender, Household, Person, Relation
from core.models import Region, RegionLevel
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
