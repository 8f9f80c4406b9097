"""Tests written for mutants that survived ``make mutation`` over the consent services (docs/testing.md):
each one changes a SPEC rule 2 behaviour a user would notice, and no test noticed. A consent record
says who recorded it, for whom and how; a refused one says in Chinese which field is wrong; the audit
entry keeps what was agreed."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from audit.models import AuditEntry
from beneficiaries.models import Consent, ConsentStatus
from beneficiaries.selectors import consent_allowed_fields, consent_in_force, consent_is_in_force
from beneficiaries.services import consent_grant, consent_proof_errors, consent_revoke
from beneficiaries.services.common import EVIDENCE_MAX_BYTES
from beneficiaries.tasks import expire_consents
from tests.conftest import api_as
from tests.factories import make_consent, make_person


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


# --- consent_grant, the proof and the evidence check (mutants of the second run) -----------
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _verbal(person, world, **overrides: Any) -> dict[str, Any]:
    now = timezone.now()
    body: dict[str, Any] = {
        "person": person.pk,
        "purposes": ["charity_referral"],
        "recipient_scope": "organization",
        "recipient_organization": world.charity.pk,
        "fields": ["name", "address"],
        "method": "verbal_witnessed",
        "witness_name": "村主任 张建军",
        "granted_at": (now - timedelta(hours=1)).isoformat(),
        "expires_at": (now + timedelta(days=365)).isoformat(),
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


REFUSALS = {
    "no purpose": ({"purposes": []}, "purposes", "请至少选择一项用途。"),
    "no field": ({"fields": []}, "fields", "请至少选择一项接收方可以查看的信息。"),
    "no organization named": ({"recipient_organization": None}, "recipient_organization", "请选择可以接收信息的组织。"),
    "expires when granted": ({"expires_at": "same"}, "expires_at", "有效期截止时间必须晚于同意时间。"),
    "granted five and a half minutes ahead": ({"granted_at": "ahead"}, "granted_at", "同意时间不能晚于现在。"),
}


@pytest.mark.parametrize("change", REFUSALS.values(), ids=REFUSALS.keys())
def test_a_refused_consent_names_the_wrong_field_in_chinese_and_stores_nothing(station_worker, people, world, change):
    overrides, field, message = change
    body = _verbal(people.in_township, world, **overrides)
    if body.get("expires_at") == "same":
        body["expires_at"] = body["granted_at"]
    if body.get("granted_at") == "ahead":
        body["granted_at"] = (timezone.now() + timedelta(minutes=5, seconds=30)).isoformat()
    response = api_as(station_worker).post("/api/v1/consents/", body, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert response.json() == {field: [message]}
    assert not Consent.objects.exists()


def test_consent_is_never_given_to_a_government_office(station_worker, people, world):
    body = _verbal(people.in_township, world, recipient_organization=world.bureau.pk)
    response = api_as(station_worker).post("/api/v1/consents/", body, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert response.json() == {"recipient_organization": ["同意书的接收方应为慈善组织等帮扶机构，而不是政府部门。"]}


def test_a_file_named_like_no_scan_is_refused_whatever_type_the_browser_claims(station_worker, people, world):
    fake = SimpleUploadedFile("同意书.txt", PDF, content_type="application/pdf")
    body = _verbal(people.in_township, world, method="signed_form", witness_name="", evidence=fake)
    response = api_as(station_worker).post(
        "/api/v1/consents/", body, format="multipart", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 400
    assert response.json() == {"evidence": ["请上传 PDF、JPG 或 PNG 格式的签字同意书。"]}
    assert not Consent.objects.exists()


def test_a_scan_of_exactly_10_mb_is_accepted(people):
    scan = SimpleUploadedFile("同意书.pdf", PDF.ljust(EVIDENCE_MAX_BYTES, b" "), content_type="application/pdf")
    errors = consent_proof_errors(
        person=people.in_township,
        method="signed_form",
        witness_name="",
        evidence=scan,
        guardian_name="",
        on=timezone.localdate(),
    )
    assert errors == {}


@pytest.mark.parametrize(
    ("asked", "field", "message"),
    [
        ({"purposes": ["charity_referral", "sell_the_data"]}, "purposes", "无法识别的代码：sell_the_data。"),
        ({"fields": ["name", "bank_account"]}, "fields", "无法识别的代码：bank_account。"),
        ({"recipient_scope": "everyone"}, "recipient_scope", "请选择指定组织或平台内所有组织。"),
    ],
)
def test_a_second_caller_gets_the_same_refusals_as_the_forms(station_worker, people, world, asked, field, message):
    # The API and the page refuse unknown codes first; the service keeps the rule for any other caller.
    now = timezone.now()
    grant: dict[str, Any] = {
        "by": station_worker,
        "person": people.in_township,
        "purposes": ["charity_referral"],
        "recipient_scope": "organization",
        "recipient_organization": world.charity,
        "fields": ["name"],
        "method": "verbal_witnessed",
        "witness_name": "张建军",
        "granted_at": now - timedelta(hours=1),
        "expires_at": now + timedelta(days=30),
        **asked,
    }
    with translation.override("zh-hans"), pytest.raises(ValidationError) as error:
        consent_grant(**grant)
    assert error.value.message_dict == {field: [message]}


def _fourteen_years_before(day: date, *, days_less: int) -> date:
    try:
        birthday = day.replace(year=day.year - 14)
    except ValueError:  # 29 February
        birthday = day.replace(year=day.year - 14, day=28)
    return birthday + timedelta(days=days_less)


def test_a_backdated_consent_asks_for_a_guardian_by_the_age_on_the_day_it_was_given(station_worker, world):
    # 14 years old since last week; the consent was given a month ago, at 13: the guardian consented.
    teen = make_person(
        world.our_village, name="王梓涵", born=_fourteen_years_before(timezone.localdate(), days_less=-7)
    )
    granted = timezone.now() - timedelta(days=30)
    body = _verbal(teen, world, granted_at=granted.isoformat())
    client = api_as(station_worker)
    response = client.post("/api/v1/consents/", body, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert response.json() == {"guardian_name": ["此人未满 14 周岁，须由监护人同意，请填写监护人姓名。"]}
    response = client.post("/api/v1/consents/", {**body, "guardian_name": "王建军"}, format="json")
    assert response.status_code == 201, response.json()
    consent = Consent.objects.get()
    assert (consent.guardian_name, consent.guardian_relation) == ("王建军", "")


def test_a_recorded_consent_keeps_who_recorded_it_and_the_names_as_typed(station_worker, people, world):
    body = _verbal(
        people.in_township,
        world,
        recipient_scope="network",  # the organization sent along is not kept: the whole network may receive
        witness_name="  村主任 张建军 ",
        guardian_name=" 王建军 ",
        guardian_relation=" 儿子 ",
    )
    response = api_as(station_worker).post("/api/v1/consents/", body, format="json", HTTP_USER_AGENT="pytest-agent")
    assert response.status_code == 201, response.json()
    consent = Consent.objects.get()
    assert consent.recorded_by == station_worker
    assert consent.recipient_organization is None
    assert (consent.witness_name, consent.guardian_name, consent.guardian_relation) == (
        "村主任 张建军",
        "王建军",
        "儿子",
    )
    entry = AuditEntry.objects.get(action="consent_grant")
    assert entry.actor == station_worker
    assert entry.changes == {"purposes": ["charity_referral"], "fields": ["name", "address"], "scope": "network"}
    assert (entry.path, entry.user_agent) == ("/api/v1/consents/", "pytest-agent")


def test_a_signed_form_is_stored_under_its_own_file_name(station_worker, people, world):
    scan = SimpleUploadedFile("consent-form.pdf", PDF, content_type="application/pdf")
    body = _verbal(people.in_township, world, method="signed_form", witness_name="", evidence=scan)
    response = api_as(station_worker).post("/api/v1/consents/", body, format="multipart")
    assert response.status_code == 201, response.json()
    assert Consent.objects.get().evidence.name.endswith(".pdf")


def test_an_online_consent_records_the_version_of_the_text_agreed_to(people):
    now = timezone.now()
    version = "2026-12-online-application-v3-long-name"  # longer than the 32 characters kept
    consent = consent_grant(
        by=None,
        person=people.in_township,
        purposes=["charity_referral"],
        recipient_scope="network",
        fields=["name"],
        method="online",
        granted_at=now,
        expires_at=now + timedelta(days=90),
        wording_version=version,
    )
    consent.refresh_from_db()
    assert consent.wording_version == version[:32]
    entry = AuditEntry.objects.get(action="consent_grant")
    assert entry.changes["wording_version"] == version


@pytest.mark.parametrize(
    ("how", "errors"),
    [
        ({"method": "fax"}, {"method": "请选择同意方式。"}),
        ({"method": "online"}, {"evidence": "线上同意须附上记录（确认页面或回执）。"}),  # no version, no record
    ],
)
def test_how_a_consent_was_given_is_checked_for_every_caller(people, how, errors):
    # Direct help keeps its consent through this check too (cases/services/direct_help.py).
    asked = {"witness_name": "", "evidence": None, "guardian_name": "", "on": timezone.localdate(), **how}
    with translation.override("zh-hans"):
        assert consent_proof_errors(person=people.in_township, **asked) == errors


def test_on_the_fourteenth_birthday_the_person_consents_alone(station_worker, world):
    today = timezone.localdate()
    teen = make_person(world.our_village, name="王梓涵", born=_fourteen_years_before(today, days_less=0))
    if teen.age_on(today) != 14:  # born on 29 February: the birthday is tomorrow this year
        pytest.skip("no fourteenth birthday today")
    body = _verbal(teen, world, granted_at=(timezone.now() - timedelta(minutes=1)).isoformat())
    if timezone.localdate(timezone.now() - timedelta(minutes=1)) != today:
        pytest.skip("just after midnight: the consent would be dated yesterday")
    response = api_as(station_worker).post("/api/v1/consents/", body, format="json")
    assert response.status_code == 201, response.json()


def test_a_scanned_png_is_accepted_and_a_disguised_file_is_refused_in_chinese(people):
    png = SimpleUploadedFile("同意书.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, content_type="image/png")
    fake = SimpleUploadedFile("同意书.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    asked = {"person": people.in_township, "method": "signed_form", "witness_name": "", "guardian_name": ""}
    with translation.override("zh-hans"):
        assert consent_proof_errors(evidence=png, on=timezone.localdate(), **asked) == {}
        assert consent_proof_errors(evidence=fake, on=timezone.localdate(), **asked) == {
            "evidence": "该文件实际上不是 PDF、JPG 或 PNG 文件，请重新扫描同意书。"
        }
