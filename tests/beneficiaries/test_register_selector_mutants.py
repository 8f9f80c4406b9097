"""Tests written for mutants of the register's selectors (``beneficiaries/selectors.py``: who sees
whom, where one may write, the household list's heads, probable duplicates, an ID number kept out of
the address) that survived ``make mutation`` (docs/testing.md, fifth run)."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role, User
from beneficiaries.models import NeedStatus
from beneficiaries.selectors import needs_visible_to, persons_visible_to, writable_regions
from tests.conftest import World, api_as
from tests.factories import UserFactory, make_household, make_need, make_person, region

pytestmark = pytest.mark.django_db


# --- who sees the register ---------------------------------------------------------------------
def test_charity_staff_given_a_jurisdiction_by_mistake_still_see_no_one_in_the_register(world: World) -> None:
    """A charity reads people only through referrals to it (SPEC rule 1): a jurisdiction left on a
    charity account (an administrator's slip) opens no part of the register, to any caller."""
    make_person(world.our_village, name="高秀兰")
    staff = UserFactory.create(
        username="charity_with_area", role=Role.CHARITY_STAFF, organization=world.charity, jurisdiction=world.our_county
    )
    assert not persons_visible_to(staff).exists()
    assert not needs_visible_to(staff).exists()


def test_a_deactivated_caseworker_sees_no_one_even_from_a_job_running_in_their_name(
    world: World, caseworker: User
) -> None:
    make_need(make_person(world.our_village, name="高秀兰"))
    assert persons_visible_to(caseworker).exists()
    caseworker.is_active = False
    caseworker.save(update_fields=["is_active"])
    assert not persons_visible_to(caseworker).exists()
    assert not needs_visible_to(caseworker).exists()


def test_only_those_who_keep_the_register_may_enter_people_and_only_in_their_area(
    world: World, caseworker: User, supervisor: User, charity_staff: User
) -> None:
    """Where a user may enter people (the imports and the region choices ask this): a caseworker in
    their county, a supervisor (reads only) and charity staff (no register) nowhere, without an error."""
    assert set(writable_regions(caseworker).values_list("code", flat=True)) >= {world.our_village.code}
    assert not writable_regions(caseworker).filter(code=world.other_county.code).exists()
    assert not writable_regions(supervisor).exists()
    assert not writable_regions(charity_staff).exists()


# --- an ID number stays out of the address -------------------------------------------------------
def test_an_id_number_in_the_api_address_is_refused_saying_to_search_with_post(world: World, caseworker: User) -> None:
    person = make_person(world.our_village, name="高秀兰")
    response = api_as(caseworker).get(f"/api/v1/persons/?q={person.id_number}")
    assert response.status_code == 400
    assert response.json()["q"] == ['请勿把身份证号放在地址中：请用 POST persons/search/ {"q": …} 查询。']


# --- the household list ------------------------------------------------------------------------------
def test_each_household_row_shows_its_own_head_not_another_households_or_a_member(
    client, world: World, caseworker: User
) -> None:
    first = make_household(world.our_village, register_number="YC10001")
    make_person(world.our_village, household=first, name="高秀兰")
    second = make_household(world.our_village, register_number="YC10002")
    make_person(world.our_village, household=second, name="高小军", relation="child")  # entered before the head
    head = make_person(world.our_village, household=second, name="冯建国")
    client.force_login(caseworker)
    rows = {
        h.register_number: (h.head_pk, h.head_name, h.head_id_number_masked)
        for h in client.get("/register/households/").context["page"]
    }
    assert rows["YC10001"][1] == "高秀兰"
    assert rows["YC10002"] == (head.pk, "冯建国", head.id_number_masked)


# --- probable duplicates ---------------------------------------------------------------------------
def test_duplicates_are_grouped_by_county_across_townships_and_only_with_their_own_members(
    client, world: World, admin_user: User
) -> None:
    """Same name and birth date in two townships of one county: a probable duplicate. The same in
    another county, or in a county of another province with the same last digits, is someone else;
    and a group lists only its own people."""
    born = date(1961, 4, 5)
    first = make_person(world.our_village, name="刘满仓", born=born, male=True)
    second = make_person(world.other_township, name="刘满仓", born=born, male=True)
    third = make_person(region("610622200000", "贾家坪镇"), name="刘满仓", born=born, male=True)
    make_person(world.other_county, name="刘满仓", born=born, male=True)
    make_person(region("510622100201", "四川某县某村"), name="刘满仓", born=born, male=True)
    make_person(world.our_village, name="刘满囤", born=born, male=True)  # another name, same day
    client.force_login(admin_user)
    groups = client.get(reverse("beneficiaries:duplicate_list")).context["groups"]
    assert [[p.pk for p in group] for group in groups] == [[first.pk, second.pk, third.pk]]


# --- reads do not decrypt what they do not show ------------------------------------------------------
def test_the_person_list_reads_no_encrypted_column(client, world: World, caseworker: User) -> None:
    household = make_household(world.our_village, annual_income="36000")
    make_person(world.our_village, household=household, name="高秀兰")
    api = api_as(caseworker)
    with CaptureQueriesContext(connection) as queries:
        assert api.get("/api/v1/persons/").status_code == 200
    selects = [
        q["sql"]
        for q in queries.captured_queries
        if "beneficiaries_person" in q["sql"] and q["sql"].startswith("SELECT")
    ]
    assert selects
    for column in ('"phone"', '"health"', '"disability_details"', '"annual_income"'):
        assert not any(
            f'"beneficiaries_person".{column}' in sql or f'"beneficiaries_household".{column}' in sql for sql in selects
        ), column


# --- a need repeating an open one ------------------------------------------------------------------
def test_a_need_is_asked_about_only_for_the_same_persons_open_need_of_that_kind(
    client, world: World, station_worker: User
) -> None:
    """The question “already has an open need of this kind” is about this person: a neighbour's open
    medical need, or this person's own medical need already fulfilled, lets the new one be saved."""
    from tests.cases.test_first_week import need_post, token_of

    person = make_person(world.our_village, name="王秀英")
    make_need(make_person(world.our_village, name="高秀兰"), category="medical")
    fulfilled = make_need(person, category="medical")
    fulfilled.status = NeedStatus.FULFILLED
    fulfilled.save(update_fields=["status"])
    client.force_login(station_worker)
    token = token_of(client.get(f"/register/needs/new/?person={person.pk}").content.decode())
    response = client.post("/register/needs/new/", need_post(person.pk, token))
    assert response.status_code == 302, "saved without a question"
    assert person.needs.filter(category="medical", status=NeedStatus.OPEN).count() == 1
