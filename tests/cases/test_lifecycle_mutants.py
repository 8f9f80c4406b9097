"""Tests written for mutants of the referral step services in cases/services/lifecycle.py that
survived ``make mutation`` (docs/testing.md, fifth run): what each step tells both sides, word for
word, what the timeline and the audit log keep of it, and what a feedback records."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts.models import Role, User
from audit.models import AuditEntry
from beneficiaries.models import TextMessage
from cases import services
from cases.jobs import referrals_expire_overdue
from cases.models import Notification, Referral, ReferralStatus
from cases.services import Feedback
from charities.models import ResourceUsage, UsageKind
from tests.cases.conftest import Case, referral_to_our_charity
from tests.conftest import World, api_as
from tests.factories import ResourceFactory, UserFactory, make_consent

CHARITY = "延川县慈善协会"
OFFICE = "延川县民政局"


@pytest.fixture
def office_colleague(world: World) -> User:
    """A second caseworker of the referring office: hears the office's side of a step a caseworker took."""
    return UserFactory.create(
        username="caseworker2", role=Role.CASEWORKER, organization=world.bureau, jurisdiction=world.our_county
    )


@pytest.fixture
def charity_colleague(world: World) -> User:
    """A second member of the charity's staff: hears the charity's side of a step a colleague took."""
    return UserFactory.create(username="charity_b", role=Role.CHARITY_STAFF, organization=world.charity)


def _told(user: User, referral: Referral) -> tuple[str, str, str]:
    row = Notification.objects.get(recipient=user, referral=referral, channel="in_app")
    return row.kind, row.title_in("zh-hans"), row.body_in("zh-hans")


