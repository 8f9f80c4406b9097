"""Tests written for mutants that survived ``make mutation`` over the consent services (docs/testing.md):
each one changes a SPEC rule 2 behaviour a user would notice, and no test noticed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from beneficiaries.models import Consent, ConsentStatus
from beneficiaries.selectors import consent_allowed_fields, consent_in_force, consent_is_in_force
from beneficiaries.services import consent_revoke
from beneficiaries.tasks import expire_consents
from tests.conftest import api_as
from tests.factories import make_consent


def test_a_revocation_needs_a_reason_even_from_a_second_caller(caseworker, people, world):
    # The page and the API forms refuse a blank reason first; the service keeps the rule for any other caller.
    consent = make_consent(people.in_township, organization=world.charity)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as error:
        consent_revoke(by=caseworker, consent=consent, reason="  ")
    assert error.value.message_dict == {"reason": ["请填写撤回原因。"]}
    consent.refresh_from_db()
    assert consent.status == ConsentStatus.ACTIVE


def test_a_revocation_records_who_revoked_and_a_second_one_is_refused_in_chinese(caseworker, people, world):
    consent = make_consent(people.in_township, organization=world.charity)
    client = api_as(caseworker)
    assert (
        client.post(f"/api/v1/consents/{consent.pk}/revoke/", {"reason": "本人电话撤回"}, format="json").status_code
        == 200
    )
    consent.refresh_from_db()
    assert (consent.status, consent.revoked_by, consent.revoke_reason) == (
        ConsentStatus.REVOKED,
        caseworker,
        "本人电话撤回",
    )
    again = client.post(
        f"/api/v1/consents/{consent.pk}/revoke/", {"reason": "再次撤回"}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert again.status_code == 409
    assert again.json()["code"] == "consent_not_active" and "不能再撤回" in again.json()["detail"]


def test_the_expiry_job_leaves_a_revoked_consent_revoked_and_counts_every_expiry(people, world):
    granted = timezone.now() - timedelta(days=40)
    revoked = make_consent(people.in_township, organization=world.charity, granted_at=granted, days=30)
    Consent.objects.filter(pk=revoked.pk).update(status=ConsentStatus.REVOKED, revoked_at=granted + timedelta(days=1))
    make_consent(people.in_township, organization=world.charity, granted_at=granted, days=30)
    make_consent(people.other_township, organization=world.charity, granted_at=granted, days=30)
    assert expire_consents.apply().get() == 2
    revoked.refresh_from_db()
    assert revoked.status == ConsentStatus.REVOKED  # the record of the revocation is kept


# --- the one rule, at its edges (mutants of consent_is_in_force / consent_allowed_fields survived) ---
def test_the_rule_holds_from_the_moment_of_granting_until_just_before_expiry(world, people):
    consent = make_consent(people.in_township, organization=world.charity)
    ask = {"purpose": "charity_referral", "recipient": world.charity}
    assert consent_is_in_force(consent, at=consent.granted_at, **ask)
    assert consent_is_in_force(consent, at=consent.expires_at - timedelta(microseconds=1), **ask)
    assert not consent_is_in_force(consent, at=consent.expires_at, **ask)
    assert not consent_is_in_force(consent, at=consent.granted_at - timedelta(microseconds=1), **ask)
    assert not consent_is_in_force(consent, at=consent.expires_at + timedelta(days=30), **ask)


def test_the_rule_says_no_from_the_moment_of_revocation(caseworker, world, people):
    consent = make_consent(people.in_township, organization=world.charity)
    consent_revoke(by=caseworker, consent=consent, reason="本人撤回")
    consent.refresh_from_db()
    assert consent.revoked_at is not None
    ask = {"purpose": "charity_referral", "recipient": world.charity}
    assert not consent_is_in_force(consent, at=consent.revoked_at, **ask)
    assert consent_is_in_force(consent, at=consent.revoked_at - timedelta(microseconds=1), **ask)


def test_fields_seen_by_one_charity_ignore_another_charitys_consent(world, people):
    make_consent(people.in_township, organization=world.other_charity, fields=["health"])
    make_consent(people.in_township, organization=world.charity, fields=["name"])
    fields = consent_allowed_fields(organization=world.charity, person=people.in_township, purpose="charity_referral")
    assert fields == {"name"}


def test_fields_are_answered_for_the_time_asked(caseworker, world, people):
    consent = make_consent(people.in_township, organization=world.charity, fields=["name", "phone"])
    consent_revoke(by=caseworker, consent=consent, reason="本人撤回")
    consent.refresh_from_db()
    assert consent.revoked_at is not None
    before = consent.revoked_at - timedelta(minutes=1)
    asked = {"organization": world.charity, "person": people.in_township, "purpose": "charity_referral"}
    assert consent_allowed_fields(at=before, **asked) == {"name", "phone"}
    assert consent_allowed_fields(**asked) == frozenset()


def test_a_consent_marked_revoked_without_a_time_is_never_in_force(world, people):
    consent = make_consent(people.in_township, organization=world.charity)
    Consent.objects.filter(pk=consent.pk).update(status=ConsentStatus.REVOKED, revoked_at=None)
    consent.refresh_from_db()
    assert not consent_is_in_force(consent, purpose="charity_referral", recipient=world.charity)
    assert (
        consent_allowed_fields(organization=world.charity, person=people.in_township, purpose="charity_referral")
        == set()
    )


def test_another_persons_consent_never_answers_for_this_one(world, people):
    make_consent(people.other_township, fields=["name", "phone", "health"])  # the whole network, but another person
    assert consent_in_force(person=people.in_township, purpose="charity_referral", recipient=world.charity) is None
    assert (
        consent_allowed_fields(organization=world.charity, person=people.in_township, purpose="charity_referral")
        == set()
    )


def test_asking_about_no_particular_recipient_accepts_a_consent_naming_one(world, people):
    consent = make_consent(people.in_township, organization=world.charity, purposes=["follow_up"])
    assert consent_in_force(person=people.in_township, purpose="follow_up") == consent
