"""POST persons/{id}/reveal/ gives the full value to roles that may, with a reason, audited."""

from django.urls import reverse

from audit.models import AuditEntry
from beneficiaries.models import Person
from tests.conftest import api_as
from tests.factories import PASSWORD


def test_caseworker_reveals_the_id_number_and_it_is_audited(people, caseworker):
    person = Person.objects.get(pk=people.in_township.pk)
    response = api_as(caseworker).post(
        f"/api/v1/persons/{person.pk}/reveal/",
        {"field": "id_number", "reason": "办理医疗救助需核对身份"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json() == {"field": "id_number", "value": person.id_number}
    entry = AuditEntry.objects.get(action="reveal")
    assert entry.actor == caseworker and entry.target_id == str(person.pk)
    assert entry.reason == "办理医疗救助需核对身份" and entry.changes == {"field": "id_number"}
    assert person.id_number not in str(entry.changes)


def test_a_reveal_needs_a_reason(people, caseworker):
    response = api_as(caseworker).post(
        f"/api/v1/persons/{people.in_township.pk}/reveal/", {"field": "phone", "reason": ""}, format="json"
    )
    assert response.status_code == 400
    assert not AuditEntry.objects.filter(action="reveal").exists()


def test_an_unknown_field_is_refused(people, caseworker):
    response = api_as(caseworker).post(
        f"/api/v1/persons/{people.in_township.pk}/reveal/", {"field": "name", "reason": "核对信息"}, format="json"
    )
    assert response.status_code == 400


def test_reveal_outside_the_jurisdiction_is_404(people, station_worker):
    response = api_as(station_worker).post(
        f"/api/v1/persons/{people.other_township.pk}/reveal/", {"field": "phone", "reason": "电话回访"}, format="json"
    )
    assert response.status_code == 404


def test_charity_staff_may_not_reveal(people, charity_staff):
    response = api_as(charity_staff).post(
        f"/api/v1/persons/{people.in_township.pk}/reveal/", {"field": "phone", "reason": "电话回访"}, format="json"
    )
    assert response.status_code == 403


def test_the_page_reveals_once_and_is_not_cached(client, people, station_worker):
    person = Person.objects.get(pk=people.in_township.pk)
    client.login(username=station_worker.username, password=PASSWORD)
    url = reverse("beneficiaries:person_reveal", args=[person.pk])
    response = client.post(url, {"field": "phone", "reason": "电话通知领取物资"})
    assert response.status_code == 200
    assert "13812345678" in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    # The next ordinary view is masked again.
    assert "13812345678" not in client.get(reverse("beneficiaries:person_detail", args=[person.pk])).content.decode()
    assert AuditEntry.objects.filter(action="reveal", actor=station_worker).count() == 1
