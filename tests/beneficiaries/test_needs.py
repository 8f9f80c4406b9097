"""The need list: logged quickly by the station, moved through its statuses, filtered."""

from django.urls import reverse

from beneficiaries.models import Need
from tests.conftest import api_as
from tests.factories import PASSWORD, make_need


def test_station_worker_logs_a_need_through_the_api(station_worker, people, world):
    response = api_as(station_worker).post(
        "/api/v1/needs/",
        {
            "person": people.in_township.pk,
            "category": "medical",
            "urgency": "urgent",
            "description": "化疗费用缺口",
            "amount_requested": "8000",
            "source": "visit",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    need = Need.objects.get()
    assert need.status == "open" and need.logged_by == station_worker and need.logged_by_organization == world.station
    assert need.region_id == people.in_township.region_id


def test_a_need_for_someone_outside_the_township_is_refused(station_worker, people):
    response = api_as(station_worker).post(
        "/api/v1/needs/", {"person": people.other_township.pk, "category": "living", "description": "x"}, format="json"
    )
    assert response.status_code == 400 and "person" in response.json()
    assert not Need.objects.exists()


def test_unknown_codes_are_400(station_worker, people):
    response = api_as(station_worker).post(
        "/api/v1/needs/",
        {"person": people.in_township.pk, "category": "luxury", "urgency": "now", "description": "x"},
        format="json",
    )
    assert response.status_code == 400 and {"category", "urgency"} <= set(response.json())


def test_status_moves_forward_and_a_closed_need_is_409(caseworker, people):
    need = make_need(people.in_township)
    client = api_as(caseworker)
    for status in ["matched", "referred", "fulfilled", "closed"]:
        response = client.patch(f"/api/v1/needs/{need.pk}/", {"status": status}, format="json")
        assert response.status_code == 200 and response.json()["status"] == status
    response = client.patch(f"/api/v1/needs/{need.pk}/", {"status": "open"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "need_wrong_status"


def test_list_filters_by_status_category_and_urgency(caseworker, people):
    make_need(people.in_township, category="medical", urgency="emergency")
    make_need(people.in_township, category="housing", status="closed")
    client = api_as(caseworker)
    assert client.get("/api/v1/needs/?category=medical&urgency=emergency").json()["count"] == 1
    assert client.get("/api/v1/needs/?status=closed").json()["count"] == 1


def test_the_need_list_page_filters_by_region_and_status(client, caseworker, people):
    make_need(people.in_township)
    make_need(people.other_township, status="matched")
    client.login(username=caseworker.username, password=PASSWORD)
    page = client.get(reverse("beneficiaries:need_list") + "?region=610622100000")
    assert [n.person for n in page.context["page"].object_list] == [people.in_township]
    page = client.get(reverse("beneficiaries:need_list") + "?status=matched")
    assert [n.person for n in page.context["page"].object_list] == [people.other_township]


def test_the_quick_form_finds_the_person_and_logs_the_need(client, station_worker, people):
    client.login(username=station_worker.username, password=PASSWORD)
    form = client.get(reverse("beneficiaries:need_create"))
    assert form.status_code == 200 and 'name="viewport"' in form.content.decode()
    found = client.get(reverse("beneficiaries:person_lookup") + "?q=王秀")
    assert people.in_township.name in found.content.decode()
    assert (
        people.other_township.name not in client.get(reverse("beneficiaries:person_lookup") + "?q=李").content.decode()
    )
    response = client.post(
        reverse("beneficiaries:need_create"),
        {
            "person": people.in_township.pk,
            "category": "care",
            "urgency": "routine",
            "description": "独居，需要助餐",
            "source": "visit",
        },
    )
    assert response.status_code == 302
    assert Need.objects.get().category == "care"


def test_the_quick_form_refuses_a_person_outside_the_township(client, station_worker, people):
    client.login(username=station_worker.username, password=PASSWORD)
    response = client.post(
        reverse("beneficiaries:need_create"),
        {
            "person": people.other_township.pk,
            "category": "care",
            "urgency": "routine",
            "description": "x",
            "source": "visit",
        },
    )
    assert response.status_code == 200
    assert not Need.objects.exists()


def test_the_status_form_on_the_need_page(client, station_worker, people):
    need = make_need(people.in_township)
    client.login(username=station_worker.username, password=PASSWORD)
    client.post(reverse("beneficiaries:need_detail", args=[need.pk]), {"status": "closed", "note": "已由亲属照料"})
    need.refresh_from_db()
    assert need.status == "closed" and need.status_note == "已由亲属照料"
    client.post(reverse("beneficiaries:need_detail", args=[need.pk]), {"status": "open"})
    need.refresh_from_db()
    assert need.status == "closed"
