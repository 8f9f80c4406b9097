"""Tests written for mutants of ``_clean_feedback`` and ``_text_the_person_accepted``
(cases/services/lifecycle.py) that survived ``make mutation`` (docs/testing.md, issue #13): a
feedback of goods at 0 yuan, and which phone the person's text goes to when a charity takes the
case, and that nobody is texted when a government office accepts a referral to government."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from accounts.models import User
from beneficiaries.crypto import mask_phone
from beneficiaries.models import OnlineApplication, Person, TextMessage
from cases.models import Direction, Referral, ReferralStatus
from tests.cases.conftest import Case, referral_to_our_charity
from tests.conftest import World, api_as
from tests.factories import make_consent, make_referral


def _post(user: User, referral: Referral, action: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    answer = api_as(user).post(
        f"/api/v1/referrals/{referral.pk}/{action}/", body or {}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert answer.status_code == 200, answer.content
    return answer.json()


# --- what a feedback may report -----------------------------------------------------------------
def test_help_given_as_goods_alone_may_be_reported_at_zero_yuan(world: World, case: Case, charity_staff: User) -> None:
    referral = referral_to_our_charity(world, case, needs=[case.need], status=ReferralStatus.IN_PROGRESS)
    body = {"outcome": "helped", "amount": "0", "items": "米面油"}
    answer = _post(charity_staff, referral, "feedback", body)
    assert (answer["status"], answer["outcome"], answer["amount"], answer["items"]) == (
        ReferralStatus.COMPLETED,
        "helped",
        "0.00",
        "米面油",
    )


# --- which phone hears that a charity took the case ----------------------------------------------
def _apply(person: Person, phone: str, *, days_ago: int) -> OnlineApplication:
    """An online application of the person's, sent ``days_ago`` days ago from ``phone``."""
    application = OnlineApplication.objects.create(
        reference=f"SQ{person.pk:04d}{days_ago:02d}",
        person=person,
        region=person.region,
        what_happened="家中老人患病，无力支付医药费",
        urgency="urgent",
        phone=phone,
        phone_masked=mask_phone(phone),
        phone_index=f"index-{phone}",
        consent=make_consent(person, purposes=["contact"]),
        call_back_by=timezone.now(),
    )
    OnlineApplication.objects.filter(pk=application.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    return application


def _accepted(world: World, case: Case, charity_staff: User, capture: Any) -> Referral:
    referral = referral_to_our_charity(world, case, needs=[case.need])
    with capture(execute=True):
        _post(charity_staff, referral, "accept")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED
    return referral


def test_a_person_without_a_phone_of_their_own_is_texted_at_the_phone_of_their_latest_application(
    world: World, case: Case, charity_staff: User, django_capture_on_commit_callbacks: Any
) -> None:
    Person.objects.filter(pk=case.person.pk).update(phone="", phone_masked="")
    _apply(case.person, "13900001111", days_ago=30)
    _apply(case.person, "13700002222", days_ago=2)
    referral = _accepted(world, case, charity_staff, django_capture_on_commit_callbacks)
    message = TextMessage.objects.get()
    assert (message.person, message.phone, message.template, message.params) == (
        case.person,
        "13700002222",
        "referral_accepted",
        {"reference": referral.reference},
    )


def test_a_person_with_no_phone_anywhere_is_not_texted_and_the_charity_still_takes_the_case(
    world: World, case: Case, charity_staff: User, django_capture_on_commit_callbacks: Any
) -> None:
    Person.objects.filter(pk=case.person.pk).update(phone="", phone_masked="")
    make_consent(case.person, purposes=["contact"])
    _accepted(world, case, charity_staff, django_capture_on_commit_callbacks)
    assert not TextMessage.objects.exists()


def test_a_government_office_accepting_a_referral_to_government_texts_nobody(
    world: World, case: Case, caseworker: User, django_capture_on_commit_callbacks: Any
) -> None:
    make_consent(case.person, purposes=["contact"])
    referral = make_referral(
        person=case.person,
        direction=Direction.TO_GOVERNMENT,
        from_organization=world.charity,
        to_organization=world.bureau,
        consent=case.consent,
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert _post(caseworker, referral, "accept")["status"] == ReferralStatus.ACCEPTED
    assert not TextMessage.objects.exists()
