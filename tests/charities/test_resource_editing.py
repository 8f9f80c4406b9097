"""Who changes resources, and what invalid input gets back (acceptance 1 and 4)."""

import pytest

from charities.models import Resource, ResourceStatus
from tests.conftest import OUR_COUNTY, api_as


def body(**overrides):
    data = {
        "name": "助学金",
        "kind": "project",
        "form": "money",
        "categories": ["education"],
        "service_regions": [OUR_COUNTY],
        "eligibility": {"min_age": 6, "max_age": 18, "vulnerabilities": ["minor"], "assistance_statuses": ["dibao"]},
        "capacity": {"people": 10, "amount": "20000.00"},
        "per_person_limit": "2000.00",
        "starts_on": "2026-09-01",
        "ends_on": "2026-12-31",
    }
    data.update(overrides)
    return data


def test_charity_staff_add_a_resource_to_their_own_organization(charity_staff, world):
    response = api_as(charity_staff).post("/api/v1/resources/", body(status="open"), format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["organization"] == world.charity.pk
    assert data["capacity_left"] == {"people": 10, "amount": "20000.00"}
    assert data["eligibility"]["vulnerabilities"] == ["minor"]
    assert data["service_regions"] == [OUR_COUNTY]
    assert data["status"] == "open"


def test_charity_staff_cannot_add_to_another_organization(charity_staff, world):
    response = api_as(charity_staff).post(
        "/api/v1/resources/", body(organization=world.other_charity.pk), format="json"
    )
    assert response.status_code == 403
    assert not Resource.objects.exists()


@pytest.mark.parametrize("persona", ["caseworker", "station_worker", "supervisor"])
def test_jurisdiction_roles_read_but_never_write(persona, request, supply):
    client = api_as(request.getfixturevalue(persona))
    assert client.post("/api/v1/resources/", body(), format="json").status_code == 403
    assert client.patch(f"/api/v1/resources/{supply.ours.pk}/", {"name": "改"}, format="json").status_code == 403
    assert (
        client.patch(f"/api/v1/resources/{supply.guangzhou.pk}/", {"status": "closed"}, format="json").status_code
        == 403
    )
    supply.ours.refresh_from_db()
    assert supply.ours.name == "大病医疗救助专项基金"


def test_charity_staff_edit_their_resource_and_capacity_left_follows(charity_staff, supply):
    Resource.objects.filter(pk=supply.ours.pk).update(people_left=7)  # 3 places taken
    response = api_as(charity_staff).patch(
        f"/api/v1/resources/{supply.ours.pk}/", {"capacity": {"people": 20}}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["capacity_left"]["people"] == 17


def test_capacity_cannot_go_below_what_is_taken(charity_staff, supply):
    Resource.objects.filter(pk=supply.ours.pk).update(people_left=2)  # 8 taken
    response = api_as(charity_staff).patch(
        f"/api/v1/resources/{supply.ours.pk}/", {"capacity": {"people": 5}}, format="json"
    )
    assert response.status_code == 400
    assert "8" in response.json()["capacity_people"][0]


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"ends_on": "2026-08-01"}, "ends_on", "2026-08-01"),
        ({"capacity": {"people": -1}}, "capacity_people", None),
        ({"capacity": {"amount": "-5"}}, "capacity_amount", None),
        ({"designated_counties": ["620000000000", "999999"]}, "designated_counties", "999999"),
        ({"service_regions": ["61abc"]}, "service_regions", "61abc"),
        ({"categories": ["unicorns"]}, "categories", "unicorns"),
        ({"eligibility": {"min_age": 30, "max_age": 20}}, "max_age", None),
    ],
)
def test_invalid_input_gets_a_clear_message_and_changes_nothing(charity_staff, world, overrides, field, words):
    from django.utils import translation

    with translation.override("zh-hans"):
        response = api_as(charity_staff).post(
            "/api/v1/resources/", body(**overrides), format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"
        )
    assert response.status_code == 400, response.content
    messages = response.json()[field]
    assert messages and all(len(m) > 5 for m in messages)
    if words:
        assert words in " ".join(messages)
    assert not Resource.objects.exists()


def test_a_designated_county_must_be_a_county(charity_staff, world):
    response = api_as(charity_staff).post(
        "/api/v1/resources/", body(designated_counties=[world.our_township.code]), format="json"
    )
    assert response.status_code == 400
    assert "永坪镇" in response.json()["designated_counties"][0]


