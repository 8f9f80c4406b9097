"""Every end of a referral (declined, withdrawn, expired, not helped, closed) puts its needs where
they belong and gives back the places and money it held, through one step (SPEC state machine)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import User
from beneficiaries.models import NeedStatus
from cases.jobs import referrals_expire_overdue
from cases.models import Referral, ReferralStatus
from cases.transitions import TRANSITIONS, move
from charities.models import Resource
from tests.cases.conftest import Case
from tests.conftest import World, api_as
from tests.factories import ResourceFactory
from tests.factories.cases import make_referral


def _resource(world: World) -> Resource:
    return ResourceFactory.create(
        organization=world.charity,
        capacity_people=3,
        people_left=3,
        capacity_amount=Decimal("10000"),
        amount_left=Decimal("10000"),
        per_person_limit=Decimal("2000"),
    )


def _sent(world: World, case: Case, resource: Resource | None = None) -> Referral:
    referral = make_referral(
        person=case.person,
        from_organization=world.bureau,
        to_organization=world.charity,
        consent=case.consent,
        needs=[case.need],
        resource=resource,
    )
    case.need.status = NeedStatus.REFERRED
    case.need.save(update_fields=["status"])
    return referral


def _need_status(case: Case) -> str:
    case.need.refresh_from_db()
    return case.need.status


def _left(resource: Resource) -> tuple[int | None, Decimal | None]:
    resource.refresh_from_db()
    return resource.people_left, resource.amount_left


def test_a_decline_reopens_the_need_for_matching(world: World, case: Case, charity_staff: User) -> None:
    referral = _sent(world, case)
    answer = api_as(charity_staff).post(f"/api/v1/referrals/{referral.pk}/decline/", {"reason": "超出服务范围"})
    assert answer.status_code == 200, answer.content
    assert _need_status(case) == NeedStatus.OPEN


def test_withdrawing_an_accepted_referral_gives_back_its_place_and_money(
    world: World, case: Case, caseworker: User, charity_staff: User
) -> None:
    resource = _resource(world)
    referral = _sent(world, case, resource)
    assert api_as(charity_staff).post(f"/api/v1/referrals/{referral.pk}/accept/").status_code == 200
    assert _left(resource) == (2, Decimal("8000"))
    answer = api_as(caseworker).post(f"/api/v1/referrals/{referral.pk}/withdraw/", {"reason": "家属已自行解决"})
    assert answer.status_code == 200, answer.content
    assert _left(resource) == (3, Decimal("10000"))
    assert _need_status(case) == NeedStatus.OPEN


def test_not_helped_gives_back_the_place_and_money_and_the_need_stays_open_after_closing(
    world: World, case: Case, caseworker: User, charity_staff: User
) -> None:
    resource = _resource(world)
    referral = _sent(world, case, resource)
    charity = api_as(charity_staff)
    charity.post(f"/api/v1/referrals/{referral.pk}/accept/")
    charity.post(f"/api/v1/referrals/{referral.pk}/start/")
    answer = charity.post(
        f"/api/v1/referrals/{referral.pk}/feedback/", {"outcome": "not_helped", "note": "本人拒绝"}, format="json"
    )
    assert answer.status_code == 200, answer.content
    assert _left(resource) == (3, Decimal("10000"))
    assert _need_status(case) == NeedStatus.OPEN
    assert api_as(caseworker).post(f"/api/v1/referrals/{referral.pk}/close/").json()["status"] == "closed"
    assert _need_status(case) == NeedStatus.OPEN  # back in matching, not stuck as "referred"


def test_partly_helped_reopens_the_need_when_closed(
    world: World, case: Case, caseworker: User, charity_staff: User
) -> None:
    referral = _sent(world, case)
    charity = api_as(charity_staff)
    charity.post(f"/api/v1/referrals/{referral.pk}/accept/")
    charity.post(f"/api/v1/referrals/{referral.pk}/start/")
    charity.post(
        f"/api/v1/referrals/{referral.pk}/feedback/",
        {"outcome": "partially_helped", "items": "一部分药品", "note": "其余需医保"},
        format="json",
    )
    assert _need_status(case) == NeedStatus.REFERRED  # still with the charity until closed
    api_as(caseworker).post(f"/api/v1/referrals/{referral.pk}/close/")
    assert _need_status(case) == NeedStatus.OPEN


def test_helped_and_closed_leaves_the_need_fulfilled_and_the_place_used(
    world: World, case: Case, caseworker: User, charity_staff: User
) -> None:
    resource = _resource(world)
    referral = _sent(world, case, resource)
    charity = api_as(charity_staff)
    charity.post(f"/api/v1/referrals/{referral.pk}/accept/")
    charity.post(f"/api/v1/referrals/{referral.pk}/start/")
    charity.post(f"/api/v1/referrals/{referral.pk}/feedback/", {"outcome": "helped", "amount": "1500"}, format="json")
    api_as(caseworker).post(f"/api/v1/referrals/{referral.pk}/close/")
    assert _need_status(case) == NeedStatus.FULFILLED
    # The place is used, 1500 spent, the unspent 500 of the reservation back in the budget.
    assert _left(resource) == (2, Decimal("8500"))


def test_expiry_reopens_the_need_and_gives_back_what_was_held(world: World, case: Case) -> None:
    referral = _sent(world, case)
    Referral.objects.filter(pk=referral.pk).update(respond_by=timezone.now() - timedelta(minutes=1))
    assert referrals_expire_overdue() == 1
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.EXPIRED and referral.ended_at is not None
    assert _need_status(case) == NeedStatus.OPEN
    assert list(referral.events.values_list("action", flat=True)) == ["expire"]


def test_expiry_is_a_step_of_the_state_machine_no_person_takes(
    world: World, case: Case, charity_staff: User, caseworker: User
) -> None:
    assert TRANSITIONS["expire"].target == ReferralStatus.EXPIRED
    referral = _sent(world, case)
    page = api_as(charity_staff).get(f"/api/v1/referrals/{referral.pk}/")
    assert page.status_code == 200
    for user in (charity_staff, caseworker):
        assert api_as(user).post(f"/api/v1/referrals/{referral.pk}/expire/").status_code == 404


def test_a_mistyped_action_changes_nothing(world: World, case: Case) -> None:
    referral = _sent(world, case)
    with pytest.raises(ValueError, match="unknown referral action"):
        move(referral, action="acept", by=None)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT  # not silently expired
