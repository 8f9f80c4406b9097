"""Tests written for mutants of ``check_transition`` (cases/transitions.py) that survived
``make mutation`` (docs/testing.md): a step on a referral of the wrong direction, and the deadline
job's step asked for by a person, are refused with their own code and Chinese text."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from accounts.models import User
from cases.models import Notification
from cases.services import referral_create_to_charity, referral_expire
from cases.transitions import check_transition
from tests.cases.conftest import Case, referral_to_our_charity
from tests.conftest import World, api_as
from tests.factories.cases import make_referral


def test_deciding_on_a_referral_to_a_charity_is_refused_in_chinese(
    world: World, case: Case, charity_staff: User
) -> None:
    referral = referral_to_our_charity(world, case, direction="to_charity", status="in_progress", needs=[case.need])
    answer = api_as(charity_staff).post(f"/api/v1/referrals/{referral.pk}/decide/", {"eligible": False, "reason": "x"})
    assert answer.status_code == 409
    assert answer.json()["code"] == "referral_wrong_direction"
    assert answer.json()["detail"] == "只有转介至民政部门的案件才需要作出认定。"
    referral.refresh_from_db()
    assert referral.status == "in_progress"


def test_feedback_on_a_referral_to_government_is_refused_in_chinese(world: World, case: Case, caseworker: User) -> None:
    referral = make_referral(
        person=case.person,
        from_organization=world.charity,
        to_organization=world.bureau,
        direction="to_government",
        status="in_progress",
        consent=case.consent,
        needs=[case.need],
    )
    answer = api_as(caseworker).post(
        f"/api/v1/referrals/{referral.pk}/feedback/", {"outcome": "helped", "amount": "500"}
    )
    assert answer.status_code == 409
    assert answer.json()["code"] == "referral_wrong_direction"
    assert answer.json()["detail"] == "转介至民政部门的案件以民政部门的认定结束，而非帮扶反馈。"
    referral.refresh_from_db()
    assert referral.status == "in_progress"


def test_a_person_is_refused_the_deadline_jobs_expire_step_in_chinese(
    world: World, case: Case, caseworker: User, charity_staff: User
) -> None:
    # ``expire`` has no URL; a second caller of the transition check naming a person is refused.
    referral = referral_to_our_charity(world, case, status="sent", needs=[case.need])
    for person in (caseworker, charity_staff):
        with pytest.raises(PermissionDenied) as refused:
            check_transition("expire", referral, person)
        assert str(refused.value) == "只有到期任务才能将转介标记为过期。"
    assert check_transition("expire", referral, None).target == "expired"  # the job itself may


# --- a step refused in the wrong state names the state and the step as its button says it ------
WRONG_STATE = [
    # action, direction, status, taken by the referring office (else the receiving side), body
    ("send", "to_charity", "sent", True, {}, "已发送", "发送"),
    ("accept", "to_charity", "accepted", False, {}, "已接收", "接收"),
    ("decline", "to_charity", "accepted", False, {"reason": "超出服务范围"}, "已接收", "退回"),
    ("start", "to_charity", "sent", False, {}, "已发送", "开始帮扶"),
    ("feedback", "to_charity", "accepted", False, {"outcome": "helped", "amount": "500"}, "已接收", "反馈帮扶结果"),
    ("decide", "to_government", "sent", False, {"eligible": False, "reason": "不符合条件"}, "已发送", "作出认定"),
    ("close", "to_charity", "in_progress", True, {}, "帮扶中", "结束转介"),
    ("withdraw", "to_charity", "completed", True, {"reason": "重复登记"}, "已完成", "撤回"),
    ("rerefer", "to_charity", "accepted", True, {"reason": "再转介"}, "已接收", "重新转介"),
]


@pytest.mark.parametrize(("action", "direction", "status", "by_referrer", "body", "state", "label"), WRONG_STATE)
def test_a_step_in_the_wrong_state_is_refused_naming_the_state_and_the_button_in_chinese(
    world: World,
    case: Case,
    caseworker: User,
    charity_staff: User,
    action: str,
    direction: str,
    status: str,
    by_referrer: bool,
    body: dict[str, Any],
    state: str,
    label: str,
) -> None:
    office_refers = direction == "to_charity"
    referral = make_referral(
        person=case.person,
        from_organization=world.bureau if office_refers else world.charity,
        to_organization=world.charity if office_refers else world.bureau,
        direction=direction,
        status=status,
        consent=case.consent,
        needs=[case.need],
    )
    user = (
        (caseworker if office_refers else charity_staff)
        if by_referrer
        else (charity_staff if office_refers else caseworker)
    )
    if action == "rerefer":
        body = {**body, "to_organization": case.third_charity.pk, "consent": case.consent.pk}
    answer = api_as(user).post(f"/api/v1/referrals/{referral.pk}/{action}/", body, format="json")
    assert answer.status_code == 409, answer.content
    assert answer.json()["detail"] == f"此转介当前为“{state}”，现在不能“{label}”。请刷新页面查看最新状态。"
    referral.refresh_from_db()
    assert referral.status == status


# --- the timeline and the news of a step (mutants of add_event and tell_side survived) ----------
def test_the_timeline_names_who_took_a_step_and_their_organization_and_the_job_as_the_system(
    world: World, case: Case, caseworker: User
) -> None:
    referral = referral_create_to_charity(
        by=caseworker, person=case.person, to_organization=world.charity, consent=case.consent, needs=[case.need]
    )
    created = api_as(caseworker).get(f"/api/v1/referrals/{referral.pk}/").json()["events"]
    assert [(e["action"], e["from_status"], e["to_status"], e["reason"], e["organization"]) for e in created] == [
        ("create", "", "draft", "", world.bureau.name)
    ]
    assert created[0]["actor"] == caseworker.display_name
    due = referral_to_our_charity(
        world, case, status="sent", needs=[case.need], respond_by=timezone.now() - timedelta(minutes=1)
    )
    assert referral_expire(referral_id=due.pk) is True
    last = api_as(caseworker).get(f"/api/v1/referrals/{due.pk}/").json()["events"][-1]
    assert (last["action"], last["from_status"], last["to_status"]) == ("expire", "sent", "expired")
    assert (last["actor"], last["organization"]) == ("系统", "")


def test_a_decline_tells_the_referring_office_why_after_whom_it_is_about(
    world: World, case: Case, caseworker: User, charity_staff: User
) -> None:
    referral = referral_to_our_charity(world, case, status="sent", needs=[case.need])
    answer = api_as(charity_staff).post(f"/api/v1/referrals/{referral.pk}/decline/", {"reason": "超出服务范围"})
    assert answer.status_code == 200, answer.content
    row = Notification.objects.get(recipient=caseworker, referral=referral, channel="in_app")
    assert row.body_in("zh-hans") == f"关于 王秀英（转介 {referral.reference}）。 超出服务范围"
    events = api_as(caseworker).get(f"/api/v1/referrals/{referral.pk}/").json()["events"]
    assert (events[-1]["action"], events[-1]["reason"]) == ("decline", "超出服务范围")  # the timeline keeps why


def test_the_page_says_which_step_was_done_as_its_button_says_it(world: World, case: Case, caseworker: User) -> None:
    referral = make_referral(
        person=None,
        region=world.our_village,
        from_organization=world.charity,
        to_organization=world.bureau,
        direction="to_government",
        status="sent",
        person_details={"name": "王秀英", "region": world.our_village.code},
    )
    office = Client()
    office.force_login(caseworker)
    accepted = office.post(f"/cases/{referral.pk}/accept/", follow=True).content.decode()
    assert "办理成功：接收。" in accepted
    linked = office.post(f"/cases/{referral.pk}/link_person/", {"person": case.person.pk}, follow=True)
    assert "办理成功：关联到名册。" in linked.content.decode()
    referral.refresh_from_db()
    assert referral.person == case.person
