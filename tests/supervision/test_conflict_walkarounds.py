"""严防优亲厚友 walk-arounds (issue #13, issue #14 F4), each through the API or page a user would use:
withdrawing one's own declaration to send alone, deciding or registering one's relative's referral
to government, recording their assistance (by hand or by spreadsheet), a charity's staff member
accepting and reporting on their own relative's referral, and 复核审批 refusing (驳回)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from beneficiaries.models import AssistanceRecord
from cases.models import Notification, Referral, ReferralStatus
from cases.services import referral_accept, referral_create_to_charity, referral_send, referral_start
from supervision.models import ApprovalStatus, ConflictFlag, FlagKind, ReferralApproval
from supervision.services import declaration_create
from tests.beneficiaries.test_visit_import import assistance_xlsx
from tests.conftest import api_as
from tests.factories import PASSWORD, UserFactory, make_consent


def _browser(user):
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _draft_via_api(caseworker, relative, world):
    response = api_as(caseworker).post(
        "/api/v1/referrals/",
        {"direction": "to_charity", "person": relative.person.pk, "to_organization": world.charity.pk},
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def test_withdrawing_ones_declaration_does_not_let_one_send_alone(relative, caseworker, world):
    referral_id = _draft_via_api(caseworker, relative, world)
    _browser(caseworker).post(reverse("supervision:declaration_withdraw", args=[relative.declaration.pk]))
    relative.declaration.refresh_from_db()
    assert relative.declaration.ended_at is not None
    response = api_as(caseworker).post(f"/api/v1/referrals/{referral_id}/send/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 409
    assert response.json()["code"] == "second_approval_required"
    assert Referral.objects.get(pk=referral_id).status == ReferralStatus.DRAFT


def test_a_referral_made_after_withdrawing_still_waits_for_a_second_caseworker(
    relative, caseworker, second_caseworker, world
):
    _browser(caseworker).post(reverse("supervision:declaration_withdraw", args=[relative.declaration.pk]))
    referral_id = _draft_via_api(caseworker, relative, world)
    response = api_as(caseworker).post(f"/api/v1/referrals/{referral_id}/send/")
    assert response.status_code == 409 and response.json()["code"] == "second_approval_required"
    page = _browser(second_caseworker).get(reverse("supervision:approval_list")).content.decode()
    assert Referral.objects.get(pk=referral_id).reference in page  # the second person can act on it


def test_a_refused_second_approval_stops_the_referral(relative, caseworker, second_caseworker, world):
    referral_id = _draft_via_api(caseworker, relative, world)
    approval = ReferralApproval.objects.get(referral_id=referral_id)
    browser = _browser(second_caseworker)
    assert (
        reverse("supervision:approval_refuse", args=[approval.pk])
        in browser.get(reverse("supervision:approval_list")).content.decode()
    )
    browser.post(reverse("supervision:approval_refuse", args=[approval.pk]), {"note": ""})
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.PENDING  # a refusal says why
    response = browser.post(
        reverse("supervision:approval_refuse", args=[approval.pk]), {"note": "申请材料与实际不符"}, follow=True
    )
    assert "已驳回" in response.content.decode()
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.REFUSED and approval.approved_by == second_caseworker
    assert Notification.objects.filter(recipient=caseworker, kind="approval_refused").exists()
    sent = api_as(caseworker).post(f"/api/v1/referrals/{referral_id}/send/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert sent.status_code == 409 and sent.json()["code"] == "second_approval_refused"
    assert "申请材料与实际不符" in sent.json()["detail"]
    mine = _browser(caseworker).get(reverse("supervision:approval_list")).content.decode()
    assert "申请材料与实际不符" in mine


def test_only_another_caseworker_may_refuse(relative, caseworker, world):
    approval = ReferralApproval.objects.get(referral_id=_draft_via_api(caseworker, relative, world))
    _browser(caseworker).post(reverse("supervision:approval_refuse", args=[approval.pk]), {"note": "自己驳回自己"})
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.PENDING


def _to_government_about(relative, charity_staff, world):
    response = api_as(charity_staff).post(
        "/api/v1/referrals/",
        {
            "direction": "to_government",
            "person_details": {"name": "李桂兰", "id_number": relative.id_number, "region": world.our_village.code},
            "to_organization": world.bureau.pk,
            "note": "家中无收入来源，可能符合低保条件",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    referral_id = response.json()["id"]
    assert api_as(charity_staff).post(f"/api/v1/referrals/{referral_id}/send/").status_code == 200
    return referral_id


def test_the_declarant_cannot_accept_decide_or_register_their_relatives_referral_to_government(
    relative, caseworker, second_caseworker, charity_staff, world
):
    referral_id = _to_government_about(relative, charity_staff, world)
    refused = api_as(caseworker).post(f"/api/v1/referrals/{referral_id}/accept/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert refused.status_code == 409 and refused.json()["code"] == "conflict_of_interest"
    assert "优亲厚友" in refused.json()["detail"]
    assert api_as(second_caseworker).post(f"/api/v1/referrals/{referral_id}/accept/").status_code == 200
    link = api_as(caseworker).post(
        f"/api/v1/referrals/{referral_id}/link_person/", {"person": relative.person.pk}, format="json"
    )
    assert link.status_code == 409 and link.json()["code"] == "conflict_of_interest"
    decide = api_as(caseworker).post(
        f"/api/v1/referrals/{referral_id}/decide/", {"eligible": True, "programme": "dibao"}, format="json"
    )
    assert decide.status_code == 409 and decide.json()["code"] == "conflict_of_interest"
    assert Referral.objects.get(pk=referral_id).status == ReferralStatus.ACCEPTED
    decided = api_as(second_caseworker).post(
        f"/api/v1/referrals/{referral_id}/decide/", {"eligible": True, "programme": "dibao"}, format="json"
    )
    assert decided.status_code == 200


def test_the_declarant_cannot_record_government_assistance_for_their_relative(
    relative, caseworker, second_caseworker, world
):
    body = {
        "person": relative.person.pk,
        "programme": "dibao",
        "amount": "620",
        "period_start": "2026-01-01",
        "period_end": "2026-06-30",
        "granting_organization": world.bureau.pk,
    }
    refused = api_as(caseworker).post(
        "/api/v1/assistance-records/", body, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert refused.status_code == 409 and refused.json()["code"] == "conflict_of_interest"
    page = _browser(caseworker).post(
        reverse("beneficiaries:assistance_create", args=[relative.person.pk]),
        {k: v for k, v in body.items() if k != "person"},
    )
    assert page.status_code == 200 and "优亲厚友" in page.content.decode()
    assert not AssistanceRecord.objects.exists()
    assert api_as(second_caseworker).post("/api/v1/assistance-records/", body, format="json").status_code == 201
    assert ConflictFlag.objects.filter(kind=FlagKind.ASSISTANCE, by_declarant=False).count() == 1


def test_an_assistance_spreadsheet_runs_the_same_check(
    relative, caseworker, second_caseworker, world, django_capture_on_commit_callbacks, tasks_in_process
):
    from core.models import ImportBatch, ImportStatus

    row = {
        "id_number": relative.id_number,
        "programme": "最低生活保障",
        "amount": "620",
        "period_start": "2026-01-01",
        "period_end": "2026-06-30",
        "granting_organization": world.bureau.name,
    }
    browser = _browser(caseworker)
    with django_capture_on_commit_callbacks(execute=True):
        browser.post("/imports/assistance_records/", {"file": assistance_xlsx([row])})
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.INVALID
    assert "优亲厚友" in batch.errors[0]["message"]
    colleague = _browser(second_caseworker)
    with django_capture_on_commit_callbacks(execute=True):
        colleague.post("/imports/assistance_records/", {"file": assistance_xlsx([row])})
    batch = ImportBatch.objects.latest("created_at")
    assert batch.status == ImportStatus.READY, batch.errors
    with django_capture_on_commit_callbacks(execute=True):
        colleague.post(f"/imports/batch/{batch.pk}/confirm/")
    record = AssistanceRecord.objects.get()
    assert ConflictFlag.objects.filter(kind=FlagKind.ASSISTANCE, object_id=record.pk).exists()


@pytest.fixture
def charity_relative(relative, charity_staff):
    declaration_create(by=charity_staff, name="李桂兰", id_number=relative.id_number, relationship="parent")
    return relative


def test_charity_staff_cannot_accept_or_report_on_their_own_relatives_referral(
    charity_relative, charity_staff, second_caseworker, world
):
    colleague = UserFactory.create(username="charity_b", role=Role.CHARITY_STAFF, organization=world.charity)
    make_consent(charity_relative.person, organization=world.charity, fields=["name", "phone"])
    referral = referral_create_to_charity(
        by=second_caseworker, person=charity_relative.person, to_organization=world.charity
    )
    referral_send(referral=referral, by=second_caseworker)
    refused = api_as(charity_staff).post(f"/api/v1/referrals/{referral.pk}/accept/")
    assert refused.status_code == 409 and refused.json()["code"] == "conflict_of_interest"
    referral_accept(referral=referral, by=colleague)
    referral_start(referral=referral, by=colleague)
    report = api_as(charity_staff).post(
        f"/api/v1/referrals/{referral.pk}/feedback/", {"outcome": "helped", "amount": "500"}, format="json"
    )
    assert report.status_code == 409 and report.json()["code"] == "conflict_of_interest"
    assert (
        api_as(colleague)
        .post(f"/api/v1/referrals/{referral.pk}/feedback/", {"outcome": "helped", "amount": "500"}, format="json")
        .status_code
        == 200
    )
