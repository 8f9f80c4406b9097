"""Tests written for mutants that survived ``make mutation`` over the consent services (docs/testing.md):
each one changes a SPEC rule 2 behaviour a user would notice, and no test noticed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from beneficiaries.models import Consent, ConsentStatus
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
