"""Registering households and people: ID checks, cross-checks, duplicates; bad input changes nothing."""

from datetime import date

from django.urls import reverse

from audit.models import AuditEntry
from beneficiaries.models import Household, Person
from tests.conftest import api_as
from tests.factories import PASSWORD, make_household, valid_id_number


def _post_person(client, household, **overrides):
    body = {
        "household": household.pk,
        "relation": "head",
        "name": "高福山",
        "id_number": valid_id_number(date(1950, 2, 3), male=True),
        "phone": "13912345678",
        "region": "610622100201",
        "assistance_statuses": ["tekun"],
        "vulnerabilities": ["elderly_no_self_care"],
    }
    body.update(overrides)
    return client.post("/api/v1/persons/", body, format="json")


def test_station_worker_registers_a_household_and_its_head(station_worker, world):
    client = api_as(station_worker)
    response = client.post("/api/v1/households/", {"region": "610622100201", "address": "永坪村2组8号"}, format="json")
    assert response.status_code == 201, response.json()
    household = Household.objects.get(pk=response.json()["id"])
    response = _post_person(client, household)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["gender"] == "male" and body["birth_date"] == "1950-02-03"
    assert body["id_number_masked"].startswith("6106") and "*" in body["id_number_masked"]
    assert client.get(f"/api/v1/households/{household.pk}/").json()["head"] == body["id"]
    assert AuditEntry.objects.filter(action="create", target_type="beneficiaries.person").count() == 1


def test_a_bad_check_digit_is_refused_in_chinese_and_nothing_changes(station_worker, world):
    household = make_household(world.our_village)
    number = valid_id_number()
    bad = number[:-1] + ("1" if number[-1] != "1" else "2")
    response = _post_person(api_as(station_worker), household, id_number=bad)
    assert response.status_code == 400
    assert "校验码" in response.json()["id_number"][0]
    assert not Person.objects.exists()
    assert not AuditEntry.objects.exists()


def test_an_impossible_birth_date_is_refused(station_worker, world):
    household = make_household(world.our_village)
    response = _post_person(api_as(station_worker), household, id_number="610622195202300011")
    assert response.status_code == 400
    assert "不是真实日期" in response.json()["id_number"][0]


def test_gender_and_birth_date_are_cross_checked(station_worker, world):
    household = make_household(world.our_village)
    number = valid_id_number(date(1950, 2, 3), male=True)
    response = _post_person(
        api_as(station_worker), household, id_number=number, gender="female", birth_date="1951-01-01"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"gender", "birth_date"}
    assert "1950-02-03" in response.json()["birth_date"][0]


def test_an_unknown_region_is_refused(station_worker, world):
    response = api_as(station_worker).post(
        "/api/v1/households/", {"region": "610622199999", "address": "x"}, format="json"
    )
    assert response.status_code == 400
    assert not Household.objects.exists()


def test_a_region_outside_the_township_is_refused(station_worker, world):
    response = api_as(station_worker).post(
        "/api/v1/households/", {"region": "610622102000", "address": "文安驿镇"}, format="json"
    )
    assert response.status_code == 400
    assert "辖区" in response.json()["region"][0]


def test_the_same_id_number_twice_names_the_existing_record(caseworker, people, world):
    existing = Person.objects.get(pk=people.in_township.pk)
    response = _post_person(
        api_as(caseworker), make_household(world.our_village), id_number=existing.id_number, relation="head"
    )
    assert response.status_code == 400
    message = response.json()["id_number"][0]
    assert existing.name in message and existing.household.register_number in message


def test_a_duplicate_outside_the_jurisdiction_does_not_say_where(station_worker, people, world):
    other = Person.objects.get(pk=people.other_county.pk)
    response = _post_person(api_as(station_worker), make_household(world.our_village), id_number=other.id_number)
    assert response.status_code == 400
    message = response.json()["id_number"][0]
    assert other.name not in message and other.household.register_number not in message
    assert "转移申请" in message


def test_a_child_gets_the_minor_vulnerability(station_worker, world):
    household = make_household(world.our_village)
    response = _post_person(
        api_as(station_worker),
        household,
        relation="child",
        id_number=valid_id_number(date(2018, 6, 1)),
        vulnerabilities=[],
    )
    assert response.status_code == 201
    assert response.json()["vulnerabilities"] == ["minor"]


def test_unknown_codes_are_refused(station_worker, world):
    response = _post_person(api_as(station_worker), make_household(world.our_village), assistance_statuses=["rich"])
    assert response.status_code == 400 and "assistance_statuses" in response.json()


def test_the_page_registers_a_person_with_a_new_household(client, station_worker, world):
    client.login(username=station_worker.username, password=PASSWORD)
    number = valid_id_number(date(1948, 9, 9), male=False)
    response = client.post(
        reverse("beneficiaries:person_create"),
        {
            "name": "冯桂兰",
            "id_number": number,
            "phone": "",
            "relation": "head",
            "household": "",
            "region": "610622100201",
            "address": "永坪村1组3号",
            "assistance_statuses": ["dibao"],
        },
    )
    person = Person.objects.get(name="冯桂兰")
    assert response.status_code == 302 and response["Location"].endswith(f"/persons/{person.pk}/")
    assert person.household.region_id == "610622100201" and person.birth_date == date(1948, 9, 9)


def test_the_page_shows_the_id_error_and_creates_no_household(client, station_worker, world):
    client.login(username=station_worker.username, password=PASSWORD)
    response = client.post(
        reverse("beneficiaries:person_create"),
        {
            "name": "冯桂兰",
            "id_number": "12345",
            "relation": "head",
            "region": "610622100201",
            "address": "永坪村1组3号",
        },
    )
    assert response.status_code == 200
    assert "18" in response.content.decode()
    assert not Household.objects.exists()


def test_a_too_long_value_is_refused_in_plain_chinese(station_worker, world):
    """Length errors read as a person would say them, not Django's 确保该变量包含不超过 … 字符."""
    household = make_household(world.our_village)
    response = _post_person(api_as(station_worker), household, name="高" * 101)
    assert response.status_code == 400
    assert response.json()["name"] == ["最多填写 100 个字。"]
    assert not Person.objects.exists()
