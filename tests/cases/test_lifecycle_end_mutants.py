"""Tests written for mutants of cases/services/lifecycle.py that survived ``make mutation``
(docs/testing.md, fifth run): the reason a decline or a withdrawal needs, the deadlines after a
start, what every end gives back (places, money, needs, the charity's sight of the person), the
deadline job's expiry, and the feedback refusals a second caller gets."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from accounts.models import User
from audit.models import AuditEntry
from beneficiaries.models import Need, NeedStatus
from cases.jobs import referrals_expire_overdue
from cases.models import Referral, ReferralStatus
from cases.services import Feedback, referral_expire, referral_feedback, referrals_withdraw_for_consent
from charities.models import Resource, ResourceUsage, UsageKind
from tests.cases.conftest import Case, referral_to_our_charity
from tests.conftest import World, api_as
from tests.factories import ResourceFactory, make_need


def _post(user: User, referral: Referral, action: str, body: dict[str, Any] | None = None) -> Any:
    return api_as(user).post(
        f"/api/v1/referrals/{referral.pk}/{action}/", body or {}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )


def _resource(world: World, **kwargs: Any) -> Resource:
    fields = {
        "capacity_people": 3,
        "people_left": 3,
        "capacity_amount": Decimal("10000"),
        "amount_left": Decimal("10000"),
        "per_person_limit": Decimal("2000"),
    }
    return ResourceFactory.create(organization=world.charity, **(fields | kwargs))


def _referred(world: World, case: Case, **kwargs: Any) -> Referral:
    """A referral of the case's need, the need marked referred as sending leaves it."""
    referral = referral_to_our_charity(world, case, needs=[case.need], **kwargs)
    Need.objects.filter(pk=case.need.pk).update(status=NeedStatus.REFERRED)
    return referral


def _left(resource: Resource) -> tuple[int | None, Decimal | None]:
    resource.refresh_from_db()
    return resource.people_left, resource.amount_left


# --- a decline and a withdrawal say why --------------------------------------------------
REASON_NEEDED = [
    ("decline", "charity_staff", "请说明退回原因，以便民政部门转介给其他组织。"),
    ("withdraw", "caseworker", "请说明撤回转介的原因。"),
]


@pytest.mark.parametrize(("action", "actor", "message"), REASON_NEEDED, ids=["decline", "withdraw"])
@pytest.mark.parametrize("reason", ["", "   "], ids=["empty", "blank"])
def test_a_decline_or_withdrawal_without_a_reason_is_refused_in_chinese(
    world: World, case: Case, request: pytest.FixtureRequest, action: str, actor: str, message: str, reason: str
) -> None:
    referral = _referred(world, case, status=ReferralStatus.ACCEPTED if action == "withdraw" else ReferralStatus.SENT)
    before = referral.status
    answer = _post(request.getfixturevalue(actor), referral, action, {"reason": reason})
    assert answer.status_code == 400
    assert answer.json()["reason"] == [message]
    referral.refresh_from_db()
    assert referral.status == before


@pytest.mark.parametrize(("action", "actor"), [("decline", "charity_staff"), ("withdraw", "caseworker")])
def test_the_reason_is_kept_as_typed_without_the_spaces_around_it(
    world: World, case: Case, caseworker: User, request: pytest.FixtureRequest, action: str, actor: str
) -> None:
    referral = _referred(world, case, status=ReferralStatus.ACCEPTED if action == "withdraw" else ReferralStatus.SENT)
    assert _post(request.getfixturevalue(actor), referral, action, {"reason": "  情况变化 "}).status_code == 200
    events = api_as(caseworker).get(f"/api/v1/referrals/{referral.pk}/").json()["events"]
    assert (events[-1]["action"], events[-1]["reason"]) == (action, "情况变化")