def _step(user: User, referral: Referral, action: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    answer = api_as(user).post(f"/api/v1/referrals/{referral.pk}/{action}/", body or {}, format="json")
    assert answer.status_code == 200, answer.content
    return answer.json()


NAMED = "关于 王秀英（转介 {ref}）。"
UNNAMED = "关于转介 {ref} 所涉人员。"
# (step, state before, who takes it, request body, kind,
#  the office's title ending and body, the charity's title ending and body); {ref} is the reference.
STEPS = [
    (
        "decline",
        ReferralStatus.SENT,
        "charity_staff",
        {"reason": "超出服务范围"},
        "declined",
        (f"{CHARITY} 已拒绝，请转介至其他机构", NAMED + " 超出服务范围"),
        ("已退回", UNNAMED + " 超出服务范围"),
    ),
    (
        "start",
        ReferralStatus.ACCEPTED,
        "charity_staff",
        None,
        "started",
        (f"{CHARITY} 已开始帮扶", NAMED),
        ("已开始帮扶", NAMED),
    ),
    (
        "feedback",
        ReferralStatus.IN_PROGRESS,
        "charity_staff",
        {"outcome": "helped", "items": "米面油", "note": "已送到家中"},
        "feedback",
        (f"{CHARITY} 已反馈：已帮扶", NAMED + " 已送到家中"),
        ("反馈：已帮扶", NAMED + " 已送到家中"),
    ),
    (
        "feedback",
        ReferralStatus.IN_PROGRESS,
        "charity_staff",
        {"outcome": "not_helped", "note": "本人拒绝"},
        "feedback",
        (f"{CHARITY} 已反馈：未能帮扶", NAMED + " 本人拒绝"),
        ("反馈：未能帮扶", NAMED + " 本人拒绝"),
    ),
    (
        "close",
        ReferralStatus.COMPLETED,
        "caseworker",
        None,
        "closed",
        ("已结案", NAMED),
        ("已由民政部门结案", UNNAMED),
    ),
    (
        "withdraw",
        ReferralStatus.ACCEPTED,
        "caseworker",
        {"reason": "情况变化"},
        "withdrawn",
        ("已撤回", NAMED + " 情况变化"),
        (f"{OFFICE} 已撤回", UNNAMED + " 该转介已撤回，您将不再看到其详细信息。"),
    ),
]


@pytest.mark.parametrize(
    ("action", "before", "actor", "body", "kind", "office_hears", "charity_hears"),
    STEPS,
    ids=["decline", "start", "helped", "not helped", "close", "withdraw"],
)
def test_each_step_tells_the_office_and_the_charity_in_their_own_words(
    world: World,
    case: Case,
    caseworker: User,
    charity_staff: User,
    office_colleague: User,
    charity_colleague: User,
    request: pytest.FixtureRequest,
    action: str,
    before: str,
    actor: str,
    body: dict[str, Any] | None,
    kind: str,
    office_hears: tuple[str, str],
    charity_hears: tuple[str, str],
) -> None:
    # SPEC rule 13: every step tells the other side; the acting user's colleagues hear their side's text.
    referral = referral_to_our_charity(world, case, status=before, needs=[case.need])
    acting: User = request.getfixturevalue(actor)
    _step(acting, referral, action, body)
    ref = referral.reference
    office_user, charity_user = (
        (office_colleague, charity_staff) if acting == caseworker else (caseworker, charity_colleague)
    )
    title, text = office_hears
    assert _told(office_user, referral) == (kind, f"转介 {ref}：{title}", text.format(ref=ref))
    title, text = charity_hears
    assert _told(charity_user, referral) == (kind, f"转介 {ref}：{title}", text.format(ref=ref))
    assert not Notification.objects.filter(recipient=acting, referral=referral).exists()


def test_no_answer_in_time_tells_the_office_the_deadline_and_the_charity_it_expired(
    world: World, case: Case, caseworker: User, charity_staff: User
) -> None:
    due = timezone.now() - timedelta(minutes=1)
    referral = referral_to_our_charity(world, case, status=ReferralStatus.SENT, needs=[case.need], respond_by=due)
    assert referrals_expire_overdue() == 1
    ref = referral.reference
    when = timezone.localtime(due).strftime("%Y-%m-%d %H:%M")
    assert _told(caseworker, referral) == (
        "expired",
        f"转介 {ref}：{CHARITY} 未在期限内答复，请转介给其他组织",
        f"关于 王秀英（转介 {ref}）。 答复期限为 {when}。",
    )
    assert _told(charity_staff, referral) == ("expired", f"转介 {ref}：逾期未答复", f"关于转介 {ref} 所涉人员。")


# --- what the timeline and the audit log keep of a step ------------------------------------
ENDS = [
    ("decline", ReferralStatus.SENT, "charity_staff", {"reason": "超出服务范围"}, "超出服务范围", {}),
    ("start", ReferralStatus.ACCEPTED, "charity_staff", None, "", {}),
    (
        "feedback",
        ReferralStatus.IN_PROGRESS,
        "charity_staff",
        {"outcome": "helped", "amount": "800", "note": "已送到家中"},
        "已送到家中",
        {"outcome": "helped", "amount": "800.00"},
    ),
    ("close", ReferralStatus.COMPLETED, "caseworker", None, "", {}),
    ("withdraw", ReferralStatus.ACCEPTED, "caseworker", {"reason": "情况变化"}, "情况变化", {}),
]


@pytest.mark.parametrize(("action", "before", "actor", "body", "reason", "details"), ENDS, ids=[e[0] for e in ENDS])
def test_each_step_is_in_the_timeline_and_the_audit_log_with_who_took_it_and_why(
    world: World,
    case: Case,
    caseworker: User,
    charity_staff: User,
    request: pytest.FixtureRequest,
    action: str,
    before: str,
    actor: str,
    body: dict[str, Any] | None,
    reason: str,
    details: dict[str, str],
) -> None:
    referral = referral_to_our_charity(world, case, status=before, needs=[case.need])
    acting: User = request.getfixturevalue(actor)
    after = _step(acting, referral, action, body)["status"]
    last = api_as(caseworker).get(f"/api/v1/referrals/{referral.pk}/").json()["events"][-1]
    assert (last["action"], last["from_status"], last["to_status"], last["reason"], last["actor"]) == (
        action,
        before,
        after,
        reason,
        acting.display_name,
    )
    entry = AuditEntry.objects.filter(target_type="cases.referral", target_id=str(referral.pk)).latest("id")
    assert (entry.actor, entry.reason) == (acting, reason)
    assert entry.changes == {"step": action, "from": before, "to": after, **details}


# --- what a feedback records -------------------------------------------------------------
def test_a_feedback_is_kept_on_the_referral_as_reported(world: World, case: Case, charity_staff: User) -> None:
    referral = referral_to_our_charity(world, case, status=ReferralStatus.IN_PROGRESS, needs=[case.need])
    helped_on = timezone.localdate() - timedelta(days=2)
    report = {
        "outcome": "partially_helped",
        "amount": "300.50",
        "items": " 米面油 ",
        "services": ["care_visit", "legal_aid", "care_visit"],
        "note": " 其余需医保 ",
        "helped_on": helped_on.isoformat(),
    }
    _step(charity_staff, referral, "feedback", report)
    referral.refresh_from_db()
    assert (
        referral.status,
        referral.outcome,
        referral.amount,
        referral.items,
        referral.services,
        referral.feedback_note,
        referral.helped_on,
    ) == (
        ReferralStatus.COMPLETED,
        "partially_helped",
        Decimal("300.50"),
        "米面油",
        ["care_visit", "legal_aid"],
        "其余需医保",
        helped_on,
    )


def test_help_reported_enters_the_ledger_with_what_was_given_where_for_whom_and_by_whom(
    world: World, case: Case, charity_staff: User
) -> None:
    # SPEC rule 15: the resource's totals and the county figures count each delivery.
    resource = ResourceFactory.create(
        organization=world.charity,
        capacity_people=3,
        people_left=3,
        capacity_amount=Decimal("10000"),
        amount_left=Decimal("10000"),
        per_person_limit=Decimal("2000"),
    )
    referral = referral_to_our_charity(world, case, needs=[case.need], resource=resource)
    _step(charity_staff, referral, "accept")
    _step(charity_staff, referral, "start")
    items = "米" * 310
    _step(
        charity_staff,
        referral,
        "feedback",
        {"outcome": "helped", "amount": "1500", "items": items, "services": ["care_visit"]},
    )
    usage = ResourceUsage.objects.get(resource=resource, kind=UsageKind.DELIVERY)
    assert (usage.people, usage.amount, usage.services, usage.region, usage.recorded_by, usage.referral_id) == (
        1,
        Decimal("1500"),
        ["care_visit"],
        referral.region,
        charity_staff,
        referral.pk,
    )
    assert usage.note == "米" * 300
    resource.refresh_from_db()
    # One place used, 1500 spent and the other 500 of the 2000 held back in the budget.
    assert (resource.people_left, resource.amount_left) == (2, Decimal("8500"))
    referral.refresh_from_db()
    assert (referral.capacity_reserved, referral.amount_reserved) == (False, None)


def test_help_given_on_a_day_not_named_is_dated_today(world: World, case: Case, charity_staff: User) -> None:
    referral = referral_to_our_charity(world, case, status=ReferralStatus.IN_PROGRESS, needs=[case.need])
    body = _step(charity_staff, referral, "feedback", {"outcome": "helped", "items": "米面油"})
    assert date.fromisoformat(body["helped_on"]) == timezone.localdate()


# --- a second caller of a step service is refused for the wrong side -------------------------
WRONG_SIDE = [
    ("decline", ReferralStatus.SENT, "caseworker", {"reason": "超出服务范围"}),
    ("start", ReferralStatus.ACCEPTED, "caseworker", {}),
    ("feedback", ReferralStatus.IN_PROGRESS, "caseworker", {"feedback": Feedback(outcome="helped", items="米面油")}),
    ("close", ReferralStatus.COMPLETED, "charity_staff", {}),
    ("withdraw", ReferralStatus.ACCEPTED, "charity_staff", {"reason": "情况变化"}),
]


@pytest.mark.parametrize(("action", "before", "wrong", "arguments"), WRONG_SIDE, ids=[w[0] for w in WRONG_SIDE])
def test_a_second_caller_of_each_step_service_is_refused_for_the_wrong_side(
    world: World,
    case: Case,
    request: pytest.FixtureRequest,
    action: str,
    before: str,
    wrong: str,
    arguments: dict[str, Any],
) -> None:
    # The API checks the side before the service; the service checks it again for any other caller
    # (the office does not decline, start or report help; the charity does not close or withdraw).
    referral = referral_to_our_charity(world, case, status=before, needs=[case.need])
    service = getattr(services, f"referral_{action}")
    with pytest.raises(PermissionDenied):
        service(referral=referral, by=request.getfixturevalue(wrong), **arguments)
    referral.refresh_from_db()
    assert referral.status == before


def test_a_fast_track_accept_and_start_records_the_start_as_the_charitys_fast_track_step(
    world: World, case: Case, caseworker: User, charity_staff: User
) -> None:
    referral = referral_to_our_charity(world, case, urgency="emergency", fast_track=True, needs=[case.need])
    _step(charity_staff, referral, "accept", {"start": True})
    events = api_as(caseworker).get(f"/api/v1/referrals/{referral.pk}/").json()["events"]
    assert [(e["action"], e["to_status"], e["actor"]) for e in events[-2:]] == [
        ("accept", ReferralStatus.ACCEPTED, charity_staff.display_name),
        ("start", ReferralStatus.IN_PROGRESS, charity_staff.display_name),
    ]
    started = AuditEntry.objects.filter(target_type="cases.referral", target_id=str(referral.pk)).latest("id")
    assert started.actor == charity_staff
    assert started.changes == {"step": "start", "from": "accepted", "to": "in_progress", "fast_track": True}


def test_the_person_is_texted_the_referral_number_in_chinese_when_a_charity_takes_the_case(
    world: World, case: Case, charity_staff: User, django_capture_on_commit_callbacks: Any
) -> None:
    make_consent(case.person, purposes=["contact"])
    referral = referral_to_our_charity(world, case, needs=[case.need])
    with django_capture_on_commit_callbacks(execute=True):
        _step(charity_staff, referral, "accept")
    message = TextMessage.objects.get()
    assert (message.person, message.phone_masked, message.template, message.params) == (
        case.person,
        "138****5678",
        "referral_accepted",
        {"reference": referral.reference},
    )
    assert message.text == f"您的转介 {referral.reference} 已被帮扶机构接收，对方将与您联系。"
