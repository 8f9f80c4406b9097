"""One rule for "consent in force for purpose P, fields F, recipient R, now" (issue #13), every
purpose checked where it applies, and a consent that expires ends its open referrals like a
revocation does (SPEC rule 2). Through the API and pages a user would use."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from beneficiaries.models import Consent, ConsentStatus
from beneficiaries.tasks import expire_consents
from cases.jobs import follow_ups_sample
from cases.models import FollowUp, ReferralEvent, ReferralStatus
from cases.services import referral_accept, referral_create_to_charity, referral_send
from tests.cases.conftest import Case
from tests.conftest import World, api_as
from tests.factories import make_consent
from tests.factories.cases import make_referral


def _sent(world: World, case: Case, caseworker: User):
    referral = referral_create_to_charity(
        by=caseworker, person=case.person, to_organization=world.charity, needs=[case.need]
    )
    return referral_send(referral=referral, by=caseworker)


def test_a_consent_that_expires_withdraws_its_open_referrals(
    world: World, case: Case, caseworker: User, charity_staff: User, django_capture_on_commit_callbacks
) -> None:
    referral = _sent(world, case, caseworker)
    referral_accept(referral=referral, by=charity_staff)
    assert api_as(charity_staff).get(f"/api/v1/referrals/{referral.pk}/").status_code == 200
    Consent.objects.filter(pk=case.consent.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert expire_consents.apply().get() == 1
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.WITHDRAWN
    assert "到期" in referral.events.get(action="withdraw").reason
    assert api_as(charity_staff).get(f"/api/v1/referrals/{referral.pk}/").status_code == 404
    case.need.refresh_from_db()
    assert case.need.status == "open"  # back on the need list for another consent and referral
    assert case.consent.__class__.objects.get(pk=case.consent.pk).status == ConsentStatus.EXPIRED


def test_the_send_gate_and_the_charitys_view_agree_on_a_revocation_time(
    world: World, case: Case, caseworker: User
) -> None:
    # A consent carrying a revocation time but a status left "active" (e.g. an edit in the admin):
    # the charity's view already said no; sending said yes. One rule: both say no.
    Consent.objects.filter(pk=case.consent.pk).update(revoked_at=timezone.now() - timedelta(hours=1))
    referral = referral_create_to_charity(by=caseworker, person=case.person, to_organization=world.charity)
    response = api_as(caseworker).post(f"/api/v1/referrals/{referral.pk}/send/")
    assert response.status_code == 409 and response.json()["code"] == "consent_missing"


def test_referring_a_registered_person_to_government_needs_their_consent_to_it(
    world: World, case: Case, caseworker: User, charity_staff: User
) -> None:
    Consent.objects.filter(pk=case.consent.pk).update(purposes=["charity_referral"])
    referral = _sent(world, case, caseworker)
    referral_accept(referral=referral, by=charity_staff)
    body = {"direction": "to_government", "person": case.person.pk, "note": "可能符合低保条件"}
    refused = api_as(charity_staff).post("/api/v1/referrals/", body, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert refused.status_code == 400 and "person" in refused.json()
    consent = make_consent(case.person, organization=world.charity, purposes=["government_referral"])
    created = api_as(charity_staff).post("/api/v1/referrals/", body, format="json")
    assert created.status_code == 201, created.json()
    # Revoking that consent withdraws the referral to government too.
    revoke = api_as(caseworker).post(f"/api/v1/consents/{consent.pk}/revoke/", {"reason": "本人撤回"}, format="json")
    assert revoke.status_code == 200
    assert api_as(caseworker).get(f"/api/v1/referrals/{created.json()['id']}/").json()["status"] == "withdrawn"


def test_only_people_who_agreed_to_follow_up_visits_are_sampled(world: World, case: Case) -> None:
    Consent.objects.filter(pk=case.consent.pk).update(purposes=["charity_referral"])
    referral = make_referral(
        person=case.person,
        from_organization=world.bureau,
        to_organization=world.charity,
        consent=case.consent,
        status="completed",
    )
    ReferralEvent.objects.create(referral=referral, action="feedback", to_status="completed")
    assert follow_ups_sample(share=1.0, rng=random.Random(1)) == 0
    make_consent(case.person, purposes=["follow_up"])
    assert follow_ups_sample(share=1.0, rng=random.Random(1)) == 1
    assert FollowUp.objects.get().referral == referral
