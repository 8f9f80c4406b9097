"""Tests written for mutants of the creating side of cases/services/referrals.py that survived
``make mutation`` (docs/testing.md): which office receives a charity's referral to government, what
a new referral records, and the consent gate's answers at sending."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import User
from beneficiaries.crypto import decrypt, mask_id_number, mask_phone
from beneficiaries.models import Consent, ConsentStatus
from cases.models import Referral, ReferralStatus
from cases.services import referral_create_to_government
from core.models import OrganizationKind
from tests.cases.conftest import Case, referral_to_our_charity
from tests.conftest import World, api_as
from tests.factories import OrganizationFactory, make_consent, region, valid_id_number


def _refer_to_government(charity_staff: User, **fields: Any) -> Any:
    """Our charity refers someone not in the register; ``fields`` go into the body."""
    region_code = fields.pop("region")
    body: dict[str, Any] = {
        "direction": "to_government",
        "person_details": fields.pop("person_details", {"name": "赵大山", "region": region_code}),
        "note": "失业后无收入，可能符合低保条件",
        **fields,
    }
    return api_as(charity_staff).post("/api/v1/referrals/", body, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")


# --- which office receives a referral to government --------------------------------------------
def test_a_referral_to_government_goes_to_the_township_office_of_the_persons_village(
    world: World, case: Case, charity_staff: User
) -> None:
    answer = _refer_to_government(charity_staff, region=world.our_village.code)
    assert answer.status_code == 201, answer.content
    assert answer.json()["to_organization"] == case.township_office.pk


def test_a_closed_township_office_leaves_the_referral_to_the_county_bureau(
    world: World, case: Case, charity_staff: User
) -> None:
    case.township_office.is_active = False
    case.township_office.save(update_fields=["is_active"])
    answer = _refer_to_government(charity_staff, region=world.our_village.code)
    assert answer.status_code == 201, answer.content
    assert answer.json()["to_organization"] == world.bureau.pk


def test_a_county_without_an_office_asks_the_charity_to_choose_one_rather_than_the_city_or_another_county(
    world: World, charity_staff: User
) -> None:
    # Only the township office or the county bureau of the person's own county receives it by default.
    OrganizationFactory.create(
        kind=OrganizationKind.CIVIL_AFFAIRS_BUREAU, name="延安市民政局", region=region("610600000000")
    )
    village = region("610625100201", "某村")  # 志丹县: no township office, no county bureau
    answer = _refer_to_government(charity_staff, region=village.code)
    assert answer.status_code == 400
    assert answer.json() == {"to_organization": ["该区划没有登记民政部门，请选择一个接收单位。"]}


# --- the consent gate at sending (SPEC rule 1) ----------------------------------------------------
def _send(caseworker: User, referral: Referral) -> Any:
    return api_as(caseworker).post(f"/api/v1/referrals/{referral.pk}/send/", HTTP_ACCEPT_LANGUAGE="zh-hans")


def _refused_in_chinese(answer: Any, words: str, referral: Referral) -> None:
    assert answer.status_code == 409, answer.content
    assert (answer.json()["detail"], answer.json()["code"]) == (words, "consent_missing")
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.DRAFT


def test_a_referral_under_a_named_consent_is_refused_a_field_only_another_consent_covers(
    world: World, case: Case, caseworker: User
) -> None:
    make_consent(case.person, fields=["health"])  # in force, but not the consent the referral is under
    referral = referral_to_our_charity(world, case, status=ReferralStatus.DRAFT, shared_fields=["name", "health"])
    answer = _send(caseworker, referral)
    _refused_in_chinese(answer, "授权同意不包括以下信息项：健康。请减少共享的信息项，或重新登记授权同意。", referral)


def test_a_referral_under_a_revoked_consent_is_not_sent_under_another_one(
    world: World, case: Case, caseworker: User
) -> None:
    revoked = make_consent(case.person, status=ConsentStatus.REVOKED, revoked_at=timezone.now())
    referral = referral_to_our_charity(world, case, consent=revoked, status=ReferralStatus.DRAFT)
    answer = _send(caseworker, referral)
    _refused_in_chinese(
        answer, "王秀英 没有允许向 延川县慈善协会 转介并提供信息的有效授权同意，请先登记本人同意。", referral
    )


def test_without_a_named_consent_the_refusal_names_what_the_newest_closest_consent_lacks(
    world: World, case: Case, caseworker: User
) -> None:
    # Issue 15: of the consents in force, the one lacking the fewest fields is named (the newest of equals).
    case.consent.granted_at = timezone.now() - timedelta(days=2)
    case.consent.save(update_fields=["granted_at"])  # name, phone, address: lacks health
    make_consent(case.person, fields=["name", "health", "address"])  # newer: lacks phone
    make_consent(case.person, fields=["name"])  # lacks both
    referral = referral_to_our_charity(
        world, case, consent=None, status=ReferralStatus.DRAFT, shared_fields=["name", "phone", "health"]
    )
    _refused_in_chinese(_send(caseworker, referral), "当事人的授权同意不包括：电话。", referral)


# --- what a new referral to a charity records -----------------------------------------------------
def test_a_referral_sharing_an_unknown_field_is_refused_naming_it_in_chinese(
    world: World, case: Case, caseworker: User
) -> None:
    body = {
        "direction": "to_charity",
        "person": case.person.pk,
        "to_organization": world.charity.pk,
        "shared_fields": ["name", "salary", "name", "bank_card"],
    }
    answer = api_as(caseworker).post("/api/v1/referrals/", body, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert answer.status_code == 400
    assert answer.json() == {"shared_fields": ["无法识别的信息项：salary, bank_card。"]}
    assert not Referral.objects.exists()


def test_a_referral_shares_each_field_once_in_the_order_chosen(world: World, case: Case, caseworker: User) -> None:
    body = {
        "direction": "to_charity",
        "person": case.person.pk,
        "to_organization": world.charity.pk,
        "shared_fields": ["phone", "name", "phone"],
    }
    answer = api_as(caseworker).post("/api/v1/referrals/", body, format="json")
    assert answer.status_code == 201, answer.content
    assert answer.json()["shared_fields"] == ["phone", "name"]


# --- what a charity's referral to government records ----------------------------------------------
def test_a_referral_to_government_keeps_the_name_region_and_masked_phone_and_id_number(
    world: World, charity_staff: User
) -> None:
    number = valid_id_number(date(1975, 6, 1))
    answer = _refer_to_government(
        charity_staff,
        region=world.our_village.code,
        person_details={
            "name": " 赵大山 ",
            "region": world.our_village.code,
            "id_number": number,
            "phone": "13900001111",
        },
    )
    assert answer.status_code == 201, answer.content
    details = api_as(charity_staff).get(f"/api/v1/referrals/{answer.json()['id']}/").json()["person_details"]
    assert details == {
        "name": "赵大山",
        "region": world.our_village.code,
        "region_name": "永坪村",
        "address": "",
        "id_number_masked": mask_id_number(number),
        "phone_masked": mask_phone("13900001111"),
    }
    stored = Referral.objects.get(pk=answer.json()["id"]).person_details
    assert decrypt(stored["id_number_encrypted"]) == number and decrypt(stored["phone_encrypted"]) == "13900001111"


@pytest.mark.parametrize(
    ("purposes", "recipient"),
    [(["charity_referral", "matching"], "ours"), (["government_referral"], "another charity")],
    ids=["another purpose", "another charity"],
)
def test_a_registered_person_is_referred_to_government_only_with_their_consent_to_exactly_that(
    world: World, case: Case, charity_staff: User, purposes: list[str], recipient: str
) -> None:
    # SPEC rule 1: consent for government referral, given to this charity (or the network).
    Consent.objects.filter(pk=case.consent.pk).update(purposes=["charity_referral"])
    make_consent(
        case.person,
        purposes=purposes,
        organization=world.charity if recipient == "ours" else world.other_charity,
    )
    referral_to_our_charity(world, case, status=ReferralStatus.ACCEPTED)
    body = {"direction": "to_government", "person": case.person.pk, "note": "可能符合低保条件"}
    answer = api_as(charity_staff).post("/api/v1/referrals/", body, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert answer.status_code == 400
    assert answer.json() == {"person": ["王秀英 未同意由贵组织转介至政府部门；请先请民政部门记录此项授权同意。"]}


def test_a_charity_refers_to_government_only_a_person_it_is_still_helping(
    world: World, case: Case, charity_staff: User
) -> None:
    referral_to_our_charity(world, case, status=ReferralStatus.CLOSED)  # still readable, no longer helped
    with pytest.raises(ValidationError) as refused:
        referral_create_to_government(by=charity_staff, person=case.person, note="可能符合低保条件")
    assert refused.value.message_dict == {"person": ["您只能转介正在通过转介帮扶的已登记人员。"]}


@pytest.mark.parametrize("receiver", ["station", "charity"])
def test_a_referral_to_government_goes_only_to_a_bureau_or_township_office(
    world: World, charity_staff: User, receiver: str
) -> None:
    chosen = world.station if receiver == "station" else world.other_charity
    answer = _refer_to_government(charity_staff, region=world.our_village.code, to_organization=chosen.pk)
    assert answer.status_code == 400
    assert answer.json() == {"to_organization": ["请选择民政局或乡镇（街道）。"]}