def test_invalid_edit_changes_nothing(charity_staff, supply):
    response = api_as(charity_staff).patch(
        f"/api/v1/resources/{supply.ours.pk}/",
        {"name": "新名字", "starts_on": "2026-10-01", "ends_on": "2026-09-01"},
        format="json",
    )
    assert response.status_code == 400
    supply.ours.refresh_from_db()
    assert supply.ours.name == "大病医疗救助专项基金"


def test_status_moves_and_wrong_moves_are_409(charity_staff, supply):
    client = api_as(charity_staff)
    url = f"/api/v1/resources/{supply.ours.pk}/"
    assert client.patch(url, {"status": "paused"}, format="json").json()["status"] == "paused"
    assert client.patch(url, {"status": "closed"}, format="json").json()["status"] == "closed"
    response = client.patch(url, {"status": "open"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "resource_status"


def test_page_form_creates_a_resource(client, charity_staff, world):
    client.force_login(charity_staff)
    assert client.get("/supply/new/").status_code == 200
    response = client.post(
        "/supply/new/",
        {
            "name": "心理慰藉服务",
            "kind": "service",
            "form": "service",
            "categories": ["psychological"],
            "service_regions": "610622",
            "capacity_people": "5",
            "publish": "1",
        },
    )
    resource = Resource.objects.get(name="心理慰藉服务")
    assert response.status_code == 302 and response["Location"] == f"/supply/{resource.pk}/"
    assert resource.status == ResourceStatus.OPEN and resource.people_left == 5
    assert [r.code for r in resource.service_regions.all()] == [OUR_COUNTY]


def test_page_form_shows_errors_by_the_fields_and_saves_nothing(client, charity_staff, world):
    client.force_login(charity_staff)
    response = client.post(
        "/supply/new/",
        {
            "name": "助学",
            "kind": "project",
            "form": "money",
            "categories": ["education"],
            "designated_counties": "999999",
            "capacity_people": "-3",
            "starts_on": "2026-05-01",
            "ends_on": "2026-04-01",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) >= {"designated_counties", "capacity_people", "ends_on"}
    assert not Resource.objects.exists()


def test_pages_refuse_the_wrong_people(client, caseworker, other_charity_staff, supply):
    client.force_login(caseworker)
    assert client.get("/supply/new/").status_code == 403
    assert client.get(f"/supply/{supply.ours.pk}/edit/").status_code == 403
    assert client.post(f"/supply/{supply.ours.pk}/status/", {"status": "closed"}).status_code == 403
    client.force_login(other_charity_staff)
    assert client.get(f"/supply/{supply.ours.pk}/edit/").status_code == 404
    assert client.post(f"/supply/{supply.ours.pk}/status/", {"status": "closed"}).status_code == 404
    supply.ours.refresh_from_db()
    assert supply.ours.status == ResourceStatus.OPEN


def test_page_status_change(client, charity_staff, supply):
    client.force_login(charity_staff)
    response = client.post(f"/supply/{supply.ours.pk}/status/", {"status": "paused"})
    assert response.status_code == 302
    supply.ours.refresh_from_db()
    assert supply.ours.status == ResourceStatus.PAUSED


def test_a_budget_edit_keeps_the_money_already_taken_and_the_rest_follows(charity_staff, supply):
    # SPEC rule 15: money is bounded. 10,000 yuan budget, 3,000 already held or given.
    Resource.objects.filter(pk=supply.ours.pk).update(amount_left="7000.00")
    response = api_as(charity_staff).patch(
        f"/api/v1/resources/{supply.ours.pk}/", {"capacity": {"amount": "12000.00"}}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["capacity_left"]["amount"] == "9000.00"
    supply.ours.refresh_from_db()
    assert supply.ours.amount_left == 9000


def test_a_closed_resource_is_not_changed_and_says_so_in_chinese(charity_staff, supply):
    Resource.objects.filter(pk=supply.ours.pk).update(status=ResourceStatus.CLOSED)
    response = api_as(charity_staff).patch(f"/api/v1/resources/{supply.ours.pk}/", {"name": "改名"}, format="json")
    assert response.status_code == 409
    assert response.json() == {"detail": "该资源已结束，不能再修改。", "code": "resource_closed"}
    supply.ours.refresh_from_db()
    assert supply.ours.name == "大病医疗救助专项基金"
