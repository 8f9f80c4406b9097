"""Issue #16 item 6: text messages to people in hardship themselves, only where they consented to be
contacted (a consent in force with the purpose ``contact``)."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import User
from beneficiaries.models import TextMessage
from cases.services import referral_accept
from tests.conftest import World
from tests.factories import make_consent, make_person, make_referral

pytestmark = pytest.mark.django_db


def _accept(world: World, charity_staff: User, *, purposes: list[str], capture: Any) -> None:
    person = make_person(world.our_village, phone="13512345678")
    consent = make_consent(person, purposes=purposes)
    referral = make_referral(
        person=person, from_organization=world.bureau, to_organization=world.charity, consent=consent
    )
    with capture(execute=True):
        referral_accept(referral=referral, by=charity_staff)


def test_a_person_who_agreed_hears_that_the_referral_was_accepted(
    world: World, charity_staff: User, tasks_in_process: None, django_capture_on_commit_callbacks: Any
) -> None:
    _accept(world, charity_staff, purposes=["charity_referral", "contact"], capture=django_capture_on_commit_callbacks)
    message = TextMessage.objects.get()
    assert (message.template, message.phone_masked, message.status) == ("referral_accepted", "135****5678", "sent")
    assert message.params["reference"].startswith("ZJ")
    assert "延川县慈善协会" not in message.text  # the referral number, not the charity's name


def test_a_person_who_did_not_agree_gets_no_text(
    world: World, charity_staff: User, tasks_in_process: None, django_capture_on_commit_callbacks: Any
) -> None:
    _accept(world, charity_staff, purposes=["charity_referral"], capture=django_capture_on_commit_callbacks)
    assert not TextMessage.objects.exists()


def test_a_revoked_contact_consent_stops_the_texts(
    world: World, charity_staff: User, tasks_in_process: None, django_capture_on_commit_callbacks: Any
) -> None:
    person = make_person(world.our_village, phone="13512345678")
    make_consent(person, purposes=["contact"], status="revoked")
    consent = make_consent(person, purposes=["charity_referral"])
    referral = make_referral(
        person=person, from_organization=world.bureau, to_organization=world.charity, consent=consent
    )
    with django_capture_on_commit_callbacks(execute=True):
        referral_accept(referral=referral, by=charity_staff)
    assert not TextMessage.objects.exists()
