"""Consent records: recorded with evidence, revoked with a reason, expired by the periodic job."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from beneficiaries.models import Consent
from beneficiaries.tasks import expire_consents
from tests.conftest import api_as
from tests.factories import PASSWORD, make_consent, make_person

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _body(person, world, **overrides):
    now = timezone.now()
    body = {
        "person": person.pk,
        "purposes": ["charity_referral", "matching"],
        "recipient_scope": "organization",
        "recipient_organization": world.charity.pk,
        "fields": ["name", "phone", "address"],
        "method": "signed_form",
        "granted_at": (now - timedelta(hours=1)).isoformat(),
        "expires_at": (now + timedelta(days=365)).isoformat(),
        "evidence": SimpleUploadedFile("同意书.pdf", PDF, content_type="application/pdf"),
    }
    body.update(overrides)
    return body


def test_station_worker_records_a_signed_consent_with_evidence(station_worker, people, world):
    response = api_as(station_worker).post("/api/v1/consents/", _body(people.in_township, world), format="multipart")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["fields"] == ["name", "phone", "address"] and body["status"] == "active"
    assert body["evidence_url"].endswith(f"/consents/{body['id']}/evidence/")
    assert AuditEntry.objects.filter(action="consent_grant").count() == 1


def test_a_signed_form_needs_its_evidence_file(station_worker, people, world):
    body = _body(people.in_township, world)
    body.pop("evidence")
    response = api_as(station_worker).post("/api/v1/consents/", body, format="multipart")
    assert response.status_code == 400 and "evidence" in response.json()


def test_a_wrong_file_type_is_refused_and_nothing_is_stored(station_worker, people, world):
    fake = SimpleUploadedFile("form.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = api_as(station_worker).post(
        "/api/v1/consents/", _body(people.in_township, world, evidence=fake), format="multipart"
    )
    assert response.status_code == 400
    assert "PDF" in response.json()["evidence"][0]
    assert not Consent.objects.exists()


def test_verbal_consent_needs_a_witness(station_worker, people, world):
    body = _body(people.in_township, world, method="verbal_witnessed")
    body.pop("evidence")
    response = api_as(station_worker).post("/api/v1/consents/", body, format="multipart")
    assert response.status_code == 400 and "witness_name" in response.json()


def test_a_child_under_14_needs_a_guardian(station_worker, world):
    child = make_person(world.our_village, name="王梓涵", born=timezone.localdate() - timedelta(days=365 * 8), phone="")
    response = api_as(station_worker).post("/api/v1/consents/", _body(child, world), format="multipart")
    assert response.status_code == 400 and "guardian_name" in response.json()
    response = api_as(station_worker).post(
        "/api/v1/consents/", _body(child, world, guardian_name="王建军", guardian_relation="父亲"), format="multipart"
    )
    assert response.status_code == 201


def test_revoke_with_reason_then_a_second_revoke_is_409(caseworker, people, world):
    consent = make_consent(people.in_township, organization=world.charity)
    client = api_as(caseworker)
    assert client.post(f"/api/v1/consents/{consent.pk}/revoke/", {"reason": ""}, format="json").status_code == 400
    response = client.post(f"/api/v1/consents/{consent.pk}/revoke/", {"reason": "本人电话撤回"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "revoked"
    assert client.post(f"/api/v1/consents/{consent.pk}/revoke/", {"reason": "再次"}, format="json").status_code == 409
    entry = AuditEntry.objects.get(action="consent_revoke")
    assert entry.reason == "本人电话撤回" and entry.actor == caseworker


def test_consents_are_never_edited_or_deleted_through_the_api(caseworker, people, world):
    consent = make_consent(people.in_township, organization=world.charity)
    client = api_as(caseworker)
    assert client.patch(f"/api/v1/consents/{consent.pk}/", {"fields": ["health"]}, format="json").status_code == 405
    assert client.delete(f"/api/v1/consents/{consent.pk}/").status_code == 405


def test_supervisor_cannot_revoke_and_other_county_sees_404(supervisor, other_county_caseworker, people, world):
    consent = make_consent(people.in_township, organization=world.charity)
    assert api_as(supervisor).post(f"/api/v1/consents/{consent.pk}/revoke/", {"reason": "x"}).status_code == 403
    assert api_as(other_county_caseworker).get(f"/api/v1/consents/{consent.pk}/").status_code == 404


def test_the_expiry_job_marks_expired_consents_once(people, world):
    granted = timezone.now() - timedelta(days=40)
    old = make_consent(people.in_township, organization=world.charity, granted_at=granted, days=30)
    current = make_consent(people.in_township, organization=world.charity)
    assert expire_consents.apply().get() == 1
    assert expire_consents.apply().get() == 0
    old.refresh_from_db()
    current.refresh_from_db()
    assert old.status == "expired" and current.status == "active"
    assert AuditEntry.objects.filter(action="consent_expire").count() == 1


def test_evidence_is_served_only_through_the_permission_check(
    client, station_worker, other_county_caseworker, people, world
):
    response = api_as(station_worker).post("/api/v1/consents/", _body(people.in_township, world), format="multipart")
    url = reverse("beneficiaries:consent_evidence", args=[response.json()["id"]])
    assert client.get(url).status_code == 302  # anonymous: sign in first
    client.login(username=other_county_caseworker.username, password=PASSWORD)
    assert client.get(url).status_code == 404
    client.login(username=station_worker.username, password=PASSWORD)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    assert AuditEntry.objects.filter(action="evidence_view").count() == 1


def test_the_consent_page_records_and_revokes(client, station_worker, people, world):
    client.login(username=station_worker.username, password=PASSWORD)
    now = timezone.localtime()
    response = client.post(
        reverse("beneficiaries:consent_create", args=[people.in_township.pk]),
        {
            "purposes": ["charity_referral"],
            "recipient_scope": "network",
            "covered_fields": ["name", "address"],
            "method": "verbal_witnessed",
            "witness_name": "村主任 张建军",
            "granted_at": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "expires_at": (now + timedelta(days=180)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302
    consent = Consent.objects.get()
    response = client.post(reverse("beneficiaries:consent_revoke", args=[consent.pk]), {"reason": "家属要求撤回"})
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.status == "revoked"