# --- the deadlines after a start -----------------------------------------------------------
@pytest.mark.parametrize("urgency", ["routine", "urgent", "emergency"])
def test_starting_gives_the_feedback_deadline_by_urgency_and_clears_the_late_flags_of_the_start(
    world: World, case: Case, charity_staff: User, urgency: str
) -> None:
    # SPEC state machine: started → feedback within 30 / 15 / 7 days; the late reminder and the
    # escalation sent for the start deadline start again for the new one.
    late = timezone.now() - timedelta(hours=1)
    referral = referral_to_our_charity(
        world,
        case,
        status=ReferralStatus.ACCEPTED,
        urgency=urgency,
        start_by=late,
        late_reminded_at=late,
        late_escalated_at=late,
    )
    before = timezone.now()
    assert _post(charity_staff, referral, "start").status_code == 200
    referral.refresh_from_db()
    days = timedelta(days=settings.REFERRAL_FEEDBACK_DAYS[urgency])
    assert referral.feedback_by is not None
    assert before + days <= referral.feedback_by <= timezone.now() + days
    assert (referral.start_by, referral.late_reminded_at, referral.late_escalated_at) == (late, None, None)


# --- what every end gives back -------------------------------------------------------------
def test_a_closed_referral_stays_readable_for_the_after_close_period_from_the_moment_it_closed(
    world: World, case: Case, caseworker: User, charity_staff: User
) -> None:
    referral = _referred(world, case, status=ReferralStatus.COMPLETED)
    before = timezone.now()
    assert _post(caseworker, referral, "close").status_code == 200
    referral.refresh_from_db()
    assert referral.ended_at is not None and before <= referral.ended_at <= timezone.now()
    assert referral.visible_until == referral.ended_at + timedelta(days=settings.REFERRAL_VISIBLE_AFTER_CLOSE_DAYS)
    answer = api_as(charity_staff).get(f"/api/v1/referrals/{referral.pk}/")
    assert answer.status_code == 200
    assert answer.json()["person_view"]["fields"]["name"] == "王秀英"  # the person's details, not only the record


@pytest.mark.parametrize(
    ("action", "actor", "before", "body"),
    [
        ("decline", "charity_staff", ReferralStatus.SENT, {"reason": "超出服务范围"}),
        ("withdraw", "caseworker", ReferralStatus.IN_PROGRESS, {"reason": "情况变化"}),
    ],
    ids=["decline", "withdraw"],
)
def test_a_declined_or_withdrawn_referral_is_no_longer_shown_to_the_charity(
    world: World,
    case: Case,
    charity_staff: User,
    request: pytest.FixtureRequest,
    action: str,
    actor: str,
    before: str,
    body: dict[str, str],
) -> None:
    referral = _referred(world, case, status=before)
    before_end = timezone.now()
    assert _post(request.getfixturevalue(actor), referral, action, body).status_code == 200
    referral.refresh_from_db()
    assert referral.ended_at is not None and before_end <= referral.ended_at <= timezone.now()
    assert api_as(charity_staff).get(f"/api/v1/referrals/{referral.pk}/").status_code == 404


def test_a_decline_reopens_the_need_saying_why_and_who(world: World, case: Case, charity_staff: User) -> None:
    referral = _referred(world, case)
    assert _post(charity_staff, referral, "decline", {"reason": "超出服务范围"}).status_code == 200
    need = Need.objects.get(pk=case.need.pk)
    assert (need.status, need.status_note) == (NeedStatus.OPEN, "超出服务范围")
    entry = AuditEntry.objects.filter(target_type="beneficiaries.need", target_id=str(need.pk)).latest("id")
    assert (entry.actor, entry.changes) == (charity_staff, {"from": NeedStatus.REFERRED, "to": NeedStatus.OPEN})


