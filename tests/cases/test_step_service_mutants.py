"""Tests written for mutants of the referral step services (cases/services/lifecycle.py and
referrals.py) that survived ``make mutation`` (docs/testing.md, third run): what an acceptance
records on the resource, and the refusal of accepting and starting a referral that is not fast-track."""

from __future__ import annotations

from decimal import Decimal

from accounts.models import User
from cases.models import ReferralStatus
from charities.models import ResourceUsage, UsageKind
from tests.cases.conftest import Case
from tests.conftest import World, api_as
from tests.factories import ResourceFactory
from tests.factories.cases import make_referral


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
    referral = make_referral(
        person=case.person,
        from_organization=world.bureau,
        to_organization=world.charity,
        consent=case.consent,
        resource=resource,
    )
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
    referral = make_referral(
        person=case.person, from_organization=world.bureau, to_organization=world.charity, consent=case.consent
    )
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
