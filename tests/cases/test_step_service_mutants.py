"""Tests written for mutants of the referral step services (cases/services/lifecycle.py and
referrals.py) that survived ``make mutation`` (docs/testing.md, third run): what an acceptance
records on the resource, and the refusal of accepting and starting a referral that is not fast-track."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Role, User
from cases.models import Notification, ReferralStatus
from charities.models import ResourceUsage, UsageKind
from tests.cases.conftest import Case, referral_to_our_charity
from tests.conftest import World, api_as
from tests.factories import ResourceFactory, UserFactory


def test_an_acceptance_records_the_place_taken_with_who_took_it_for_which_referral_and_region(
    world: World, case: Case, charity_staff: User
) -> None:
    resource = ResourceFactory.create(
        organization=world.charity,
        capacity_people=3,
        people_left=3,
        capacity_amount=Decimal("10000"),
        amount_left=Decimal("10000"),
        per_person_limit=Decimal("2000"),
    )
    referral = referral_to_our_charity(world, case, resource=resource)
    assert api_as(charity_staff).post(f"/api/v1/referrals/{referral.pk}/accept/").status_code == 200
    usage = ResourceUsage.objects.get(resource=resource)
    assert (usage.kind, usage.people, usage.referral_id, usage.recorded_by, usage.region) == (
        UsageKind.RESERVATION,
        1,
        referral.pk,
        charity_staff,
        referral.region,
    )


def test_accepting_and_starting_a_referral_that_is_not_fast_track_is_refused_in_chinese(
    world: World, case: Case, charity_staff: User
) -> None:
    referral = referral_to_our_charity(world, case)
    client = api_as(charity_staff)
    answer = client.post(
        f"/api/v1/referrals/{referral.pk}/accept/", {"start": True}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert answer.status_code == 409
    assert answer.json() == {
        "detail": "只有简化程序的转介才能一步完成接收并开始帮扶。",
        "code": "referral_not_fast_track",
    }
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT


def _due(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@pytest.mark.parametrize(("urgency", "hours"), [("routine", 7 * 24), ("urgent", 3 * 24), ("emergency", 24)])
def test_an_acceptance_gives_the_charity_its_start_deadline_by_urgency(
    world: World, case: Case, charity_staff: User, urgency: str, hours: int
) -> None:
    # SPEC state machine: accepted → help starts within 7 days (routine), 3 days (urgent), 24 h (emergency).
    referral = referral_to_our_charity(world, case, urgency=urgency)
    before = timezone.now()
    answer = api_as(charity_staff).get(f"/api/v1/referrals/{referral.pk}/")
    feedback_by_before = answer.json()["feedback_by"]
    answer = api_as(charity_staff).post(f"/api/v1/referrals/{referral.pk}/accept/")
    assert answer.status_code == 200, answer.content
    body = api_as(charity_staff).get(f"/api/v1/referrals/{referral.pk}/").json()
    assert body["status"] == ReferralStatus.ACCEPTED
    start_by = _due(body["start_by"])
    assert before + timedelta(hours=hours) <= start_by <= timezone.now() + timedelta(hours=hours)
    assert body["feedback_by"] == feedback_by_before


def test_accepting_and_starting_a_fast_track_referral_sets_the_feedback_deadline(
    world: World, case: Case, charity_staff: User
) -> None:
    # Started → feedback within 7 days for an emergency (SPEC state machine).
    referral = referral_to_our_charity(world, case, urgency="emergency", fast_track=True)
    before = timezone.now()
    answer = api_as(charity_staff).post(f"/api/v1/referrals/{referral.pk}/accept/", {"start": True}, format="json")
    assert answer.status_code == 200, answer.content
    body = api_as(charity_staff).get(f"/api/v1/referrals/{referral.pk}/").json()
    assert body["status"] == ReferralStatus.IN_PROGRESS
    feedback_by = _due(body["feedback_by"])
    assert before + timedelta(days=7) <= feedback_by <= timezone.now() + timedelta(days=7)


@pytest.mark.parametrize(
    ("fast_track", "body", "step"),
    [(False, {}, "已接收"), (True, {"start": True}, "已接收并开始帮扶")],
    ids=["accept", "accept and start"],
)
def test_an_acceptance_tells_the_office_who_took_it_and_the_charitys_colleagues_that_a_colleague_did(
    world: World,
    case: Case,
    charity_staff: User,
    caseworker: User,
    tasks_in_process: None,
    fast_track: bool,
    body: dict[str, bool],
    step: str,
) -> None:
    colleague = UserFactory.create(username="charity2", role=Role.CHARITY_STAFF, organization=world.charity)
    referral = referral_to_our_charity(world, case, fast_track=fast_track)
    answer = api_as(charity_staff).post(f"/api/v1/referrals/{referral.pk}/accept/", body, format="json")
    assert answer.status_code == 200, answer.content
    office = Notification.objects.get(recipient=caseworker, referral=referral, channel="in_app")
    assert office.kind == "accepted"
    assert f"{world.charity.name} {step}" in office.title
    assert ("开始帮扶" in office.title) == fast_track
    told = Notification.objects.get(recipient=colleague, referral=referral, channel="in_app")
    assert told.kind == "accepted"
    assert step in told.title
    assert ("开始帮扶" in told.title) == fast_track
    assert told.body.endswith("。 一位同事已接收此案。")