def test_help_given_fulfils_the_need_under_the_referral_number_and_who_reported_it(
    world: World, case: Case, charity_staff: User
) -> None:
    referral = _referred(world, case, status=ReferralStatus.IN_PROGRESS)
    assert _post(charity_staff, referral, "feedback", {"outcome": "helped", "items": "米面油"}).status_code == 200
    need = Need.objects.get(pk=case.need.pk)
    assert (need.status, need.status_note) == (NeedStatus.FULFILLED, referral.reference)
    entry = AuditEntry.objects.filter(target_type="beneficiaries.need", target_id=str(need.pk)).latest("id")
    assert entry.actor == charity_staff


def test_not_helped_gives_back_the_place_and_money_once_and_reopens_the_need_saying_why(
    world: World, case: Case, caseworker: User, charity_staff: User
) -> None:
    resource = _resource(world)
    referral = _referred(world, case, resource=resource)
    assert _post(charity_staff, referral, "accept").status_code == 200
    assert _post(charity_staff, referral, "start").status_code == 200
    answer = _post(charity_staff, referral, "feedback", {"outcome": "not_helped", "note": "本人拒绝"})
    assert answer.status_code == 200, answer.content
    assert _left(resource) == (3, Decimal("10000"))
    need = Need.objects.get(pk=case.need.pk)
    assert (need.status, need.status_note) == (NeedStatus.OPEN, "本人拒绝")
    entry = AuditEntry.objects.filter(target_type="beneficiaries.need", target_id=str(need.pk)).latest("id")
    assert entry.actor == charity_staff
    assert _post(caseworker, referral, "close").status_code == 200
    assert _left(resource) == (3, Decimal("10000"))  # closing gives back nothing a second time
    assert ResourceUsage.objects.filter(resource=resource, kind=UsageKind.DELIVERY).count() == 0


def test_a_withdrawal_gives_back_the_place_and_money_recording_who_for_which_referral_and_why(
    world: World, case: Case, caseworker: User, charity_staff: User
) -> None:
    resource = _resource(world)
    referral = _referred(world, case, resource=resource)
    assert _post(charity_staff, referral, "accept").status_code == 200
    reason = "家属已自行解决" * 50  # longer than the ledger's note keeps
    assert _post(caseworker, referral, "withdraw", {"reason": reason}).status_code == 200
    assert _left(resource) == (3, Decimal("10000"))
    given_back = ResourceUsage.objects.exclude(kind=UsageKind.RESERVATION).get(resource=resource)
    assert (given_back.kind, given_back.people, given_back.amount, given_back.recorded_by, given_back.referral_id) == (
        UsageKind.RELEASE,
        1,
        Decimal("2000"),
        caseworker,
        referral.pk,
    )
    assert given_back.note == reason[:300]
    referral.refresh_from_db()
    assert (referral.capacity_reserved, referral.amount_reserved) == (False, None)


def test_a_place_without_money_is_given_back_on_withdrawal(
    world: World, case: Case, caseworker: User, charity_staff: User
) -> None:
    resource = _resource(world, capacity_amount=None, amount_left=None, per_person_limit=None)
    referral = _referred(world, case, resource=resource)
    assert _post(charity_staff, referral, "accept").status_code == 200
    assert _left(resource) == (2, None)
    assert _post(caseworker, referral, "withdraw", {"reason": "情况变化"}).status_code == 200
    assert _left(resource) == (3, None)


def test_declining_a_referral_that_held_nothing_writes_nothing_in_the_ledger(
    world: World, case: Case, charity_staff: User
) -> None:
    resource = _resource(world)
    referral = _referred(world, case, resource=resource)
    assert _post(charity_staff, referral, "decline", {"reason": "超出服务范围"}).status_code == 200
    assert not ResourceUsage.objects.filter(resource=resource).exists()
    assert _left(resource) == (3, Decimal("10000"))


