"""Demo data for the public's doors (issue #16): two online applications in 永坪镇, one waiting for
the station's call back, one called back (so the queue shows 回电期限 and the lookup 核实中). Idempotent."""

from __future__ import annotations

from django.utils import timezone

from accounts.models import User
from beneficiaries import consent_texts
from beneficiaries.models import OnlineApplication, Person, Relation, Urgency
from beneficiaries.services.applications import application_submit
from core.models import RegionLevel

DEMO_COUNTY_PREFIX = "610622"  # beneficiaries.demo's county (this module is imported by it)

# (phone, categories, urgency, story): two household heads of 永坪镇 who applied online themselves.
APPLICATIONS = (
    ("13991110001", ["medical"], Urgency.URGENT, "丈夫今年查出尿毒症，每周透析三次，医药费远超家里收入，孩子还在上高中。"),
    ("13991110002", ["living", "care"], Urgency.ROUTINE, "老伴去年中风后卧床，我一个人照顾，家里只有一点低保金，冬天取暖也困难。"),
)  # fmt: skip


def seed_online_applications(users: dict[str, User]) -> int:
    if OnlineApplication.objects.exists():
        return 0
    heads = list(
        Person.objects.filter(
            region__code__startswith=f"{DEMO_COUNTY_PREFIX}100",
            region__level=RegionLevel.VILLAGE,
            relation=Relation.HEAD,
            household__register_number__startswith="YC",
        )
        .exclude(id_number="")
        .select_related("region")
        .order_by("id")[: len(APPLICATIONS)]
    )
    created = 0
    for person, (phone, categories, urgency, story) in zip(heads, APPLICATIONS, strict=False):
        receipt = application_submit(
            name=person.name,
            id_number=person.id_number,
            applicant_kind="family",
            household_size=3,
            region=person.region,
            what_happened=story,
            categories=categories,
            urgency=urgency,
            phone=phone,
            consent_version=consent_texts.CURRENT_VERSION,
            agrees=True,
            may_text=True,
            client="demo",
        )
        created += not receipt.already_received
    station = users.get("station")
    first = OnlineApplication.objects.order_by("id").first()
    if first is not None:
        OnlineApplication.objects.filter(pk=first.pk).update(called_back_at=timezone.now(), called_back_by=station)
    return created
