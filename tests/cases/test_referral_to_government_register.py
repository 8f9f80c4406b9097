"""Referral to government (SPEC rule 4, issue #13): the charity's ID number is checked like the
register's, the office is warned of other open referrals about the same person, and a person found
eligible enters the register (and the ledger) from the referral."""

from __future__ import annotations

from datetime import date

import pytest

from accounts.models import User
from beneficiaries.models import Person
from cases.models import Referral
from tests.conftest import World, api_as
from tests.factories import valid_id_number

NUMBER = valid_id_number(date(1975, 6, 1))


def _refer(charity_staff: User, world: World, id_number: str = NUMBER, name: str = "赵大勇"):
    return api_as(charity_staff).post(
        "/api/v1/referrals/",
        {
            "direction": "to_government",
            "person_details": {
                "name": name,
                "id_number": id_number,
                "region": world.our_village.code,
                "phone": "13900001111",
            },
            "to_organization": world.bureau.pk,
            "note": "失业后无收入，可能符合低保条件",
        },
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )


@pytest.mark.parametrize(
    ("id_number", "words"),
    [
        (NUMBER[:-1] + ("0" if NUMBER[-1] != "0" else "1"), "校验码"),  # wrong check digit
        (NUMBER[:14], "18"),  # 14 digits
    ],
)
def test_a_wrong_id_number_is_refused_in_chinese(charity_staff, world, id_number, words):
    response = _refer(charity_staff, world, id_number)
    assert response.status_code == 400
    assert words in str(response.json()["person_details"]) and "身份证" in str(response.json()["person_details"])
    assert not Referral.objects.exists()


def test_the_office_is_warned_of_other_open_referrals_about_the_same_person(
    charity_staff, other_charity_staff, caseworker, world
):
    first = _refer(charity_staff, world).json()["id"]
    second = _refer(charity_staff, world, name="赵大勇（重复）").json()["id"]
    for referral_id in (first, second):
        assert api_as(charity_staff).post(f"/api/v1/referrals/{referral_id}/send/").status_code == 200
    office_view = api_as(caseworker).get(f"/api/v1/referrals/{second}/").json()
    assert office_view["possible_duplicates"] == [Referral.objects.get(pk=first).reference]
    charity_view = api_as(charity_staff).get(f"/api/v1/referrals/{second}/").json()
    assert charity_view["possible_duplicates"] == []  # the referrer does not learn of others' referrals
    assert "id_number_index" not in charity_view["person_details"]


def test_a_person_found_eligible_is_registered_from_the_referral_and_reaches_the_ledger(
    charity_staff, caseworker, world
):
    referral_id = _refer(charity_staff, world).json()["id"]
    api_as(charity_staff).post(f"/api/v1/referrals/{referral_id}/send/")
    assert api_as(caseworker).post(f"/api/v1/referrals/{referral_id}/accept/").status_code == 200
    response = api_as(caseworker).post(f"/api/v1/referrals/{referral_id}/register_person/", {}, format="json")
    assert response.status_code == 200, response.json()
    person = Person.objects.get(id_number_masked=response.json()["person_details"]["id_number_masked"])
    assert (person.name, person.region_id, person.phone) == ("赵大勇", world.our_village.code, "13900001111")
    assert response.json()["person"] == person.pk
    decided = api_as(caseworker).post(
        f"/api/v1/referrals/{referral_id}/decide/", {"eligible": True, "programme": "dibao"}, format="json"
    )
    assert decided.status_code == 200
    ledger = api_as(caseworker).get(f"/api/v1/ledger/?person={person.pk}")
    assert ledger.status_code == 200
    again = api_as(caseworker).post(f"/api/v1/referrals/{referral_id}/register_person/", {}, format="json")
    assert again.status_code == 409  # already linked


def test_only_the_receiving_office_registers(charity_staff, other_county_caseworker, caseworker, world):
    referral_id = _refer(charity_staff, world).json()["id"]
    api_as(charity_staff).post(f"/api/v1/referrals/{referral_id}/send/")
    assert api_as(charity_staff).post(f"/api/v1/referrals/{referral_id}/register_person/").status_code == 403
    assert api_as(other_county_caseworker).post(f"/api/v1/referrals/{referral_id}/register_person/").status_code == 404
    assert not Person.objects.exists()