# --- the deadline job's expiry ---------------------------------------------------------------
def test_the_deadline_job_expires_what_was_due_at_the_time_it_runs_and_dates_the_end_then(
    world: World, case: Case
) -> None:
    now = timezone.now()
    referral = _referred(world, case, respond_by=now + timedelta(hours=1))
    assert referrals_expire_overdue(now=now) == 0
    later = now + timedelta(hours=2)
    assert referrals_expire_overdue(now=later) == 1
    referral.refresh_from_db()
    assert (referral.status, referral.ended_at) == (ReferralStatus.EXPIRED, later)
    need = Need.objects.get(pk=case.need.pk)
    assert (need.status, need.status_note) == (NeedStatus.OPEN, referral.reference)
    assert referrals_expire_overdue(now=later) == 0  # nothing left to do


def test_expiring_one_referral_leaves_the_others_and_refuses_one_not_due_or_answered(world: World, case: Case) -> None:
    # A second caller of the job's step (the demo seeder calls it by id).
    past = timezone.now() - timedelta(hours=1)
    due = _referred(world, case, respond_by=past)
    other_due = referral_to_our_charity(world, case, respond_by=past)
    not_due = referral_to_our_charity(world, case, respond_by=timezone.now() + timedelta(hours=1))
    answered = referral_to_our_charity(world, case, status=ReferralStatus.ACCEPTED, respond_by=past)
    assert referral_expire(referral_id=due.pk) is True
    assert referral_expire(referral_id=not_due.pk) is False
    assert referral_expire(referral_id=answered.pk) is False
    assert referral_expire(referral_id=due.pk) is False
    statuses = dict(Referral.objects.values_list("pk", "status"))
    assert [statuses[r.pk] for r in (due, other_due, not_due, answered)] == [
        ReferralStatus.EXPIRED,
        ReferralStatus.SENT,
        ReferralStatus.SENT,
        ReferralStatus.ACCEPTED,
    ]


# --- the feedback refusals a second caller gets -------------------------------------------------
REFUSED = [
    ({"outcome": "thanked"}, {"outcome": ["请选择已帮扶、部分帮扶或未能帮扶。"]}),
    ({"outcome": "helped", "amount": "五百"}, {"amount": ["请填写以元为单位的金额，例如 500 或 500.50。"]}),
    ({"outcome": "helped", "amount": Decimal("-1")}, {"amount": ["请填写以元为单位的金额，例如 500 或 500.50。"]}),
    ({"outcome": "helped", "amount": Decimal("0.001")}, {"amount": ["请填写以元为单位的金额，例如 500 或 500.50。"]}),
    (
        {"outcome": "helped", "amount": Decimal("Infinity")},
        {"amount": ["请填写以元为单位的金额，例如 500 或 500.50。"]},
    ),
    (
        {"outcome": "helped", "services": ["care_visit", "massage", "flying"]},
        {"services": ["无法识别的服务类型：massage, flying。"]},
    ),
    (
        {"outcome": "helped", "items": "米面油", "helped_on": timezone.localdate() + timedelta(days=1)},
        {"helped_on": ["帮扶日期不能晚于今天。"]},
    ),
    ({"outcome": "helped", "items": "  "}, {"outcome": ["请说明提供了什么帮扶：金额、物资或服务。"]}),
    ({"outcome": "partially_helped"}, {"outcome": ["请说明提供了什么帮扶：金额、物资或服务。"]}),
    ({"outcome": "not_helped", "note": "  "}, {"note": ["请说明未能帮扶的原因。"]}),
]


