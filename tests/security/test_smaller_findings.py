"""Issue 14, finding 18 (the smaller ones), each through the API the probe used.

Right-to-left override and zero-width-only names; a 1 MB description; a second head of household
by PATCH; 0001-01-01 where no date can be; a station worker recording assistance granted by
another county's office; an ``online`` consent with no evidence; consent to a government office;
a station worker reading a county-wide matching run's figures. (/api/schema/ and /api/docs/ for
staff only: see the section by "auth".)
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import User
from beneficiaries.models import Consent, Person
from matching.models import MatchingRun, MatchProposal, RunStatus
from tests.conftest import World, api_as
from tests.factories import ResourceFactory, make_household, make_need, make_person, valid_id_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(world: World) -> Person:
    return make_person(world.our_village, name="王秀英")


@pytest.mark.parametrize("name", ["\u202e英秀王", "王\u202e秀英", "\u200b\u200b", "\u200d\ufeff \u2060"])
def test_a_name_with_a_direction_override_or_only_invisible_characters_is_refused(
    world: World, caseworker: User, person: Person, name: str
) -> None:
    api = api_as(caseworker)
    created = api.post(
        "/api/v1/persons/",
        {
            "household": make_household(world.our_village).pk,
            "relation": "head",
            "name": name,
            "id_number": valid_id_number(),
            "region": world.our_village.code,
        },
        format="json",
    )
    assert created.status_code == 400 and created.json()["name"]
    renamed = api.patch(f"/api/v1/persons/{person.pk}/", {"name": name}, format="json")
    assert renamed.status_code == 400 and renamed.json()["name"]
    person.refresh_from_db()
    assert person.name == "王秀英"


def test_a_one_megabyte_description_is_refused(caseworker: User, person: Person) -> None:
    response = api_as(caseworker).post(
        "/api/v1/needs/",
        {
            "person": person.pk,
            "category": "medical",
            "urgency": "routine",
            "description": "x" * 1_000_000,
            "source": "visit",
        },
        format="json",
    )
    assert response.status_code == 400 and response.json()["description"]


def test_a_second_head_of_household_by_patch_is_refused(world: World, caseworker: User, person: Person) -> None:
    spouse = make_person(world.our_village, household=person.household, name="李建国", relation="spouse", male=True)
    response = api_as(caseworker).patch(f"/api/v1/persons/{spouse.pk}/", {"relation": "head"}, format="json")
    assert response.status_code == 400 and "户主" in response.json()["relation"][0]
    assert person.household.members.filter(relation="head").count() == 1


@pytest.mark.parametrize("field", ["period_start", "period_end"])
def test_an_assistance_period_in_year_one_is_refused(
    world: World, caseworker: User, person: Person, field: str
) -> None:
    body: dict[str, Any] = {
        "person": person.pk,
        "programme": "dibao",
        "amount": "620",
        "period_start": "2026-01-01",
        "period_end": "2026-06-30",
        "granting_organization": world.bureau.pk,
    }
    body[field] = "0001-01-01"
    response = api_as(caseworker).post("/api/v1/assistance-records/", body, format="json")
    assert response.status_code == 400 and "不是合理的日期" in response.json()[field][0]


def test_a_station_worker_cannot_record_assistance_granted_by_another_countys_office(
    world: World, station_worker: User, person: Person
) -> None:
    response = api_as(station_worker).post(
        "/api/v1/assistance-records/",
        {
            "person": person.pk,
            "programme": "dibao",
            "amount": "620",
            "period_start": "2026-01-01",
            "period_end": "2026-06-30",
            "granting_organization": world.other_bureau.pk,
        },
        format="json",
    )
    assert response.status_code == 400 and response.json()["granting_organization"]
    assert not person.assistance_records.exists()


def _consent(person: Person, recipient: int, method: str) -> dict[str, Any]:
    now = timezone.now()
    return {
        "person": person.pk,
        "purposes": ["charity_referral"],
        "recipient_scope": "organization",
        "recipient_organization": recipient,
        "fields": ["name"],
        "method": method,
        "granted_at": (now - timedelta(hours=1)).isoformat(),
        "expires_at": (now + timedelta(days=365)).isoformat(),
    }


def test_an_online_consent_without_evidence_is_refused(world: World, station_worker: User, person: Person) -> None:
    response = api_as(station_worker).post(
        "/api/v1/consents/", _consent(person, world.charity.pk, "online"), format="multipart"
    )
    assert response.status_code == 400 and response.json()["evidence"]
    assert not Consent.objects.exists()


def test_consent_to_a_government_office_is_refused(world: World, station_worker: User, person: Person) -> None:
    body = _consent(person, world.bureau.pk, "verbal_witnessed") | {"witness_name": "张村医"}
    response = api_as(station_worker).post("/api/v1/consents/", body, format="multipart")
    assert response.status_code == 400 and response.json()["recipient_organization"]
    assert not Consent.objects.exists()


def test_a_station_worker_sees_only_its_townships_part_of_a_county_run(
    world: World, caseworker: User, station_worker: User, person: Person
) -> None:
    elsewhere = make_person(world.other_township, name="李远方")
    resource = ResourceFactory.create(organization=world.charity)
    run = MatchingRun.objects.create(
        region=world.our_county,
        status=RunStatus.DONE,
        progress=100,
        started_by=caseworker,
        as_of=timezone.localdate(),
        needs_count=40,
        resources_count=7,
        proposed_count=2,
    )
    for who in (person, elsewhere):
        MatchProposal.objects.create(run=run, need=make_need(who), resource=resource, region=who.region, score=1)
    seen = api_as(station_worker).get(f"/api/v1/matching-runs/{run.pk}/").json()
    assert seen["counts"]["proposed"] == 1
    assert seen["needs_count"] is None and seen["resources_count"] is None
    listed = api_as(station_worker).get("/api/v1/matching-runs/").json()["results"]
    assert [r["needs_count"] for r in listed] == [None]
    county = api_as(caseworker).get(f"/api/v1/matching-runs/{run.pk}/").json()
    assert county["counts"]["proposed"] == 2 and county["needs_count"] == 40
