"""Tests written for mutants of charities/services/resources.py that survived ``make mutation``
(docs/testing.md): places and money given back are recorded (by whom, for which referral, why),
giving a place back never reopens a resource its charity paused, and a second caller of the
delivery service gets the same refusals (SPEC rule 15)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from accounts.models import User
from cases.models import Referral
from charities.models import Resource, ResourceStatus, ResourceUsage, UsageKind
from charities.services import resource_record_delivery
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