@pytest.mark.parametrize(("given", "errors"), REFUSED)
def test_a_second_caller_of_the_feedback_service_gets_each_refusal_in_chinese(
    world: World, case: Case, charity_staff: User, given: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    referral = _referred(world, case, status=ReferralStatus.IN_PROGRESS)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        referral_feedback(referral=referral, by=charity_staff, feedback=Feedback(**given))
    assert refused.value.message_dict == errors
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.IN_PROGRESS


ACCEPTED = [
    ({"outcome": "helped", "amount": Decimal("0.01")}, Decimal("0.01")),
    ({"outcome": "helped", "amount": "500.5"}, Decimal("500.5")),
    ({"outcome": "helped", "services": ["legal_aid"]}, None),
    ({"outcome": "partially_helped", "items": "药品"}, None),
    ({"outcome": "not_helped", "note": "本人拒绝"}, None),
    ({"outcome": "helped", "items": "米面油", "helped_on": timezone.localdate()}, None),
]


@pytest.mark.parametrize(("given", "amount"), ACCEPTED)
def test_a_second_caller_of_the_feedback_service_is_taken_at_its_word(
    world: World, case: Case, charity_staff: User, given: dict[str, Any], amount: Decimal | None
) -> None:
    referral = _referred(world, case, status=ReferralStatus.IN_PROGRESS)
    referral = referral_feedback(referral=referral, by=charity_staff, feedback=Feedback(**given))
    referral.refresh_from_db()
    assert (referral.status, referral.outcome, referral.amount) == (ReferralStatus.COMPLETED, given["outcome"], amount)


# --- what an acceptance holds of the money ---------------------------------------------------
HELD = [
    # (per-person limit, budget, what the needs ask, held)
    (Decimal("2000"), Decimal("10000"), [Decimal("300"), Decimal("200")], Decimal("500")),
    (Decimal("2000"), Decimal("10000"), [Decimal("3000")], Decimal("2000")),
    (Decimal("2000"), Decimal("10000"), [], Decimal("2000")),
    (None, Decimal("10000"), [Decimal("300"), Decimal("200")], Decimal("500")),
    (None, Decimal("10000"), [], Decimal("0")),
]


@pytest.mark.parametrize(("limit", "budget", "asked", "held"), HELD)
def test_an_acceptance_holds_what_the_needs_ask_within_the_per_person_limit(
    world: World,
    case: Case,
    charity_staff: User,
    limit: Decimal | None,
    budget: Decimal,
    asked: list[Decimal],
    held: Decimal,
) -> None:
    # SPEC rule 15: help stays within the per-person limit and the budget.
    resource = _resource(world, per_person_limit=limit, capacity_amount=budget, amount_left=budget)
    needs = [make_need(case.person, amount_requested=amount) for amount in asked] or [case.need]
    referral = referral_to_our_charity(world, case, needs=needs, resource=resource)
    assert _post(charity_staff, referral, "accept").status_code == 200
    assert _left(resource) == (2, budget - held)


def test_a_withdrawal_because_consent_was_revoked_says_so_in_the_audit_log(
    world: World, case: Case, caseworker: User, charity_staff: User
) -> None:
    # SPEC rule 2: a revoked consent withdraws its open referrals at once; the record says why.
    referral = _referred(world, case, status=ReferralStatus.ACCEPTED)
    assert referrals_withdraw_for_consent(consent=case.consent, by=caseworker, reason="本人撤回同意") == 1
    entry = AuditEntry.objects.filter(target_type="cases.referral", target_id=str(referral.pk)).latest("id")
    assert (entry.actor, entry.reason) == (caseworker, "本人撤回同意")
    assert entry.changes == {
        "step": "withdraw",
        "from": "accepted",
        "to": "withdrawn",
        "consent_revoked": case.consent.pk,
    }
    assert api_as(charity_staff).get(f"/api/v1/referrals/{referral.pk}/").status_code == 404


def test_a_resource_with_a_per_person_limit_and_no_budget_records_the_limit_held(
    world: World, case: Case, charity_staff: User
) -> None:
    resource = _resource(world, capacity_amount=None, amount_left=None)
    referral = _referred(world, case, resource=resource)
    assert _post(charity_staff, referral, "accept").status_code == 200
    reserved = ResourceUsage.objects.get(resource=resource, kind=UsageKind.RESERVATION)
    assert (reserved.people, reserved.amount) == (1, Decimal("2000"))
