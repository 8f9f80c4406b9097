"""Demo supply list for ``seed_demo``: profiles, resources in every status, help delivered, complaints.

Keyed by names, so running it again adds nothing.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone
from guardian.shortcuts import assign_perm

from accounts.models import User
from charities.models import Complaint, Resource, ResourceStatus, ResourceUsage, UsageKind
from charities.services import ResourceData, complaint_submit, resource_create, resource_record_delivery
from core.demo import DEMO_COUNTY, DEMO_TOWNSHIP
from core.models import Organization, Region

PROFILES: dict[str, dict[str, object]] = {
    "charity": {
        "registration_authority": "延川县民政局",
        "rating": "4A",
        "focus_groups": ["low_income", "elderly_no_self_care", "minor"],
        "contact_person": "张志强",
        "introduction": "立足延川，开展助学、助医、助老和临时救助衔接项目。",
        "disclosures": "2025年度工作报告已于2026年3月公开：全年募集善款312万元，支出287万元，其中助医142万元、助学96万元、助老49万元。年度审计由延安某会计师事务所完成，审计意见为标准无保留意见。",
    },
    "guangzhou_charity": {
        "registration_authority": "广州市民政局",
        "rating": "5A",
        "focus_groups": ["minor", "serious_illness"],
        "contact_person": "陈慧敏",
        "introduction": "广州市慈善会按照东西部协作和“以强带弱”安排，对口帮扶陕西延川县。",
        "disclosures": "对口帮扶延川县项目资金全部来自“广州慈善日”定向捐赠，每季度在本平台和本会网站公开收支明细。",
    },
    "red_cross": {
        "registration_authority": "延川县民政局",
        "focus_groups": ["serious_illness", "disabled"],
        "contact_person": "白海燕",
        "disclosures": "应急救护培训与大病救助款物收支每半年公开一次。",
    },
    "womens_federation": {"focus_groups": ["minor", "low_income"], "contact_person": "冯丽娟"},
    "social_work": {
        "registration_authority": "延川县民政局",
        "rating": "3A",
        "focus_groups": ["elderly_no_self_care", "disabled"],
        "contact_person": "高文斌",
    },
    "enterprise": {"focus_groups": ["low_income"], "contact_person": "马建军"},
    "volunteers": {"focus_groups": ["elderly_no_self_care"], "contact_person": "呼延平"},
    "other_charity": {"registration_authority": "延长县民政局", "rating": "3A", "contact_person": "刘晓燕"},
}

# (org key, name, kind, form, categories, purpose, regions, designated, people, budget, limit, status, extra)
RESOURCES: list[
    tuple[
        str,
        str,
        str,
        str,
        list[str],
        str,
        list[str],
        list[str],
        int | None,
        str | None,
        str | None,
        str,
        dict[str, object],
    ]
] = [
    (
        "charity",
        "“微心愿”困境儿童助学金",
        "project",
        "money",
        ["education"],
        "为低保、特困家庭及事实无人抚养儿童中的在校学生发放助学金，每学期一次。",
        [DEMO_COUNTY],
        [],
        40,
        "80000",
        "2000",
        ResourceStatus.OPEN,
        {
            "min_age": 6,
            "max_age": 18,
            "assistance_statuses": ["dibao", "tekun", "orphan", "de_facto_unsupported_child"],
            "vulnerabilities": ["minor"],
        },
    ),
    (
        "charity",
        "大病医疗救助专项基金",
        "fund",
        "money",
        ["medical"],
        "医保和医疗救助报销后个人负担仍超过家庭承受能力的大病患者，给予一次性救助。",
        [DEMO_COUNTY],
        [],
        20,
        "200000",
        "10000",
        ResourceStatus.OPEN,
        {
            "vulnerabilities": ["serious_illness"],
            "income_ceiling": "900",
            "conditions": ["白血病", "恶性肿瘤", "尿毒症"],
        },
    ),
    (
        "charity",
        "冬季取暖煤救助",
        "goods",
        "goods",
        ["living", "goods"],
        "为独居老人和低保户每户发放取暖煤1吨。",
        [DEMO_TOWNSHIP],
        [],
        3,
        None,
        None,
        ResourceStatus.FULL,
        {"assistance_statuses": ["dibao", "tekun"]},
    ),
    (
        "charity",
        "2026年春节慰问（已结束）",
        "project",
        "goods",
        ["living", "goods"],
        "春节前向困难家庭发放米面油慰问品。",
        [DEMO_COUNTY],
        [],
        120,
        "60000",
        "500",
        ResourceStatus.CLOSED,
        {},
    ),
    (
        "charity",
        "秋季助学金（筹备中）",
        "project",
        "money",
        ["education"],
        "九月开学前资助考入大学的困难家庭学生。",
        [DEMO_COUNTY],
        [],
        30,
        "150000",
        "5000",
        ResourceStatus.DRAFT,
        {"min_age": 17, "max_age": 24},
    ),
    (
        "guangzhou_charity",
        "广州—延川“以强带弱”儿童大病救助",
        "fund",
        "money",
        ["medical"],
        "广州市慈善会对口帮扶延川县，救助罹患白血病、先天性心脏病的0至18岁儿童。",
        [],
        [DEMO_COUNTY],
        15,
        "300000",
        "20000",
        ResourceStatus.OPEN,
        {
            "min_age": 0,
            "max_age": 18,
            "vulnerabilities": ["minor", "serious_illness"],
            "conditions": ["白血病", "先天性心脏病"],
        },
    ),
    (
        "red_cross",
        "“博爱送万家”应急救助包",
        "goods",
        "goods",
        ["goods", "living"],
        "向受灾家庭和突发困难家庭发放应急物资包。",
        [DEMO_COUNTY],
        [],
        200,
        None,
        None,
        ResourceStatus.OPEN,
        {},
    ),
    (
        "social_work",
        "失能老人居家探访照料",
        "service",
        "service",
        ["care", "psychological"],
        "社工每周上门探访，提供生活照料、心理慰藉和紧急联络。",
        [DEMO_TOWNSHIP],
        [],
        25,
        None,
        None,
        ResourceStatus.OPEN,
        {"min_age": 60, "vulnerabilities": ["elderly_no_self_care"]},
    ),
    (
        "social_work",
        "残疾人康复训练小组",
        "service",
        "service",
        ["rehabilitation"],
        "与县残联合作开展肢体康复训练，因场地维修暂停。",
        [DEMO_COUNTY],
        [],
        12,
        None,
        None,
        ResourceStatus.PAUSED,
        {"vulnerabilities": ["disabled"], "conditions": ["肢体残疾"]},
    ),
    (
        "womens_federation",
        "“春蕾计划”女童助学",
        "project",
        "money",
        ["education"],
        "资助困难家庭女童完成义务教育和高中学业。",
        [DEMO_COUNTY],
        [],
        50,
        "100000",
        "2000",
        ResourceStatus.OPEN,
        {"min_age": 6, "max_age": 18, "vulnerabilities": ["minor"]},
    ),
    (
        "enterprise",
        "红枣加工车间就业岗位",
        "service",
        "service",
        ["employment"],
        "为有劳动能力的低保、低保边缘家庭成员提供季节性就业岗位和技能培训。",
        [DEMO_COUNTY],
        [],
        30,
        None,
        None,
        ResourceStatus.OPEN,
        {"min_age": 18, "max_age": 60, "assistance_statuses": ["dibao", "dibao_edge", "relapse_monitoring"]},
    ),
    (
        "volunteers",
        "法律援助志愿咨询",
        "service",
        "service",
        ["legal"],
        "志愿律师每月到镇便民服务中心提供免费法律咨询。",
        [DEMO_COUNTY],
        [],
        None,
        None,
        None,
        ResourceStatus.OPEN,
        {},
    ),
    (
        "other_charity",
        "延长县困难群众临时救助金",
        "fund",
        "money",
        ["living"],
        "为延长县遭遇突发困难的家庭提供临时救助补充资金。",
        ["610621000000"],
        [],
        20,
        "40000",
        "2000",
        ResourceStatus.OPEN,
        {},
    ),
]

COMPLAINTS = [
    ("某村干部把助学金名额优先给了自己亲戚家的孩子，请核查。", "", "charity"),
    ("申请大病救助两个月没有回音，电话一直打不通。", "138****0000", "charity"),
    ("冬季取暖煤发放名单没有公示。", "", None),
]


def _seed_profiles(organizations: dict[str, Organization]) -> None:
    for key, fields in PROFILES.items():
        organization = organizations.get(key)
        if organization is None:
            continue
        changed = [name for name, value in fields.items() if getattr(organization, name) in ("", [], None) and value]
        for name in changed:
            setattr(organization, name, fields[name])
        if changed:
            organization.save(update_fields=changed)


def seed_supply(organizations: dict[str, Organization], users: dict[str, User]) -> int:
    """Profiles, resources and delivered help for the demo organizations; returns resources created."""
    _seed_profiles(organizations)
    charity_admin = users.get("charity")
    if charity_admin is not None and not charity_admin.has_perm("core.manage_staff", organizations["charity"]):
        assign_perm("core.manage_staff", charity_admin, organizations["charity"])
    rng = random.Random(20261122)
    today = timezone.localdate()
    villages = list(Region.objects.filter(code__startswith=DEMO_COUNTY[:6], level=5).values_list("code", flat=True))
    created = 0
    for (
        key,
        name,
        kind,
        form,
        categories,
        purpose,
        regions,
        designated,
        people,
        budget,
        limit,
        status,
        extra,
    ) in RESOURCES:
        organization = organizations[key]
        if Resource.objects.filter(organization=organization, name=name).exists():
            continue
        closed = status == ResourceStatus.CLOSED
        data = ResourceData(
            name=name,
            kind=kind,
            form=form,
            categories=categories,
            purpose=purpose,
            service_region_codes=regions,
            designated_county_codes=designated,
            capacity_people=people,
            capacity_amount=Decimal(budget) if budget else None,
            per_person_limit=Decimal(limit) if limit else None,
            starts_on=date(today.year, 1, 1) if not closed else date(today.year, 1, 10),
            ends_on=date(today.year, 12, 31) if not closed else date(today.year, 2, 20),
            min_age=extra.get("min_age"),  # type: ignore[arg-type]
            max_age=extra.get("max_age"),  # type: ignore[arg-type]
            assistance_statuses=list(extra.get("assistance_statuses", [])),  # type: ignore[call-overload]
            vulnerabilities=list(extra.get("vulnerabilities", [])),  # type: ignore[call-overload]
            income_ceiling=Decimal(str(extra["income_ceiling"])) if "income_ceiling" in extra else None,
            conditions=list(extra.get("conditions", [])),  # type: ignore[call-overload]
        )
        resource = resource_create(organization=organization, data=data, by=charity_admin if key == "charity" else None)
        created += 1
        # How much has gone out: a full resource used everything, a closed one most, an open one part.
        used = 0
        if people:
            used_by_status: dict[str, int] = {
                ResourceStatus.FULL: people,
                ResourceStatus.CLOSED: people - 7,
                ResourceStatus.OPEN: people // 3,
            }
            used = used_by_status.get(status, 0)
            if key == "guangzhou_charity":
                used = 3  # a small count: the public sees "<5"
        per_person = Decimal(limit) if limit else Decimal(0)
        if used:
            Resource.objects.filter(pk=resource.pk).update(
                people_left=(people or 0) - used,
                amount_left=(Decimal(budget) - per_person * used) if budget else None,
            )
        for index in range(used):
            region = rng.choice(villages) if villages else DEMO_COUNTY
            when = timezone.now() - timedelta(days=rng.randint(0, 90))
            ResourceUsage.objects.create(
                resource=resource, kind=UsageKind.RESERVATION, people=1, amount=per_person, occurred_at=when
            )
            if index % 4 != 3 or closed:  # a few accepted cases are still being helped
                resource_record_delivery(
                    resource=resource,
                    people=1,
                    amount=per_person if form == "money" else None,
                    reserved_amount=per_person if budget else None,
                    services=["care_visit"] if form == "service" else [],
                    region=Region.objects.get(code=region),
                    by=None,
                    occurred_at=when + timedelta(days=3),
                )
        Resource.objects.filter(pk=resource.pk).update(status=status)
    if not Complaint.objects.exists():
        for content, contact, org_key in COMPLAINTS:
            complaint_submit(
                content=content,
                contact=contact,
                about_organization=organizations[org_key] if org_key else None,
                region=Region.objects.get(code=DEMO_COUNTY),
            )
    return created
