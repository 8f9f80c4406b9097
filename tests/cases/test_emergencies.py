"""救急难 (SPEC rule 9, issue #16 item 4): an emergency need tells the quick-response team of its
village or township and the county's on-call caseworker at once, in the app and by SMS; someone
picks it up and the others hear it is taken; nobody picking it up in time reaches the supervisors;
accepted and started referrals have deadlines with a reminder before and an escalation after."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import OnCallDuty, ResponseTeamMember, Role, User
from beneficiaries.models import Need
from cases.jobs import emergencies_escalate, referrals_deadlines_after_accept
from cases.models import Notification, Referral, ReferralEvent, ReferralStatus
from tests.cases.conftest import Case
from tests.conftest import World, api_as
from tests.factories import UserFactory
from tests.factories.cases import make_referral

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(world: World) -> User:
    """A village cadre on 永坪村's quick-response team (a station worker's account), with a phone."""
    member = UserFactory.create(
        username="cadre", role=Role.STATION_WORKER, organization=world.station, jurisdiction=world.our_township,
        phone="13900001111",
    )  # fmt: skip
    ResponseTeamMember.objects.create(user=member, region=world.our_village)
    return member


@pytest.fixture
def on_call(world: World) -> User:
    duty = UserFactory.create(
        username="duty", role=Role.CASEWORKER, organization=world.bureau, jurisdiction=world.our_county,
        phone="13900002222",
    )  # fmt: skip
    now = timezone.now()
    OnCallDuty.objects.create(
        user=duty, region=world.our_county, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=8)
    )
    return duty


def _emergency(user: User, case: Case) -> Need:
    body = {"person": case.person.pk, "category": "medical", "urgency": "emergency", "description": "突发重病"}
    answer = api_as(user).post("/api/v1/needs/", body, format="json")
    assert answer.status_code == 201, answer.content
    return Need.objects.get(pk=answer.json()["id"])


def _told(user: User, kind: str = "emergency_need") -> set[str]:
    return set(Notification.objects.filter(recipient=user, kind=kind).values_list("channel", flat=True))


def test_an_emergency_tells_the_team_and_the_on_call_caseworker_at_once_by_app_and_sms(
    world: World, case: Case, station_worker: User, caseworker: User, team: User, on_call: User
) -> None:
    _emergency(station_worker, case)
    assert _told(team) == {"in_app", "sms"}
    assert _told(on_call) == {"in_app", "sms"}
    assert _told(caseworker) == set(), "with someone on call, the rest of the county is not woken"
    assert all(case.person.name not in n.title for n in Notification.objects.all())


def test_with_nobody_on_call_every_caseworker_of_the_area_is_told(
    world: World, case: Case, station_worker: User, caseworker: User, team: User
) -> None:
    _emergency(station_worker, case)
    assert "in_app" in _told(caseworker) and "in_app" in _told(team)


def test_a_duty_that_ended_makes_nobody_on_call(
    world: World, case: Case, station_worker: User, caseworker: User, on_call: User
) -> None:
    old = UserFactory.create(username="old_duty", role=Role.CASEWORKER, jurisdiction=world.our_county)
    now = timezone.now()
    OnCallDuty.objects.create(user=old, region=world.our_county, starts_at=now - timedelta(days=2), ends_at=now)
    _emergency(station_worker, case)
    assert _told(old) == set() and _told(caseworker) == set()
    assert "in_app" in _told(on_call)


def test_the_team_member_picks_it_up_once_and_the_others_hear(
    world: World, case: Case, station_worker: User, team: User, on_call: User
) -> None:
    need = _emergency(station_worker, case)
    answer = api_as(team).post(f"/api/v1/needs/{need.pk}/pick-up/")
    assert answer.status_code == 200, answer.content
    assert answer.json()["responded_at"]
    assert "in_app" in _told(on_call, "emergency_picked_up")
    assert _told(team, "emergency_picked_up") == set(), "not told of their own answer"
    again = api_as(on_call).post(f"/api/v1/needs/{need.pk}/pick-up/")
    assert again.status_code == 409
    assert "已" in again.json()["detail"] and team.display_name in again.json()["detail"]


def test_who_may_not_pick_it_up_is_refused(
    world: World,
    case: Case,
    station_worker: User,
    supervisor: User,
    charity_staff: User,
    other_county_caseworker: User,
) -> None:
    need = _emergency(station_worker, case)
    assert api_as(supervisor).post(f"/api/v1/needs/{need.pk}/pick-up/").status_code == 403
    assert api_as(charity_staff).post(f"/api/v1/needs/{need.pk}/pick-up/").status_code == 403  # no register writes
    assert api_as(other_county_caseworker).post(f"/api/v1/needs/{need.pk}/pick-up/").status_code == 404
    need.refresh_from_db()
    assert need.responded_at is None


def test_nobody_picking_it_up_in_time_reaches_the_supervisors_once(
    world: World, case: Case, station_worker: User, supervisor: User, settings
) -> None:
    need = _emergency(station_worker, case)
    fresh = _emergency(station_worker, case)
    Need.objects.filter(pk=need.pk).update(created_at=timezone.now() - timedelta(hours=25))
    assert emergencies_escalate() == 1
    late = Notification.objects.get(recipient=supervisor, kind="emergency_late", channel="in_app")
    assert str(need.pk) in late.title and case.person.name not in late.title
    assert emergencies_escalate() == 0, "told once"
    Need.objects.filter(pk=fresh.pk).update(
        created_at=timezone.now() - timedelta(hours=25), responded_at=timezone.now()
    )
    assert emergencies_escalate() == 0, "a need someone picked up is not late"


def test_a_referral_made_for_the_need_stops_its_clock(
    world: World, case: Case, caseworker: User, station_worker: User
) -> None:
    need = _emergency(station_worker, case)
    body = {
        "direction": "to_charity",
        "person": case.person.pk,
        "to_organization": world.charity.pk,
        "consent": case.consent.pk,
        "needs": [need.pk],
        "shared_fields": ["name"],
        "urgency": "emergency",
        "note": "急需住院费用",
    }
    assert api_as(caseworker).post("/api/v1/referrals/", body, format="json").status_code == 201
    need.refresh_from_db()
    assert need.responded_by == caseworker


def test_the_board_shows_the_late_emergency_to_the_supervisor_and_no_one_else(
    world: World, case: Case, station_worker: User, supervisor: User, charity_staff: User, other_county_caseworker: User
) -> None:
    need = _emergency(station_worker, case)
    Need.objects.filter(pk=need.pk).update(created_at=timezone.now() - timedelta(hours=30))
    url = reverse("beneficiaries:emergency_board")
    client = Client()
    client.force_login(supervisor)
    page = client.get(url).content.decode()
    assert "1 条紧急需求已超时且无人响应" in page or "无人响应" in page
    assert case.person.name in page
    client.force_login(other_county_caseworker)
    assert case.person.name not in client.get(url).content.decode()
    client.force_login(charity_staff)
    assert client.get(url).status_code == 403


def test_the_need_page_offers_i_will_respond_to_the_team(
    world: World, case: Case, station_worker: User, team: User, supervisor: User
) -> None:
    need = _emergency(station_worker, case)
    page = reverse("beneficiaries:need_detail", args=[need.pk])
    client = Client()
    client.force_login(supervisor)
    assert "我来响应" not in client.get(page).content.decode()
    client.force_login(team)
    assert "我来响应" in client.get(page).content.decode()
    done = client.post(reverse("beneficiaries:need_pick_up", args=[need.pk]), follow=True).content.decode()
    assert "我来响应" not in done and team.display_name in done


def test_a_team_is_of_register_staff_only(world: World, charity_staff: User) -> None:
    member = ResponseTeamMember(user=charity_staff, region=world.our_village)
    with pytest.raises(ValidationError):
        member.full_clean()


# --- deadlines after acceptance -------------------------------------------------------------------
def _accepted(world: World, case: Case, charity_staff: User, urgency: str = "urgent") -> Referral:
    referral = make_referral(
        person=case.person,
        from_organization=world.bureau,
        to_organization=world.charity,
        consent=case.consent,
        needs=[case.need],
        urgency=urgency,
        status=ReferralStatus.SENT,
        respond_by=timezone.now() + timedelta(days=3),
    )
    assert api_as(charity_staff).post(f"/api/v1/referrals/{referral.pk}/accept/").status_code == 200
    referral.refresh_from_db()
    return referral


def test_accepting_sets_when_help_must_start_by_urgency(world: World, case: Case, charity_staff: User) -> None:
    referral = _accepted(world, case, charity_staff, urgency="urgent")
    assert referral.start_by is not None
    hours = (referral.start_by - timezone.now()).total_seconds() / 3600
    assert 71 < hours <= 72
    detail = api_as(charity_staff).get(f"/api/v1/referrals/{referral.pk}/").json()
    assert detail["start_by"] and detail["feedback_by"] is None


def test_help_not_started_is_reminded_then_escalated_once(
    world: World, case: Case, charity_staff: User, caseworker: User, supervisor: User
) -> None:
    referral = _accepted(world, case, charity_staff)
    Referral.objects.filter(pk=referral.pk).update(start_by=timezone.now() + timedelta(hours=2))
    assert referrals_deadlines_after_accept() == 1
    assert Notification.objects.filter(recipient=charity_staff, kind="reminder").exists()
    assert referrals_deadlines_after_accept() == 0, "one reminder"
    Referral.objects.filter(pk=referral.pk).update(start_by=timezone.now() - timedelta(hours=1))
    assert referrals_deadlines_after_accept() == 1
    assert Notification.objects.filter(recipient=caseworker, kind="deadline_late").exists()
    assert Notification.objects.filter(recipient=supervisor, kind="deadline_late").exists()
    assert ReferralEvent.objects.filter(referral=referral, action="escalate").count() == 1
    assert referrals_deadlines_after_accept() == 0, "one escalation"


def test_starting_sets_the_feedback_deadline_and_its_own_reminder(
    world: World, case: Case, charity_staff: User, caseworker: User
) -> None:
    referral = _accepted(world, case, charity_staff)
    Referral.objects.filter(pk=referral.pk).update(start_by=timezone.now() - timedelta(hours=1))
    referrals_deadlines_after_accept()  # late to start: escalated
    assert api_as(charity_staff).post(f"/api/v1/referrals/{referral.pk}/start/").status_code == 200
    referral.refresh_from_db()
    assert referral.late_escalated_at is None and referral.feedback_by is not None
    assert 14 <= (referral.feedback_by - timezone.now()).days <= 15  # urgent: 15 days
    Referral.objects.filter(pk=referral.pk).update(feedback_by=timezone.now() - timedelta(minutes=5))
    assert referrals_deadlines_after_accept() == 1
    late = Notification.objects.filter(recipient=caseworker, kind="deadline_late").order_by("-id").first()
    assert late is not None and "未在" in late.title and "反馈" in late.title


def test_a_referral_that_gave_feedback_is_not_chased(world: World, case: Case, charity_staff: User) -> None:
    referral = _accepted(world, case, charity_staff)
    api_as(charity_staff).post(f"/api/v1/referrals/{referral.pk}/start/")
    feedback = {"outcome": "helped", "amount": "100", "note": "已帮扶"}
    assert (
        api_as(charity_staff).post(f"/api/v1/referrals/{referral.pk}/feedback/", feedback, format="json").status_code
        == 200
    )
    Referral.objects.filter(pk=referral.pk).update(feedback_by=timezone.now() - timedelta(days=1))
    assert referrals_deadlines_after_accept() == 0
