"""Acceptance 4 and SPEC rules 1–2: what a charity sees of a person is exactly what the consent covers,
only through an open referral to it, and never another charity's referrals (HTML and API, 404 outside)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from beneficiaries.models import ConsentStatus
from cases.models import ReferralStatus
from cases.services import (
    ReferralError,
    referral_create_to_charity,
    referral_send,
    referrals_withdraw_for_consent,
)
from tests.cases.conftest import Case
from tests.conftest import World, api_as
from tests.factories import PASSWORD, make_consent
from tests.factories.cases import make_referral


def browser(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def sent_referral(world: World, case: Case, caseworker: User, **kwargs: object):
    referral = referral_create_to_charity(
        by=caseworker,
        person=case.person,
        to_organization=world.charity,
        needs=[case.need],
        **kwargs,  # type: ignore[arg-type]
    )
    return referral_send(referral=referral, by=caseworker)


def test_it_refuses_to_send_without_a_consent(world: World, case: Case, caseworker: User) -> None:
    case.consent.delete()
    referral = referral_create_to_charity(by=caseworker, person=case.person, to_organization=world.charity)
    with pytest.raises(ReferralError) as error:
        referral_send(referral=referral, by=caseworker)
    assert error.value.code == "consent_missing"
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DRAFT


def test_it_refuses_a_consent_for_another_organization(world: World, case: Case, caseworker: User) -> None:
    case.consent.delete()
    make_consent(case.person, organization=world.other_charity)
    referral = referral_create_to_charity(by=caseworker, person=case.person, to_organization=world.charity)
    with pytest.raises(ReferralError):
        referral_send(referral=referral, by=caseworker)


def test_it_refuses_a_consent_for_another_purpose(world: World, case: Case, caseworker: User) -> None:
    case.consent.delete()
    make_consent(case.person, purposes=["follow_up"])
    referral = referral_create_to_charity(by=caseworker, person=case.person, to_organization=world.charity)
    with pytest.raises(ReferralError):
        referral_send(referral=referral, by=caseworker)


def test_it_refuses_to_share_fields_the_consent_does_not_cover(world: World, case: Case, caseworker: User) -> None:
    referral = referral_create_to_charity(
        by=caseworker,
        person=case.person,
        to_organization=world.charity,
        consent=case.consent,
        shared_fields=["name", "health"],
    )
    with pytest.raises(ReferralError) as error:
        referral_send(referral=referral, by=caseworker)
    assert "健康" in error.value.message or "Health" in error.value.message


def test_charity_sees_exactly_the_consented_fields_over_the_api(
    world: World, case: Case, caseworker: User, charity_staff: User
) -> None:
    referral = sent_referral(world, case, caseworker, shared_fields=["name", "address"])
    body = api_as(charity_staff).get(f"/api/v1/referrals/{referral.pk}/").json()
    assert set(body["person_view"]["fields"]) == {"name", "address"}
    assert body["person_view"]["id_number_masked"] == case.person.id_number_masked
    text = str(body)
    assert case.person.id_number not in text
    assert "13812345678" not in text  # phone is in the consent, but was not shared
    assert "透析" not in text  # health was never consented


def test_charity_sees_exactly_the_consented_fields_in_the_page(
    world: World, case: Case, caseworker: User, charity_staff: User
) -> None:
    referral = sent_referral(world, case, caseworker, shared_fields=["name"])
    html = browser(charity_staff).get(f"/cases/{referral.pk}/").content.decode()
    assert "王秀英" in html
    assert case.person.id_number_masked in html
    assert case.person.id_number not in html
    assert "13812345678" not in html
    assert case.person.address not in html
    assert "透析" not in html


def test_another_charity_gets_404_everywhere(
    world: World, case: Case, caseworker: User, other_charity_staff: User
) -> None:
    referral = sent_referral(world, case, caseworker)
    api = api_as(other_charity_staff)
    assert api.get(f"/api/v1/referrals/{referral.pk}/").status_code == 404
    assert api.get("/api/v1/referrals/").json()["count"] == 0
    assert api.post(f"/api/v1/referrals/{referral.pk}/accept/").status_code == 404
    client = browser(other_charity_staff)
    assert client.get(f"/cases/{referral.pk}/").status_code == 404
    assert client.get(f"/cases/{referral.pk}/print/").status_code == 404
    assert client.post(f"/cases/{referral.pk}/accept/").status_code == 404
    assert "王秀英" not in client.get("/cases/").content.decode()


def test_charity_sees_no_person_it_has_no_referral_for(world: World, case: Case, charity_staff: User) -> None:
    api = api_as(charity_staff)
    assert api.get(f"/api/v1/persons/{case.person.pk}/").status_code == 404  # never leak existence
    assert api.get(f"/api/v1/ledger/?person={case.person.pk}").status_code == 404
    assert browser(charity_staff).get(f"/cases/ledger/?person={case.person.pk}").status_code == 404


def test_revoking_consent_hides_the_person_at_once_even_before_withdrawal(
    world: World, case: Case, caseworker: User, charity_staff: User
) -> None:
    referral = sent_referral(world, case, caseworker)
    # What consent_revoke does to the row; the referral is not withdrawn yet.
    case.consent.status, case.consent.revoked_at = ConsentStatus.REVOKED, timezone.now()
    case.consent.save(update_fields=["status", "revoked_at"])
    body = api_as(charity_staff).get(f"/api/v1/referrals/{referral.pk}/").json()
    assert body["person_view"]["fields"] == {}
    assert body["person_name"] == ""
    assert "王秀英" not in browser(charity_staff).get(f"/cases/{referral.pk}/").content.decode()


def test_withdrawing_for_a_revoked_consent_withdraws_every_open_referral(
    world: World, case: Case, caseworker: User, charity_staff: User
) -> None:
    open_one = sent_referral(world, case, caseworker)
    closed = make_referral(
        person=case.person,
        from_organization=world.bureau,
        to_organization=world.charity,
        status="closed",
        consent=case.consent,
    )
    assert referrals_withdraw_for_consent(consent=case.consent, by=caseworker, reason="本人撤回同意") == 1
    open_one.refresh_from_db()
    assert open_one.status == ReferralStatus.WITHDRAWN
    assert open_one.events.filter(action="withdraw", reason="本人撤回同意").exists()
    api = api_as(charity_staff)
    assert api.get(f"/api/v1/referrals/{open_one.pk}/").status_code == 404
    # Its own closed case stays, what it did included, with none of the person's details (issue 15).
    kept = api.get(f"/api/v1/referrals/{closed.pk}/").json()
    assert (kept["status"], kept["outcome"], kept["amount"]) == ("closed", "helped", "500.00")
    assert kept["person_name"] == "" and kept["person_view"]["fields"] == {}
    page = browser(charity_staff).get(f"/cases/{closed.pk}/").content.decode()
    assert closed.reference in page and case.person.name not in page and case.person.phone not in page
    case.need.refresh_from_db()
    assert case.need.status == "open"


def test_decline_takes_the_grant_away(world: World, case: Case, caseworker: User, charity_staff: User) -> None:
    referral = sent_referral(world, case, caseworker)
    api = api_as(charity_staff)
    assert api.post(f"/api/v1/referrals/{referral.pk}/decline/", {"reason": "超出服务范围"}).status_code == 200
    assert api.get(f"/api/v1/referrals/{referral.pk}/").status_code == 404
    assert charity_staff.has_perm("cases.view_referral", referral) is False


def test_sending_grants_the_charity_through_guardian(
    world: World, case: Case, caseworker: User, charity_staff: User
) -> None:
    referral = sent_referral(world, case, caseworker)
    assert User.objects.get(pk=charity_staff.pk).has_perm("cases.view_referral", referral)


def test_after_the_close_period_the_charity_loses_sight_of_the_person_not_of_its_case(
    world: World, case: Case, caseworker: User, charity_staff: User
) -> None:
    referral = make_referral(
        person=case.person,
        from_organization=world.bureau,
        to_organization=world.charity,
        status="closed",
        consent=case.consent,
    )
    api = api_as(charity_staff)
    assert api.get(f"/api/v1/referrals/{referral.pk}/").json()["person_name"] == case.person.name
    referral.visible_until = timezone.now()
    referral.save(update_fields=["visible_until"])
    kept = api.get(f"/api/v1/referrals/{referral.pk}/").json()
    assert kept["status"] == "closed" and kept["person_name"] == "" and kept["person_view"]["fields"] == {}
    inbox = browser(charity_staff).get("/cases/?tab=done").content.decode()
    assert f"转介 {referral.reference}" in inbox and case.person.name not in inbox


def test_other_county_and_roles(
    world: World, case: Case, caseworker: User, other_county_caseworker: User, station_worker: User, supervisor: User
) -> None:
    referral = sent_referral(world, case, caseworker)
    assert api_as(other_county_caseworker).get(f"/api/v1/referrals/{referral.pk}/").status_code == 404
    assert browser(other_county_caseworker).get(f"/cases/{referral.pk}/").status_code == 404
    assert api_as(station_worker).get(f"/api/v1/referrals/{referral.pk}/").status_code == 200
    assert api_as(supervisor).post(f"/api/v1/referrals/{referral.pk}/withdraw/", {"reason": "x"}).status_code == 403
    assert (
        api_as(supervisor).post("/api/v1/referrals/", {"direction": "to_charity", "person": case.person.pk}).status_code
        == 403
    )


def test_anonymous_is_refused(world: World, case: Case, caseworker: User) -> None:
    referral = sent_referral(world, case, caseworker)
    assert Client().get(f"/api/v1/referrals/{referral.pk}/").status_code == 401
    assert Client().get(f"/cases/{referral.pk}/").status_code == 302
    assert Client().get("/api/v1/notifications/").status_code == 401


def test_revoking_the_consent_through_the_api_withdraws_the_referral_at_once(
    world: World, case: Case, caseworker: User, charity_staff: User
) -> None:
    referral = sent_referral(world, case, caseworker)
    response = api_as(caseworker).post(f"/api/v1/consents/{case.consent.pk}/revoke/", {"reason": "本人撤回同意"})
    assert response.status_code == 200, response.content
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.WITHDRAWN
    assert referral.events.filter(action="withdraw", reason="本人撤回同意").exists()
    assert api_as(charity_staff).get(f"/api/v1/referrals/{referral.pk}/").status_code == 404
    assert charity_staff.has_perm("cases.view_referral", referral) is False
