"""Tests written for mutants of ``referral_rerefer`` (cases/services/referrals.py) that survived
``make mutation`` (docs/testing.md): referring a declined case again carries the case over as it was
(needs still open, urgency, simplified procedure, note, the fields shared and the consent chosen),
and is refused in Chinese when it does not fit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts.models import User
from cases.models import Direction, Referral, ReferralStatus
from cases.services import referral_rerefer
from tests.cases.conftest import Case, referral_to_our_charity
from tests.conftest import World, api_as
from tests.factories import make_consent, make_need
from tests.factories.cases import make_referral


def _again(user: User, referral: Referral, **body: object) -> Any:
    return api_as(user).post(
        f"/api/v1/referrals/{referral.pk}/rerefer/", body, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )


def _declined(world: World, case: Case, **kwargs: object) -> Referral:
    return referral_to_our_charity(world, case, status=ReferralStatus.DECLINED, **kwargs)


def test_referring_again_carries_over_the_open_needs_urgency_procedure_note_and_fields_shared(
    world: World, case: Case, caseworker: User
) -> None:
    done = make_need(case.person, category="living", status="fulfilled")
    old = _declined(
        world,
        case,
        needs=[case.need, done],
        urgency="emergency",
        fast_track=True,
        note="透析费用缺口",
        shared_fields=["name", "phone"],
    )
    answer = _again(caseworker, old, to_organization=case.third_charity.pk, reason="换一家机构")
    assert answer.status_code == 200, answer.content
    new = Referral.objects.get(pk=answer.json()["id"])
    assert (new.previous_id, new.to_organization_id, new.status) == (old.pk, case.third_charity.pk, "sent")
    assert list(new.needs.all()) == [case.need]
    assert (new.urgency, new.fast_track, new.note) == ("emergency", True, "透析费用缺口")
    assert (new.consent_id, new.shared_fields) == (case.consent.pk, ["name", "phone"])
    assert new.respond_by is not None and new.respond_by <= timezone.now() + timedelta(hours=24)
    event = old.events.get(action="rerefer")
    assert (event.actor, event.reason, event.from_status) == (caseworker, "换一家机构", "declined")


def test_referring_again_under_a_chosen_consent_shares_what_it_covers(
    world: World, case: Case, caseworker: User
) -> None:
    # SPEC rule 1: the consent the caseworker chose, not the newest in force; fields it does not
    # cover are not carried over (the gate then shares what it covers).
    chosen = make_consent(
        case.person, organization=case.third_charity, fields=["name", "address"], purposes=["charity_referral"]
    )
    make_consent(case.person, organization=case.third_charity, fields=["name", "phone", "address"])  # newer
    old = _declined(world, case, shared_fields=["name", "phone"])
    answer = _again(caseworker, old, to_organization=case.third_charity.pk, consent=chosen.pk)
    assert answer.status_code == 200, answer.content
    new = Referral.objects.get(pk=answer.json()["id"])
    assert (new.consent_id, new.shared_fields) == (chosen.pk, ["address", "name"])


def test_referring_again_keeps_the_fields_a_chosen_consent_covers(world: World, case: Case, caseworker: User) -> None:
    chosen = make_consent(case.person, organization=case.third_charity, fields=["name", "phone", "address"])
    old = _declined(world, case, shared_fields=["phone"])
    answer = _again(caseworker, old, to_organization=case.third_charity.pk, consent=chosen.pk)
    assert answer.status_code == 200, answer.content
    assert Referral.objects.get(pk=answer.json()["id"]).shared_fields == ["phone"]


def test_a_case_referred_again_once_is_refused_a_second_time_in_chinese(
    world: World, case: Case, caseworker: User
) -> None:
    old = _declined(world, case, rereferred=True)
    answer = _again(caseworker, old, to_organization=case.third_charity.pk)
    assert answer.status_code == 409
    assert answer.json() == {"detail": "此转介已重新转介过。", "code": "referral_already_rereferred"}
    assert not Referral.objects.filter(previous=old).exists()


def test_referring_again_to_the_organization_that_declined_is_refused_in_chinese(
    world: World, case: Case, caseworker: User
) -> None:
    old = _declined(world, case)
    answer = _again(caseworker, old, to_organization=world.charity.pk)
    assert answer.status_code == 400
    assert answer.json() == {"to_organization": ["请选择未接收此案的组织以外的其他组织。"]}
    assert not Referral.objects.filter(previous=old).exists()


def test_a_second_caller_records_no_reason_not_given(world: World, case: Case, caseworker: User) -> None:
    old = _declined(world, case)
    referral_rerefer(referral=old, by=caseworker, to_organization=case.third_charity)
    assert old.events.get(action="rerefer").reason == ""


# --- a charity's referral to government, referred again ------------------------------------------
def test_a_charitys_referral_of_a_registered_person_goes_again_to_the_office_it_chooses(
    world: World, case: Case, charity_staff: User
) -> None:
    referral_to_our_charity(world, case, status=ReferralStatus.ACCEPTED)  # the charity helps the person
    old = make_referral(
        person=case.person,
        direction=Direction.TO_GOVERNMENT,
        from_organization=world.charity,
        to_organization=case.township_office,
        status=ReferralStatus.DECLINED,
        note="可能符合低保条件",
        urgency="urgent",
    )
    answer = _again(charity_staff, old, to_organization=world.bureau.pk)
    assert answer.status_code == 200, answer.content
    new = Referral.objects.get(pk=answer.json()["id"])
    assert (new.person_id, new.to_organization_id, new.previous_id) == (case.person.pk, world.bureau.pk, old.pk)
    assert (new.urgency, new.note, new.status) == ("urgent", "可能符合低保条件", "sent")


def test_another_charity_cannot_refer_again_a_charitys_referral_to_government_even_as_a_second_caller(
    world: World, other_charity_staff: User
) -> None:
    # The details our charity sent stay ours: another charity makes no referral of them.
    old = make_referral(
        person=None,
        region=world.our_village,
        direction=Direction.TO_GOVERNMENT,
        from_organization=world.charity,
        to_organization=world.bureau,
        status=ReferralStatus.DECLINED,
        note="可能符合低保条件",
    )
    with pytest.raises(PermissionDenied):
        referral_rerefer(referral=old, by=other_charity_staff, to_organization=world.other_bureau)
    assert not Referral.objects.filter(previous=old).exists()
