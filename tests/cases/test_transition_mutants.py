"""Tests written for mutants of cases/transitions.py that survived ``make mutation`` (docs/testing.md):
a referral's news reaches only the people of the two organizations (SPEC, personal data)."""

from __future__ import annotations

from accounts.models import Role, User
from cases.models import Notification
from cases.services import referral_create_to_charity
from tests.cases.conftest import Case
from tests.conftest import World, api_as
from tests.factories import UserFactory


def test_a_sent_referral_tells_only_the_receiving_charitys_active_staff(
    world: World, case: Case, caseworker: User, charity_staff: User, other_charity_staff: User
) -> None:
    left = UserFactory.create(
        username="charity_left", role=Role.CHARITY_STAFF, organization=world.charity, is_active=False
    )
    not_staff = UserFactory.create(username="charity_admin", role=Role.SUPERVISOR, organization=world.charity)
    referral = referral_create_to_charity(by=caseworker, person=case.person, to_organization=world.charity)
    assert api_as(caseworker).post(f"/api/v1/referrals/{referral.pk}/send/").status_code == 200
    told = set(Notification.objects.filter(referral=referral).values_list("recipient", flat=True))
    assert charity_staff.pk in told
    assert other_charity_staff.pk not in told  # another charity hears nothing of this person
    assert left.pk not in told and not_staff.pk not in told
