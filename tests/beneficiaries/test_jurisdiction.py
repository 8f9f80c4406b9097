"""Station worker: its township. Caseworker: its county. Supervisor: reads, never writes.
Charity staff: no one here. Outside scope looks exactly like missing (404)."""

import pytest
from django.urls import reverse

from tests.conftest import api_as
from tests.factories import PASSWORD, make_need


def _ids(response):
    return {row["id"] for row in response.json()["results"]}


def test_station_worker_sees_only_its_township(people, station_worker):
    client = api_as(station_worker)
    assert _ids(client.get("/api/v1/persons/")) == {people.in_township.pk}
    assert client.get(f"/api/v1/persons/{people.other_township.pk}/").status_code == 404
    assert client.get(f"/api/v1/persons/{people.other_county.pk}/").status_code == 404


def test_caseworker_sees_its_county_and_not_the_other(people, caseworker):
    client = api_as(caseworker)
    assert _ids(client.get("/api/v1/persons/")) == {people.in_township.pk, people.other_township.pk}
    assert client.get(f"/api/v1/persons/{people.other_county.pk}/").status_code == 404


def test_other_county_caseworker_cannot_see_ours(people, other_county_caseworker):
    client = api_as(other_county_caseworker)
    assert _ids(client.get("/api/v1/persons/")) == {people.other_county.pk}
    assert client.get(f"/api/v1/persons/{people.in_township.pk}/").status_code == 404
    assert client.patch(f"/api/v1/persons/{people.in_township.pk}/", {"address": "x"}).status_code == 404


def test_station_worker_cannot_change_someone_in_another_township(people, station_worker):
    client = api_as(station_worker)
    response = client.patch(f"/api/v1/persons/{people.other_township.pk}/", {"address": "改"}, format="json")
    assert response.status_code == 404
    response = client.patch(f"/api/v1/persons/{people.in_township.pk}/", {"address": "永坪村5组1号"}, format="json")
    assert response.status_code == 200


def test_supervisor_reads_the_county_but_every_write_is_403(people, supervisor):
    client = api_as(supervisor)
    assert _ids(client.get("/api/v1/persons/")) == {people.in_township.pk, people.other_township.pk}
    assert client.patch(f"/api/v1/persons/{people.in_township.pk}/", {"address": "x"}, format="json").status_code == 403
    assert client.post("/api/v1/households/", {"region": "610622100201", "address": "x"}).status_code == 403
    need = make_need(people.in_township)
    assert client.patch(f"/api/v1/needs/{need.pk}/", {"status": "closed"}, format="json").status_code == 403
    assert client.post("/api/v1/needs/", {}, format="json").status_code == 403


@pytest.mark.parametrize("path", ["persons", "households", "needs", "consents", "assistance-records"])
def test_charity_staff_see_no_one_here(people, charity_staff, path):
    make_need(people.in_township)
    client = api_as(charity_staff)
    response = client.get(f"/api/v1/{path}/")
    assert response.status_code == 200 and response.json()["count"] == 0
    assert client.get(f"/api/v1/persons/{people.in_township.pk}/").status_code == 404


def test_charity_staff_cannot_write_the_register(people, charity_staff):
    response = api_as(charity_staff).post("/api/v1/needs/", {"person": people.in_township.pk}, format="json")
    assert response.status_code == 403


@pytest.mark.parametrize("path", ["persons", "households", "needs", "consents", "assistance-records"])
def test_anonymous_gets_401(api, path):
    assert api.get(f"/api/v1/{path}/").status_code == 401


def test_pages_answer_404_outside_scope(client, people, station_worker):
    client.login(username=station_worker.username, password=PASSWORD)
    assert client.get(reverse("beneficiaries:person_detail", args=[people.in_township.pk])).status_code == 200
    assert client.get(reverse("beneficiaries:person_detail", args=[people.other_township.pk])).status_code == 404
    need = make_need(people.other_township)
    assert client.get(reverse("beneficiaries:need_detail", args=[need.pk])).status_code == 404


def test_supervisor_pages_refuse_writes(client, people, supervisor):
    client.login(username=supervisor.username, password=PASSWORD)
    assert client.get(reverse("beneficiaries:person_detail", args=[people.in_township.pk])).status_code == 200
    assert client.get(reverse("beneficiaries:person_edit", args=[people.in_township.pk])).status_code == 403
    assert client.get(reverse("beneficiaries:need_create")).status_code == 403
    assert client.get(reverse("beneficiaries:person_create")).status_code == 403


def test_charity_staff_pages_are_404(client, people, charity_staff):
    client.login(username=charity_staff.username, password=PASSWORD)
    assert client.get(reverse("beneficiaries:person_list")).status_code == 404
    assert client.get(reverse("beneficiaries:person_detail", args=[people.in_township.pk])).status_code == 404


def test_anonymous_pages_redirect_to_sign_in(client, people):
    response = client.get(reverse("beneficiaries:need_list"))
    assert response.status_code == 302 and "/accounts/" in response["Location"]
