"""Tests written for mutants of ``follow_up_record`` (cases/services/follow_ups.py) that survived
``make mutation`` (docs/testing.md): who may record a follow-up visit (抽样回访, SPEC rule 10) and what
the others are told, the answers a visit takes, its refusals in Chinese, and the referral's timeline
entry that says who visited and what they noted."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone, translation

from accounts.models import User
from cases.models import FollowUp, FollowUpStatus, ReferralStatus
from cases.services import follow_up_record
from cases.transitions import ReferralError
from tests.cases.conftest import Case, referral_to_our_charity
from tests.conftest import World, api_as

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
