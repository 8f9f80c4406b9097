"""严防优亲厚友 (SPEC rule 11, issue #7 Acceptance 4): a declared relative's need, referral and
assistance are flagged, and the declaring caseworker cannot send their referral alone."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AuditEntry
from beneficiaries.services import assistance_record_create, need_log
from cases.models import ReferralStatus
from cases.services import referral_create_to_charity, referral_send
from supervision.models import ApprovalStatus, ConflictFlag, FlagKind, ReferralApproval
from supervision.services import SupervisionError, declaration_create, referral_approval_grant
from tests.conftest import api_as
from tests.factories import PASSWORD, make_person


def _draft(relative, world, by):
    return referral_create_to_charity(by=by, person=relative.person, to_organization=world.charity)


def test_a_need_for_a_declared_relative_is_flagged(relative, station_worker, caseworker):
    need = need_log(by=station_worker, person=relative.person, category="medical", description="住院费用高")
    flag = ConflictFlag.objects.get(kind=FlagKind.NEED, object_id=need.pk)
    assert flag.declaration.declarant == caseworker and not flag.by_declarant
    assert flag.region_id == relative.person.region_id


def test_assistance_recorded_by_a_colleague_is_flagged_not_as_the_declarants(relative, second_caseworker, world):
    record = assistance_record_create(
        by=second_caseworker,
        person=relative.person,
        programme="dibao",
        amount="620",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 6, 30),
        granting_organization=world.bureau,
    )
    assert not ConflictFlag.objects.get(kind=FlagKind.ASSISTANCE, object_id=record.pk).by_declarant


def test_someone_not_declared_is_not_flagged(world, station_worker):
    person = make_person(world.our_village, name="张三")
    need_log(by=station_worker, person=person, category="medical", description="住院费用高")
    assert not ConflictFlag.objects.exists()


def test_the_declaring_caseworker_cannot_send_alone(relative, caseworker, world):
    referral = _draft(relative, world, caseworker)
    assert ConflictFlag.objects.get(kind=FlagKind.REFERRAL, object_id=referral.pk).by_declarant
    assert ReferralApproval.objects.get(referral=referral).status == ApprovalStatus.PENDING
    with pytest.raises(SupervisionError) as error:
        referral_send(referral=referral, by=caseworker)
    assert error.value.code == "second_approval_required"
    assert "李桂兰" in error.value.message and "另一名经办人员" in error.value.message
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DRAFT


def test_sending_alone_through_the_api_is_a_409_in_chinese(relative, caseworker, world):
    referral = _draft(relative, world, caseworker)
    response = api_as(caseworker).post(f"/api/v1/referrals/{referral.pk}/send/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 409
    assert response.json()["code"] == "second_approval_required" and "优亲厚友" in response.json()["detail"]


def test_approved_by_a_second_caseworker_then_sent(relative, caseworker, second_caseworker, world):
    referral = _draft(relative, world, caseworker)
    approval = ReferralApproval.objects.get(referral=referral)
    browser = _browser(second_caseworker)
    page = browser.get(reverse("supervision:approval_list"))
    assert referral.reference in page.content.decode()
    response = browser.post(reverse("supervision:approval_grant", args=[approval.pk]), {"note": "已核实"})
    assert response.status_code == 302
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.APPROVED and approval.approved_by == second_caseworker
    assert AuditEntry.objects.filter(actor=second_caseworker, changes__second_approval="approved").exists()
    sent = referral_send(referral=referral, by=caseworker)
    assert sent.status == ReferralStatus.SENT


def test_the_same_caseworker_cannot_approve(relative, caseworker, world):
    referral = _draft(relative, world, caseworker)
    approval = ReferralApproval.objects.get(referral=referral)
    with pytest.raises(SupervisionError) as error:
        referral_approval_grant(approval=approval, by=caseworker)
    assert error.value.code == "approval_self"
    browser = _browser(caseworker)
    page = browser.get(reverse("supervision:approval_list")).content.decode()
    assert reverse("supervision:approval_grant", args=[approval.pk]) not in page  # listed as theirs, no button
    browser.post(reverse("supervision:approval_grant", args=[approval.pk]))
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.PENDING


def test_a_caseworker_who_also_declared_the_person_cannot_approve(relative, caseworker, second_caseworker, world):
    declaration_create(by=second_caseworker, name="李桂兰", id_number=relative.id_number, relationship="sibling")
    approval = ReferralApproval.objects.get(referral=_draft(relative, world, caseworker))
    with pytest.raises(SupervisionError) as error:
        referral_approval_grant(approval=approval, by=second_caseworker)
    assert error.value.code == "approval_conflicted"


def test_another_county_cannot_approve_nor_see_it(relative, caseworker, other_county_caseworker, world):
    approval = ReferralApproval.objects.get(referral=_draft(relative, world, caseworker))
    browser = _browser(other_county_caseworker)
    assert approval.referral.reference not in browser.get(reverse("supervision:approval_list")).content.decode()
    assert browser.post(reverse("supervision:approval_grant", args=[approval.pk])).status_code == 404
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.PENDING


@pytest.mark.parametrize("persona", ["station_worker", "supervisor", "charity_staff", "other_charity_staff"])
def test_other_roles_cannot_approve(request, persona, relative, caseworker, world):
    approval = ReferralApproval.objects.get(referral=_draft(relative, world, caseworker))
    browser = _browser(request.getfixturevalue(persona))
    assert browser.get(reverse("supervision:approval_list")).status_code == 403
    assert browser.post(reverse("supervision:approval_grant", args=[approval.pk])).status_code == 403


def test_anonymous_is_sent_to_sign_in(client):
    assert client.get(reverse("supervision:approval_list")).status_code == 302


def test_another_caseworker_may_send_it_without_approval(relative, caseworker, second_caseworker, world):
    referral = _draft(relative, world, second_caseworker)
    assert not ReferralApproval.objects.filter(referral=referral).exists()
    assert referral_send(referral=referral, by=second_caseworker).status == ReferralStatus.SENT
    assert ConflictFlag.objects.filter(kind=FlagKind.REFERRAL, object_id=referral.pk, by_declarant=False).exists()


def test_a_withdrawn_declaration_no_longer_flags(relative, caseworker, station_worker):
    browser = _browser(caseworker)
    browser.post(reverse("supervision:declaration_withdraw", args=[relative.declaration.pk]))
    need_log(by=station_worker, person=relative.person, category="medical", description="住院费用高")
    assert not ConflictFlag.objects.filter(kind=FlagKind.NEED).exists()


def test_declaring_checks_the_id_number_and_keeps_it_masked(caseworker, relative):
    with pytest.raises(ValidationError) as error:
        declaration_create(by=caseworker, name="某人", id_number="61062219600203001", relationship="parent")
    assert "id_number" in error.value.message_dict
    with pytest.raises(ValidationError):
        declaration_create(by=caseworker, name="李桂兰", id_number=relative.id_number, relationship="parent")
    assert relative.declaration.id_number_masked.count("*") >= 8
    page = _browser(caseworker).get(reverse("supervision:declaration_list")).content.decode()
    assert relative.declaration.id_number_masked in page and relative.id_number not in page


def test_the_declaration_page_takes_a_declaration(world, station_worker):
    from tests.factories import valid_id_number

    browser = _browser(station_worker)
    number = valid_id_number(date(1990, 1, 1))
    response = browser.post(
        reverse("supervision:declaration_list"), {"name": "周明", "id_number": number, "relationship": "spouse"}
    )
    assert response.status_code == 302
    assert station_worker.declarations.get().name == "周明"
    wrong = browser.post(
        reverse("supervision:declaration_list"), {"name": "周明", "id_number": "123", "relationship": "spouse"}
    )
    assert wrong.status_code == 200 and "18" in wrong.content.decode()


def test_nobody_else_withdraws_my_declaration(relative, second_caseworker, admin_user):
    assert (
        _browser(second_caseworker)
        .post(reverse("supervision:declaration_withdraw", args=[relative.declaration.pk]))
        .status_code
        == 404
    )
    relative.declaration.refresh_from_db()
    assert relative.declaration.ended_at is None


def test_conflict_alerts_for_the_county_supervisor_only(
    relative, supervisor, station_worker, world, other_county_caseworker, charity_staff
):
    need_log(by=station_worker, person=relative.person, category="medical", description="住院费用高")
    page = _browser(supervisor).get(reverse("supervision:conflict_list")).content.decode()
    assert "李桂兰" in page
    other = UserFactoryForCounty(world)
    assert "李桂兰" not in _browser(other).get(reverse("supervision:conflict_list")).content.decode()
    assert _browser(station_worker).get(reverse("supervision:conflict_list")).status_code == 403
    assert _browser(charity_staff).get(reverse("supervision:conflict_list")).status_code == 403


def UserFactoryForCounty(world):
    from accounts.models import Role
    from tests.factories import UserFactory

    return UserFactory.create(
        username="other_supervisor",
        role=Role.SUPERVISOR,
        organization=world.other_bureau,
        jurisdiction=world.other_county,
    )


def _browser(user):
    from django.test import Client

    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_a_draft_made_before_the_declaration_waits_for_approval_too(world, caseworker):
    from tests.factories import make_consent, valid_id_number

    number = valid_id_number(date(1958, 7, 9))
    person = make_person(world.our_village, name="孙玉梅", born=date(1958, 7, 9), id_number=number)
    make_consent(person, fields=["name"])
    referral = referral_create_to_charity(by=caseworker, person=person, to_organization=world.charity)
    declaration_create(by=caseworker, name="孙玉梅", id_number=number, relationship="in_law")
    assert ReferralApproval.objects.get(referral=referral).status == ApprovalStatus.PENDING
    with pytest.raises(SupervisionError):
        referral_send(referral=referral, by=caseworker)
