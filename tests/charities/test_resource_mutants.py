"""Tests written for mutants of charities/services/resources.py that survived ``make mutation``
(docs/testing.md): places and money given back are recorded (by whom, for which referral, why),
giving a place back never reopens a resource its charity paused, and a second caller of the
delivery service gets the same refusals (SPEC rule 15)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from accounts.models import User
from cases.models import Referral
from charities.models import Resource, ResourceStatus, ResourceUsage, UsageKind
from charities.services import resource_record_delivery, resource_reserve_capacity
from core.errors import ReferralHubError
from tests.conftest import World, api_as
from tests.factories import ResourceFactory, make_consent, make_need, make_person
from tests.factories.cases import make_referral


def _sent(world: World, resource: Resource) -> Referral:
    person = make_person(world.our_village, name="王秀英")
    return make_referral(
        person=person,
        from_organization=world.bureau,
        to_organization=world.charity,
        status="sent",
        consent=make_consent(person, organization=world.charity, fields=["name"]),
        needs=[make_need(person, status="referred")],
        resource=resource,
    )


def _resource(world: World, **fields: object) -> Resource:
    defaults: dict[str, object] = {
        "capacity_people": 3,
        "people_left": 3,
        "capacity_amount": Decimal("10000"),
        "amount_left": Decimal("10000"),
        "per_person_limit": Decimal("2000"),
    }
    return ResourceFactory.create(organization=world.charity, **(defaults | fields))


def test_a_place_given_back_is_recorded_with_who_gave_it_back_for_which_referral_and_why(
    world: World, caseworker: User, charity_staff: User
) -> None:
    resource = _resource(world)
    referral = _sent(world, resource)
    assert api_as(charity_staff).post(f"/api/v1/referrals/{referral.pk}/accept/").status_code == 200
    answer = api_as(caseworker).post(f"/api/v1/referrals/{referral.pk}/withdraw/", {"reason": "家属已自行解决"})
    assert answer.status_code == 200, answer.content
    usages = ResourceUsage.objects.filter(resource=resource).order_by("id")
    assert [(u.kind, u.people, u.amount, u.referral_id, u.recorded_by, u.note) for u in usages] == [
        (UsageKind.RESERVATION, 1, Decimal("2000"), referral.pk, charity_staff, ""),
        (UsageKind.RELEASE, 1, Decimal("2000"), referral.pk, caseworker, "家属已自行解决"),
    ]
    assert usages[0].region_id == world.our_village.code  # where the place went, for the county figures
    resource.refresh_from_db()
    assert (resource.people_left, resource.amount_left, resource.people_helped) == (3, Decimal("10000"), 0)


def test_a_place_given_back_does_not_reopen_a_resource_its_charity_paused(
    world: World, caseworker: User, charity_staff: User
) -> None:
    resource = _resource(world)
    referral = _sent(world, resource)
    charity = api_as(charity_staff)
    assert charity.post(f"/api/v1/referrals/{referral.pk}/accept/").status_code == 200
    paused = charity.patch(f"/api/v1/resources/{resource.pk}/", {"status": "paused"}, format="json")
    assert paused.status_code == 200, paused.content
    answer = api_as(caseworker).post(f"/api/v1/referrals/{referral.pk}/withdraw/", {"reason": "家属已自行解决"})
    assert answer.status_code == 200, answer.content
    resource.refresh_from_db()
    assert (resource.status, resource.people_left) == (ResourceStatus.PAUSED, 3)  # the place back, still paused


def test_a_resource_with_a_per_person_limit_and_no_budget_gets_its_place_back(
    world: World, caseworker: User, charity_staff: User
) -> None:
    resource = _resource(world, capacity_amount=None, amount_left=None)
    referral = _sent(world, resource)
    assert api_as(charity_staff).post(f"/api/v1/referrals/{referral.pk}/accept/").status_code == 200
    answer = api_as(caseworker).post(f"/api/v1/referrals/{referral.pk}/withdraw/", {"reason": "家属已自行解决"})
    assert answer.status_code == 200, answer.content
    resource.refresh_from_db()
    assert (resource.people_left, resource.amount_left) == (3, None)


@pytest.mark.parametrize(
    ("given", "errors"),
    [
        ({"people": -1}, {"people": ["人数不能为负数。"]}),
        ({"people": 1, "amount": Decimal("-5")}, {"amount": ["金额不能为负数。"]}),
        (
            {"people": 1, "services": ["care_visit", "teleport", "flying"]},
            {"services": ["无法识别的服务类型：flying, teleport。"]},
        ),
    ],
)
def test_a_second_caller_of_the_delivery_service_gets_the_same_refusals(world: World, given, errors) -> None:
    resource = _resource(world)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        resource_record_delivery(resource=resource, by=None, **given)
    assert refused.value.message_dict == errors
    assert not ResourceUsage.objects.exists()


def test_money_given_without_counting_a_person_is_recorded(world: World) -> None:
    resource = _resource(world)
    resource_record_delivery(resource=resource, people=0, amount=Decimal("300"), by=None, note="集体慰问")
    resource.refresh_from_db()
    assert (resource.people_helped, resource.amount_delivered, resource.amount_left) == (
        0,
        Decimal("300"),
        Decimal("9700"),
    )


@pytest.mark.parametrize("amount", [None, Decimal("0"), Decimal("0.50")])
def test_goods_with_no_or_little_money_are_recorded(world: World, amount: Decimal | None) -> None:
    resource = _resource(world)
    resource_record_delivery(resource=resource, people=1, amount=amount, by=None, note="米面油")
    resource.refresh_from_db()
    assert (resource.people_helped, resource.amount_delivered) == (1, amount or Decimal(0))


def test_help_for_a_household_of_two_is_bounded_by_twice_the_per_person_limit(world: World) -> None:
    resource = _resource(world, name="临时救助金")
    resource_record_delivery(resource=resource, people=2, amount=Decimal("3500"), by=None)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        resource_record_delivery(resource=resource, people=2, amount=Decimal("4500"), by=None)
    assert refused.value.message_dict == {"amount": ["4500 元超过了“临时救助金”每人的限额（最多 4000.00 元）。"]}
    resource.refresh_from_db()
    assert (resource.people_helped, resource.amount_delivered) == (2, Decimal("3500"))


# --- resource_reserve_capacity: each refusal says why, in Chinese, with its code ---------------
TODAY = timezone.localdate()
REFUSED = {
    "full": ({"status": "full"}, {}, "resource_full", "“救助金”已没有剩余名额或预算。"),
    "paused": ({"status": "paused"}, {}, "resource_not_open", "“救助金”当前状态为已暂停，不接收新的个案。"),
    "not started": (
        {"starts_on": TODAY + timedelta(days=1)},
        {},
        "resource_not_started",
        f"“救助金”自 {(TODAY + timedelta(days=1)).isoformat()} 起实施，此前不接收个案。",
    ),
    "ended": (
        {"ends_on": TODAY - timedelta(days=1)},
        {},
        "resource_ended",
        f"“救助金”已于 {(TODAY - timedelta(days=1)).isoformat()} 结束。",
    ),
    "too few places": ({"people_left": 1}, {"people": 2}, "resource_full", "“救助金”仅剩 1 个名额，需要 2 个。"),
    "over the limit": (
        {},
        {"amount": Decimal("2500")},
        "resource_per_person_limit",
        "2500 元超过了每人 2000.00 元的限额。",
    ),
    "over the budget": (
        {"amount_left": Decimal("300")},
        {"amount": Decimal("500")},
        "resource_full",
        "“救助金”仅剩 300.00 元，需要 500 元。",
    ),
}


@pytest.mark.parametrize(("fields", "asked", "code", "message"), REFUSED.values(), ids=REFUSED.keys())
def test_a_refused_reservation_says_why_and_takes_nothing(world: World, fields, asked, code, message) -> None:
    resource = _resource(world, name="救助金", **fields)
    with translation.override("zh-hans"), pytest.raises(ReferralHubError) as refused:
        resource_reserve_capacity(resource=resource, by=None, **asked)
    assert (refused.value.code, refused.value.message) == (code, message)
    assert not ResourceUsage.objects.exists()


@pytest.mark.parametrize("asked", [{"people": -1}, {"people": 1, "amount": Decimal("-1")}])
def test_nothing_negative_is_reserved(world: World, asked) -> None:
    resource = _resource(world)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        resource_reserve_capacity(resource=resource, by=None, **asked)
    assert refused.value.messages == ["占用的人数和金额不能为负数。"]


@pytest.mark.parametrize(
    ("asked", "left"),
    [
        ({"people": 0, "amount": Decimal("500")}, (3, Decimal("9500"))),
        ({"people": 1, "amount": Decimal("0")}, (2, Decimal("10000"))),
        ({"people": 1, "amount": Decimal("0.50")}, (2, Decimal("9999.50"))),
    ],
)
def test_small_reservations_are_taken(world: World, asked, left) -> None:
    resource = _resource(world)
    resource_reserve_capacity(resource=resource, by=None, **asked)
    resource.refresh_from_db()
    assert (resource.people_left, resource.amount_left) == left


# --- resource_record_delivery: the status after help went out, and the delivery's record ---------
def test_the_last_money_delivered_makes_the_resource_full(world: World) -> None:
    resource = _resource(world, amount_left=Decimal("1000"), per_person_limit=None)
    resource_record_delivery(resource=resource, people=1, amount=Decimal("999"), by=None)
    resource.refresh_from_db()
    assert (resource.status, resource.amount_left) == (ResourceStatus.OPEN, Decimal("1"))  # one yuan is left
    resource_record_delivery(resource=resource, people=1, amount=Decimal("1"), by=None)
    resource.refresh_from_db()
    assert (resource.status, resource.amount_left) == (ResourceStatus.FULL, Decimal("0"))


def test_money_a_referral_held_and_did_not_spend_reopens_a_full_resource(world: World) -> None:
    resource = _resource(world, amount_left=Decimal("0"), status="full")
    resource_record_delivery(
        resource=resource, people=1, amount=Decimal("1500"), reserved_amount=Decimal("2000"), by=None
    )
    resource.refresh_from_db()
    assert (resource.status, resource.amount_left) == (ResourceStatus.OPEN, Decimal("500"))


def test_help_delivered_from_a_full_resource_that_leaves_it_exhausted_keeps_it_full(world: World) -> None:
    resource = _resource(world, amount_left=Decimal("0"), status="full")
    resource_record_delivery(
        resource=resource, people=1, amount=Decimal("2000"), reserved_amount=Decimal("2000"), by=None
    )
    resource.refresh_from_db()
    assert (resource.status, resource.amount_left) == (ResourceStatus.FULL, Decimal("0"))


@pytest.mark.parametrize("amount", [Decimal("500"), Decimal("1000")])
def test_help_delivered_from_a_paused_resource_leaves_it_paused(world: World, amount: Decimal) -> None:
    resource = _resource(world, amount_left=Decimal("1000"), per_person_limit=None, status="paused")
    resource_record_delivery(resource=resource, people=1, amount=amount, by=None)
    resource.refresh_from_db()
    assert resource.status == ResourceStatus.PAUSED


def test_help_reported_is_recorded_with_its_services_region_referral_and_reporter(
    world: World, charity_staff: User
) -> None:
    resource = _resource(world)
    referral = _sent(world, resource)
    charity = api_as(charity_staff)
    assert charity.post(f"/api/v1/referrals/{referral.pk}/accept/").status_code == 200
    assert charity.post(f"/api/v1/referrals/{referral.pk}/start/").status_code == 200
    feedback = {"outcome": "helped", "amount": "500", "items": "米面油", "services": ["care_visit"]}
    answer = charity.post(f"/api/v1/referrals/{referral.pk}/feedback/", feedback, format="json")
    assert answer.status_code == 200, answer.content
    delivery = ResourceUsage.objects.get(resource=resource, kind=UsageKind.DELIVERY)
    assert (delivery.people, delivery.amount, delivery.services, delivery.note) == (
        1,
        Decimal("500"),
        ["care_visit"],
        "米面油",
    )
    assert (delivery.region_id, delivery.referral_id, delivery.recorded_by) == (
        world.our_village.code,
        referral.pk,
        charity_staff,
    )


def test_a_resource_takes_cases_on_its_first_and_its_last_day(world: World) -> None:
    resource = _resource(world, starts_on=timezone.localdate(), ends_on=timezone.localdate())
    resource_reserve_capacity(resource=resource, by=None)
    resource.refresh_from_db()
    assert resource.people_left == 2


def test_a_household_of_two_may_hold_twice_the_per_person_limit(world: World) -> None:
    resource = _resource(world)
    usage = resource_reserve_capacity(resource=resource, people=2, amount=Decimal("3000"), by=None)
    assert (usage.people, usage.amount) == (2, Decimal("3000"))


def test_an_acceptance_holds_what_is_left_of_the_budget_down_to_the_last_fen(world: World) -> None:
    resource = _resource(world, amount_left=Decimal("0.50"))
    usage = resource_reserve_capacity(resource=resource, amount=Decimal("2000"), up_to_left=True, by=None)
    resource.refresh_from_db()
    assert (usage.amount, resource.amount_left, resource.status) == (Decimal("0.50"), Decimal("0"), ResourceStatus.FULL)


def test_a_place_without_money_holds_and_gives_back_no_money(
    world: World, caseworker: User, charity_staff: User
) -> None:
    resource = _resource(world, capacity_amount=None, amount_left=None, per_person_limit=None)
    referral = _sent(world, resource)
    assert api_as(charity_staff).post(f"/api/v1/referrals/{referral.pk}/accept/").status_code == 200
    answer = api_as(caseworker).post(f"/api/v1/referrals/{referral.pk}/withdraw/", {"reason": "家属已自行解决"})
    assert answer.status_code == 200, answer.content
    usages = ResourceUsage.objects.filter(resource=resource).order_by("id")
    assert [(u.kind, u.people, u.amount) for u in usages] == [
        (UsageKind.RESERVATION, 1, Decimal("0")),
        (UsageKind.RELEASE, 1, Decimal("0")),
    ]
