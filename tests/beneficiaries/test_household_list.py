"""The household list: the jurisdiction's households, heads masked as on the person list."""

from __future__ import annotations

import pytest

from tests.factories import make_household, make_person

pytestmark = pytest.mark.django_db

URL = "/register/households/"


@pytest.fixture
def households(world):
    ours = make_household(world.our_village, register_number="YC10001", annual_income="36000")
    head = make_person(world.our_village, household=ours, name="高秀兰")
    make_person(world.our_village, household=ours, name="高小军", relation="child")
    other_township = make_household(world.other_township, register_number="YC20001")
    make_person(world.other_township, household=other_township, name="冯建国")
    theirs = make_household(world.other_county, register_number="YZ30001")
    make_person(world.other_county, household=theirs, name="白玉兰", id_number=None)
    return {"ours": ours, "head": head}


def test_caseworker_sees_the_county_households_with_the_head_masked(client, caseworker, households):
    client.force_login(caseworker)
    html = client.get(URL).content.decode()
    head = households["head"]
    assert "YC10001" in html and "高秀兰" in html and "YC20001" in html
    assert head.id_number_masked in html and head.id_number not in html
    assert "36000" not in html  # money stays on the household page
    assert "YZ30001" not in html and "白玉兰" not in html
    assert f'href="/cases/ledger/?household={households["ours"].pk}"' in html


def test_the_number_of_members_is_shown(client, caseworker, households):
    client.force_login(caseworker)
    html = client.get(URL, {"q": "YC10001"}).content.decode()
    assert '<td data-label="人数">2</td>' in html


def test_search_by_register_number_or_head_name(client, caseworker, households):
    client.force_login(caseworker)
    by_number = client.get(URL, {"q": "YC2"}).content.decode()
    assert "YC20001" in by_number and "YC10001" not in by_number
    by_head = client.get(URL, {"q": "高秀"}).content.decode()
    assert "YC10001" in by_head and "YC20001" not in by_head
    # A member who is not the head does not find the household by name.
    assert "YC10001" not in client.get(URL, {"q": "高小军"}).content.decode()


def test_station_worker_sees_only_the_township(client, station_worker, households):
    client.force_login(station_worker)
    html = client.get(URL).content.decode()
    assert "YC10001" in html and "YC20001" not in html


def test_other_county_caseworker_sees_only_their_county(client, other_county_caseworker, households):
    client.force_login(other_county_caseworker)
    html = client.get(URL).content.decode()
    assert "YZ30001" in html and "YC10001" not in html


def test_supervisor_reads_the_list_but_gets_no_edit_links(client, supervisor, households):
    client.force_login(supervisor)
    html = client.get(URL).content.decode()
    assert "YC10001" in html
    assert f"/register/households/{households['ours'].pk}/edit/" not in html


@pytest.mark.parametrize("persona", ["charity_staff", "other_charity_staff"])
def test_charity_staff_have_no_household_list(client, persona, request, households):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(URL)
    assert response.status_code == 404
    assert "YC10001" not in response.content.decode()


def test_anonymous_is_sent_to_sign_in(client, households):
    response = client.get(URL)
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_empty_jurisdiction_says_how_households_appear(client, caseworker):
    client.force_login(caseworker)
    html = client.get(URL).content.decode()
    assert "本辖区还没有家庭户。" in html and "登记第一位家庭成员" in html
