"""Help given outside a referral (SPEC rule 16, API.md ``direct-help/``): a charity, a department or a
pairing cadre records help it gave directly, the person found by exact ID number only and their
consent kept with it; the help joins the ledger, where it is flagged against government
programmes, referrals and other direct help of the same kind in the same month."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from beneficiaries.validators import id_check_char
from cases.models import DirectHelp, Outcome, ReferralStatus
from supervision.services import declaration_create
from tests.conftest import api_as
from tests.factories import make_assistance_record, make_need, make_person, make_referral, valid_id_number

pytestmark = pytest.mark.django_db
API = "/api/v1/direct-help/"
TODAY = timezone.localdate()
MONTH_START = TODAY.replace(day=1)


@pytest.fixture
def wang(world):
    number = valid_id_number(date(1958, 4, 9))
    person = make_person(world.our_village, name="王建国", born=date(1958, 4, 9), male=True, id_number=number)
    person.number = number  # type: ignore[attr-defined]  # the test knows the card; the register keeps it encrypted
    return person


def money_body(person, **extra):
    body = {
        "id_number": person.number,
        "kind": "money",
        "amount": "800.00",
        "given_on": MONTH_START.isoformat(),
        "consent": {"method": "verbal_witnessed", "witness_name": "村主任李明"},
    }
    body.update(extra)
    return body


def ledger_rows(caseworker, person):
    response = api_as(caseworker).get(f"/api/v1/ledger/?person={person.pk}")
    assert response.status_code == 200, response.content
    return response.json()


# --- recorded through the API and shown in the ledger ---------------------------------------------
def test_a_charitys_direct_help_joins_the_ledger_and_is_flagged_against_dibao(charity_staff, caseworker, world, wang):
    make_assistance_record(wang, world.bureau, period_start=MONTH_START - timedelta(days=60), period_end=TODAY)
    response = api_as(charity_staff).post(API, money_body(wang), format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["person_name_masked"] == "王**"
    assert wang.number not in response.content.decode()
    assert data["organization_name"] == "延川县慈善协会"
    ledger = ledger_rows(caseworker, wang)
    direct = [e for e in ledger["results"] if e["source"] == "direct"]
    assert len(direct) == 1 and direct[0]["amount"] == "800.00" and direct[0]["organization"] == "延川县慈善协会"
    assert direct[0]["duplicate"] is True
    assert [e["duplicate"] for e in ledger["results"] if e["source"] == "government"] == [True]
    assert ledger["duplicate_count"] == 2


def test_direct_help_and_referral_help_of_the_same_kind_in_one_month_are_flagged(
    charity_staff, caseworker, world, wang
):
    need = make_need(wang, category="living")
    make_referral(
        person=wang,
        from_organization=world.bureau,
        to_organization=world.other_charity,
        status=ReferralStatus.COMPLETED,
        needs=[need],
        outcome=Outcome.HELPED,
        amount="300.00",
        helped_on=MONTH_START,
    )
    assert api_as(charity_staff).post(API, money_body(wang), format="json").status_code == 201
    flags = {e["source"]: e["duplicate"] for e in ledger_rows(caseworker, wang)["results"]}
    assert flags == {"charity": True, "direct": True}


def test_two_givers_helping_the_same_way_are_flagged_and_other_help_is_not(
    charity_staff, station_worker, caseworker, wang
):
    assert api_as(charity_staff).post(API, money_body(wang), format="json").status_code == 201
    pairing = money_body(wang, giver="pairing", helper_name="结对干部张卫东", amount="200")
    assert api_as(station_worker).post(API, pairing, format="json").status_code == 201
    care = money_body(wang, kind="service", amount=None, services=["care_visit"])
    assert api_as(charity_staff).post(API, care, format="json").status_code == 201
    entries = ledger_rows(caseworker, wang)["results"]
    assert sorted((e["category"], e["duplicate"]) for e in entries) == [
        ("care", False),
        ("living", True),
        ("living", True),
    ]
    assert any("结对干部张卫东" in e["what"] for e in entries)


def test_help_given_for_a_logged_need_closes_its_gap(charity_staff, caseworker, wang):
    need = make_need(wang, category="living", status="open")
    type(need).objects.filter(pk=need.pk).update(created_at=timezone.now() - timedelta(days=60))
    assert ledger_rows(caseworker, wang)["gaps"], "the old need is a gap before any help"
    assert (
        api_as(charity_staff).post(API, money_body(wang, given_on=TODAY.isoformat()), format="json").status_code == 201
    )
    assert ledger_rows(caseworker, wang)["gaps"] == []


# --- found by exact ID number only ----------------------------------------------------------------
def test_a_wrong_check_digit_is_refused_with_the_id_card_message(charity_staff, wang):
    wrong = wang.number[:17] + ("0" if id_check_char(wang.number[:17]) != "0" else "1")
    response = api_as(charity_staff).post(API, money_body(wang, id_number=wrong), format="json")
    assert response.status_code == 400
    assert "校验" in response.json()["id_number"][0]
    assert not DirectHelp.objects.exists()


def test_someone_outside_the_users_reach_reads_like_nobody(other_county_caseworker, wang):
    nobody = valid_id_number(date(1970, 1, 1))
    answers = [
        api_as(other_county_caseworker).post(API, money_body(wang, id_number=number), format="json")
        for number in (wang.number, nobody)
    ]
    assert [a.status_code for a in answers] == [400, 400]
    assert answers[0].json() == answers[1].json()
    assert "名册" in answers[0].json()["id_number"][0]


def test_the_id_search_of_the_page_is_posted_never_in_the_url(client, charity_staff, wang):
    client.force_login(charity_staff)
    page = client.post(reverse("cases:direct_help_new"), {"id_number": wang.number})
    assert page.status_code == 200
    html = page.content.decode()
    assert "王**" in html and wang.id_number_masked in html
    assert wang.number not in html
    assert "王建国" not in html


# --- the consent is a record ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("consent", "field", "words"),
    [
        ({"method": "verbal_witnessed"}, "consent_witness", "见证人"),
        ({"method": "signed_form"}, "consent_evidence", "签字"),
        ({"method": "nodded"}, "consent", ""),
    ],
)
def test_a_consent_without_its_proof_is_refused(charity_staff, wang, consent, field, words):
    response = api_as(charity_staff).post(API, money_body(wang, consent=consent), format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert words in str(response.json()[field])
    assert not DirectHelp.objects.exists()


def test_a_child_consents_through_a_guardian(charity_staff, world):
    born = TODAY.replace(year=TODAY.year - 9, day=1)
    number = valid_id_number(born)
    child = make_person(world.our_village, name="王小明", born=born, id_number=number)
    child.number = number  # type: ignore[attr-defined]
    refused = api_as(charity_staff).post(API, money_body(child), format="json")
    assert refused.status_code == 400 and "监护人" in str(refused.json()["consent_guardian"])
    body = money_body(child, consent={"method": "verbal_witnessed", "witness_name": "李明", "guardian_name": "王建国"})
    assert api_as(charity_staff).post(API, body, format="json").status_code == 201


def test_a_signed_form_is_uploaded_with_the_record(charity_staff, wang, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    body = money_body(wang)
    body["consent"] = '{"method": "signed_form"}'
    body["consent_evidence"] = SimpleUploadedFile("form.pdf", b"%PDF-1.4 signed", content_type="application/pdf")
    response = api_as(charity_staff).post(API, body, format="multipart")
    assert response.status_code == 201, response.content
    assert response.json()["consent"] == {
        "method": "signed_form",
        "witness_name": "",
        "guardian_name": "",
        "evidence_attached": True,
    }


# --- money, goods and days are checked ------------------------------------------------------------
@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"amount": None}, "amount"),
        ({"amount": "1000001"}, "amount"),
        ({"kind": "goods", "amount": None}, "items"),
        ({"kind": "service", "amount": None}, "services"),
        ({"given_on": (TODAY + timedelta(days=2)).isoformat()}, "given_on"),
        ({"giver": "department"}, "giver"),
    ],
)
def test_bad_help_is_refused_by_field(charity_staff, wang, extra, field):
    response = api_as(charity_staff).post(API, money_body(wang, **extra), format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_pairing_help_names_its_cadre(station_worker, wang):
    response = api_as(station_worker).post(API, money_body(wang, giver="pairing"), format="json")
    assert response.status_code == 400 and "helper_name" in response.json()


# --- who may record and read ----------------------------------------------------------------------
def test_supervisors_and_the_public_may_not_record(supervisor, wang):
    assert api_as(supervisor).post(API, money_body(wang), format="json").status_code == 403
    from rest_framework.test import APIClient

    assert APIClient().post(API, money_body(wang), format="json").status_code == 401


def test_the_other_charity_sees_nothing_of_our_record(charity_staff, other_charity_staff, supervisor, wang):
    pk = api_as(charity_staff).post(API, money_body(wang), format="json").json()["id"]
    assert api_as(other_charity_staff).get(API).json()["count"] == 0
    assert api_as(other_charity_staff).get(f"{API}{pk}/").status_code == 404
    assert api_as(supervisor).get(f"{API}{pk}/").status_code == 200


def test_a_station_worker_records_only_in_its_township(station_worker, world):
    number = valid_id_number(date(1966, 6, 6))
    from core.models import Region

    make_person(Region.objects.get(code="610622102201"), name="李桂兰", id_number=number)
    response = api_as(station_worker).post(API, {**money_body_for(number), "giver": "department"}, format="json")
    assert response.status_code == 400 and "名册" in response.json()["id_number"][0]


def money_body_for(number):
    return {
        "id_number": number,
        "kind": "money",
        "amount": "100",
        "given_on": MONTH_START.isoformat(),
        "consent": {"method": "verbal_witnessed", "witness_name": "李明"},
    }


def test_nobody_records_help_for_a_relative_they_declared(caseworker, wang):
    declaration_create(by=caseworker, name=wang.name, id_number=wang.number, relationship="sibling")
    response = api_as(caseworker).post(API, money_body(wang, giver="department"), format="json")
    assert response.status_code == 403
    assert "优亲厚友" in response.json()["detail"]
    assert not DirectHelp.objects.exists()


def test_the_record_is_audited(charity_staff, wang):
    pk = api_as(charity_staff).post(API, money_body(wang), format="json").json()["id"]
    entry = AuditEntry.objects.get(target_type="cases.directhelp", target_id=str(pk))
    assert entry.actor == charity_staff and entry.action == "create"


# --- the page: two steps, Back + resubmit saves once ----------------------------------------------
def test_the_page_records_once_and_the_ledger_shows_it(client, charity_staff, caseworker, wang):
    client.force_login(charity_staff)
    step2 = client.post(reverse("cases:direct_help_new"), {"id_number": wang.number})
    form = step2.context["form"]
    fields = {
        "person": form.initial["person"],
        "form_token": form.initial["form_token"],
        "giver": "charity",
        "kind": "goods",
        "items": "棉被 2 床",
        "given_on": TODAY.isoformat(),
        "consent_method": "verbal_witnessed",
        "consent_witness": "村主任李明",
    }
    saved = client.post(reverse("cases:direct_help_new"), fields, follow=True)
    assert "已记入台账" in saved.content.decode() or "台账" in saved.content.decode()
    again = client.post(reverse("cases:direct_help_new"), fields, follow=True)  # Back, then Save again
    assert again.status_code == 200
    assert DirectHelp.objects.count() == 1
    listed = client.get(reverse("cases:direct_help_list")).content.decode()
    assert "棉被 2 床" in listed and "王**" in listed
    client.force_login(caseworker)
    ledger = client.get(reverse("cases:ledger") + f"?person={wang.pk}").content.decode()
    assert "棉被 2 床" in ledger and "直接帮扶" in ledger


def test_a_tampered_person_token_is_refused(client, charity_staff, wang):
    client.force_login(charity_staff)
    response = client.post(
        reverse("cases:direct_help_new"),
        {"person": str(wang.pk), "kind": "money", "amount": "1", "given_on": TODAY.isoformat()},
        follow=True,
    )
    assert "重新输入身份证号" in response.content.decode()
    assert not DirectHelp.objects.exists()


def test_every_id_lookup_is_audited_and_capped_per_hour(charity_staff, wang, settings):
    """Typing ID numbers one after another would tell a charity who is on the register: each lookup
    is an audited reveal, found or not, and they share the hourly cap of revealed values."""
    nobody = valid_id_number(date(1970, 1, 1))
    api_as(charity_staff).post(API, money_body(wang, id_number=nobody), format="json")
    entry = AuditEntry.objects.get(actor=charity_staff, action="reveal")
    assert entry.changes == {"lookup": "direct_help_id_number", "found": False}
    assert nobody not in str(entry.changes) + entry.reason
    settings.REVEAL_MAX_PER_HOUR = 1
    refused = api_as(charity_staff).post(API, money_body(wang), format="json")
    assert refused.status_code == 429 and not DirectHelp.objects.exists()


def test_the_page_says_the_lookup_cap_is_reached_without_a_500(client, charity_staff, wang, settings):
    settings.REVEAL_MAX_PER_HOUR = 0
    client.force_login(charity_staff)
    page = client.post(reverse("cases:direct_help_new"), {"id_number": wang.number})
    assert page.status_code == 200 and "一小时" in page.content.decode()
