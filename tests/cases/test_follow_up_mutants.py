"""Tests written for mutants of ``follow_up_record`` (cases/services/follow_ups.py) that survived
``make mutation`` (docs/testing.md): who may record a follow-up visit (抽样回访, SPEC rule 10) and what
the others are told, the answers a visit takes, its refusals in Chinese, and the referral's timeline
entry that says who visited and what they noted."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone, translation

from accounts.models import Role, User
from beneficiaries.models import Person
from cases.models import Direction, FollowUp, FollowUpStatus, Notification, Referral, ReferralEvent, ReferralStatus
from cases.services import follow_up_record, follow_ups_sample
from cases.transitions import ReferralError
from core.models import OrganizationKind, Region
from tests.cases.conftest import Case, referral_to_our_charity
from tests.conftest import World, api_as
from tests.factories import OrganizationFactory, UserFactory, make_consent, make_person
from tests.factories.cases import make_referral

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit(world: World, case: Case) -> FollowUp:
    """A due follow-up visit to 王秀英 (our township) after help from our charity."""
    referral = referral_to_our_charity(world, case, needs=[case.need], status=ReferralStatus.COMPLETED)
    return FollowUp.objects.create(
        referral=referral, region=case.person.region, station=world.station, due_on=timezone.localdate()
    )


def _post(user: User, visit: FollowUp, **fields: str) -> Client:
    client = Client()
    client.force_login(user)
    client.response = client.post(  # type: ignore[attr-defined]
        f"/cases/follow-ups/{visit.pk}/", {"satisfaction": "4", "need_met": "1", "note": "", **fields}, follow=True
    )
    return client


def _messages(client: Client) -> list[str]:
    return [str(m) for m in client.response.context["messages"]]  # type: ignore[attr-defined]


@pytest.mark.parametrize("satisfaction", [1, 2, 3, 4, 5])
def test_every_satisfaction_from_1_to_5_is_recorded_from_the_page(
    station_worker: User, visit: FollowUp, satisfaction: int
) -> None:
    client = _post(station_worker, visit, satisfaction=str(satisfaction), need_met="0")
    assert _messages(client) == ["回访已登记。"]
    visit.refresh_from_db()
    assert (visit.status, visit.satisfaction, visit.need_met) == (FollowUpStatus.DONE, satisfaction, False)


@pytest.mark.parametrize("who", ["supervisor", "admin_user"])
def test_those_who_read_visits_but_do_not_make_them_are_told_who_records_in_chinese(
    request: pytest.FixtureRequest, visit: FollowUp, who: str
) -> None:
    client = _post(request.getfixturevalue(who), visit)
    assert _messages(client) == ["只有此人所在地的服务站或民政经办人员可以登记回访。"]
    visit.refresh_from_db()
    assert (visit.status, visit.satisfaction) == (FollowUpStatus.DUE, None)


def test_a_visit_dated_tomorrow_is_refused_in_chinese(station_worker: User, visit: FollowUp) -> None:
    tomorrow = timezone.localdate() + timedelta(days=1)
    client = _post(station_worker, visit, visited_on=tomorrow.isoformat())
    assert _messages(client) == ["回访日期不能晚于今天。"]
    visit.refresh_from_db()
    assert visit.status == FollowUpStatus.DUE


@pytest.mark.parametrize("satisfaction", [0, 6])
def test_a_second_caller_gets_every_refusal_of_a_visit_by_its_field_in_chinese(
    station_worker: User, visit: FollowUp, satisfaction: int
) -> None:
    tomorrow = timezone.localdate() + timedelta(days=1)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        follow_up_record(
            follow_up=visit, by=station_worker, satisfaction=satisfaction, need_met=True, visited_on=tomorrow
        )
    assert refused.value.message_dict == {
        "satisfaction": ["请选择满意度，1（很不满意）至 5（很满意）。"],
        "visited_on": ["回访日期不能晚于今天。"],
    }
    visit.refresh_from_db()
    assert visit.status == FollowUpStatus.DUE


def test_a_visit_recorded_twice_is_refused_with_its_code(
    station_worker: User, caseworker: User, visit: FollowUp
) -> None:
    follow_up_record(follow_up=visit, by=caseworker, satisfaction=4, need_met=True)
    with translation.override("zh-hans"), pytest.raises(ReferralError) as refused:
        follow_up_record(follow_up=visit, by=station_worker, satisfaction=2, need_met=False)
    assert (refused.value.message, refused.value.code) == ("此回访已登记过。", "follow_up_done")
    visit.refresh_from_db()
    assert (visit.satisfaction, visit.visited_by) == (4, caseworker)


def test_a_visit_a_second_caller_records_without_a_note_keeps_no_note(station_worker: User, visit: FollowUp) -> None:
    recorded = follow_up_record(follow_up=visit, by=station_worker, satisfaction=5, need_met=True)
    assert (recorded.note, recorded.visited_on) == ("", timezone.localdate())
    assert recorded.referral.events.get(action="follow_up").reason == ""


def test_the_referrals_timeline_says_who_visited_for_which_office_and_what_they_noted(
    station_worker: User, caseworker: User, visit: FollowUp
) -> None:
    client = _post(
        station_worker, visit, satisfaction="2", need_met="0", note="  仍需透析费用  ", visited_on="2026-01-05"
    )
    assert _messages(client) == ["回访已登记。"]
    events = api_as(caseworker).get(f"/api/v1/referrals/{visit.referral_id}/").json()["events"]
    (entry,) = [e for e in events if e["action"] == "follow_up"]
    assert {k: entry[k] for k in ("from_status", "to_status", "actor", "organization", "reason")} == {
        "from_status": "completed",
        "to_status": "completed",
        "actor": station_worker.display_name,
        "organization": "永坪镇民政服务站",
        "reason": "仍需透析费用",
    }
    # The timeline row keeps the answers with it, as every step's row keeps its data.
    assert visit.referral.events.get(action="follow_up").data == {"satisfaction": 2, "need_met": False}
    visit.refresh_from_db()
    assert (visit.note, visit.visited_on, visit.visited_by) == ("仍需透析费用", date(2026, 1, 5), station_worker)


# --- follow_ups_sample and station_for_region: which referrals become visits, for whom -----------
def _completed(world: World, person: Person, *, feedback_at: datetime, **kwargs: Any) -> Referral:
    """A referral of ``person`` to our charity whose feedback (help given) came at ``feedback_at``."""
    referral = make_referral(
        person=person,
        from_organization=world.bureau,
        to_organization=kwargs.pop("to_organization", world.charity),
        status=kwargs.pop("status", ReferralStatus.COMPLETED),
        consent=kwargs.pop("consent", None),
        **kwargs,
    )
    event = ReferralEvent.objects.create(referral=referral, action="feedback", to_status="completed")
    ReferralEvent.objects.filter(pk=event.pk).update(at=feedback_at)
    return referral


def _sampled() -> set[int]:
    return set(FollowUp.objects.values_list("referral_id", flat=True))


def test_the_weekly_job_samples_the_configured_share_and_dates_the_visit_two_weeks_ahead(
    world: World, case: Case, settings: Any
) -> None:
    settings.FOLLOW_UP_SHARE, settings.FOLLOW_UP_DUE_DAYS = 1.0, 14
    referrals = [_completed(world, case.person, feedback_at=timezone.now()) for _ in range(2)]
    assert follow_ups_sample() == 2  # the job passes neither share nor random source
    assert _sampled() == {r.pk for r in referrals}
    assert set(FollowUp.objects.values_list("due_on", flat=True)) == {timezone.localdate() + timedelta(days=14)}


@pytest.mark.parametrize("share", [0, -2])
def test_no_share_samples_nobody(world: World, case: Case, share: float) -> None:
    _completed(world, case.person, feedback_at=timezone.now())
    assert follow_ups_sample(share=share, rng=random.Random(1)) == 0
    assert not FollowUp.objects.exists()


def test_only_referrals_to_a_charity_helped_in_the_past_seven_days_are_sampled(world: World, case: Case) -> None:
    now = timezone.now()
    within = _completed(world, case.person, feedback_at=now - timedelta(days=7) + timedelta(hours=1))
    _completed(world, case.person, feedback_at=now - timedelta(days=7) - timedelta(hours=1))
    _completed(
        world,
        case.person,
        feedback_at=now,
        direction=Direction.TO_GOVERNMENT,
        to_organization=world.other_bureau,
        status=ReferralStatus.CLOSED,
    )
    _completed(world, case.person, feedback_at=now, status=ReferralStatus.IN_PROGRESS)
    closed_this_week = _completed(
        world, case.person, feedback_at=now - timedelta(days=30), status=ReferralStatus.CLOSED
    )
    ReferralEvent.objects.create(referral=closed_this_week, action="close", to_status="closed")
    assert follow_ups_sample(now=now, share=1.0, rng=random.Random(1)) == 1
    assert _sampled() == {within.pk}


def test_a_catch_up_run_asks_the_consent_and_dates_the_visit_as_of_the_day_it_runs_for(
    world: World, settings: Any
) -> None:
    settings.FOLLOW_UP_DUE_DAYS = 14
    then = timezone.now() - timedelta(days=3)
    person = make_person(world.our_village, name="李桂兰")
    make_consent(person, purposes=["follow_up"], granted_at=timezone.now() - timedelta(days=10), days=8)  # expired
    referral = _completed(world, person, feedback_at=then - timedelta(days=1))
    assert follow_ups_sample(now=then, share=1.0, rng=random.Random(1)) == 1
    assert FollowUp.objects.get(referral=referral).due_on == timezone.localdate(then) + timedelta(days=14)


def test_the_visit_goes_to_the_persons_township_station_whose_active_workers_are_told_its_date(
    world: World, case: Case, station_worker: User, caseworker: User, settings: Any
) -> None:
    settings.FOLLOW_UP_DUE_DAYS = 14
    # Not the station's: a worker who left, another role filed under the station, a worker elsewhere.
    UserFactory.create(username="left", role=Role.STATION_WORKER, organization=world.station, is_active=False)
    UserFactory.create(
        username="filed", role=Role.SUPERVISOR, organization=world.station, jurisdiction=world.our_township
    )
    elsewhere = OrganizationFactory.create(
        kind=OrganizationKind.SERVICE_STATION, credit_code="", region=world.other_township
    )
    UserFactory.create(username="station2", role=Role.STATION_WORKER, organization=elsewhere)
    OrganizationFactory.create(
        kind=OrganizationKind.SERVICE_STATION, credit_code="", region=world.our_township, is_active=False
    )
    referral = _completed(world, case.person, feedback_at=timezone.now())
    assert follow_ups_sample(share=1.0, rng=random.Random(1)) == 1
    assert FollowUp.objects.get(referral=referral).station == world.station
    due = (timezone.localdate() + timedelta(days=14)).isoformat()
    told = Notification.objects.filter(kind="follow_up")
    assert {(n.recipient, n.title, n.referral_id) for n in told} == {
        (station_worker, f"请在 {due} 前完成回访", referral.pk)
    }


def test_a_township_without_a_station_gets_its_visit_with_nobody_to_tell(world: World, settings: Any) -> None:
    person = make_person(Region.objects.get(code="610622102201"), name="张三")  # 文安驿村: no station
    make_consent(person, purposes=["follow_up"])
    referral = _completed(world, person, feedback_at=timezone.now())
    assert follow_ups_sample(share=1.0, rng=random.Random(1)) == 1
    visit = FollowUp.objects.get(referral=referral)
    assert (visit.station, visit.region_id) == (None, person.region_id)
    assert not Notification.objects.filter(kind="follow_up").exists()


def test_the_visit_goes_to_the_townships_active_service_station_not_its_office_or_a_closed_station(
    world: World,
) -> None:
    village = Region.objects.get(code="610622102201")  # 文安驿村, in 文安驿镇
    OrganizationFactory.create(kind=OrganizationKind.TOWNSHIP_OFFICE, credit_code="", region=world.other_township)
    OrganizationFactory.create(
        kind=OrganizationKind.SERVICE_STATION, credit_code="", region=world.other_township, is_active=False
    )
    station = OrganizationFactory.create(
        kind=OrganizationKind.SERVICE_STATION, credit_code="", region=world.other_township
    )
    person = make_person(village, name="张三")
    make_consent(person, purposes=["follow_up"])
    referral = _completed(world, person, feedback_at=timezone.now())
    assert follow_ups_sample(share=1.0, rng=random.Random(1)) == 1
    assert FollowUp.objects.get(referral=referral).station == station
