"""No full ID number or phone in any page, API read, admin list or export unless revealed."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from beneficiaries.models import Person
from tests.conftest import api_as
from tests.factories import PASSWORD, make_need


@pytest.fixture
def secrets_of(people):
    person = Person.objects.get(pk=people.in_township.pk)
    return person, [person.id_number, person.phone, person.id_number[6:14] + person.id_number[14:]]


def _assert_clean(text: str, secrets: list[str]) -> None:
    for secret in secrets:
        assert secret not in text


def test_html_pages_show_masked_values_only(client, caseworker, secrets_of):
    person, secrets = secrets_of
    make_need(person)
    client.login(username=caseworker.username, password=PASSWORD)
    for url in [
        reverse("beneficiaries:person_list"),
        reverse("beneficiaries:person_list") + "?q=" + person.id_number,
        reverse("beneficiaries:person_detail", args=[person.pk]),
        reverse("beneficiaries:person_edit", args=[person.pk]),
        reverse("beneficiaries:need_list"),
        reverse("beneficiaries:person_lookup") + "?q=王",
        reverse("beneficiaries:duplicate_list"),
    ]:
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        text = response.content.decode()
        _assert_clean(text, secrets)
    found = client.get(reverse("beneficiaries:person_list") + "?q=" + person.id_number.lower(), follow=True)
    assert found.redirect_chain and person.id_number not in found.redirect_chain[-1][0]
    assert list(found.context["page"].object_list) == [person]
    assert person.id_number_masked in found.content.decode()
    detail = client.get(reverse("beneficiaries:person_detail", args=[person.pk])).content.decode()
    assert person.id_number_masked in detail and "138****5678" in detail


def test_api_reads_are_masked(caseworker, secrets_of):
    person, secrets = secrets_of
    make_need(person)
    client = api_as(caseworker)
    for url in ["/api/v1/persons/", f"/api/v1/persons/{person.pk}/", "/api/v1/households/", "/api/v1/needs/"]:
        text = client.get(url).content.decode()
        _assert_clean(text, secrets)
    body = client.get(f"/api/v1/persons/{person.pk}/").json()
    assert body["id_number_masked"] == person.id_number_masked
    assert body["phone"] == "138****5678"
    assert "id_number" not in body and "health" not in body


def test_admin_list_and_change_page_are_masked(client, admin_user, secrets_of):
    person, secrets = secrets_of
    client.login(username=admin_user.username, password=PASSWORD)
    for url in [
        reverse("admin:beneficiaries_person_changelist"),
        reverse("admin:beneficiaries_person_change", args=[person.pk]),
        reverse("admin:beneficiaries_household_change", args=[person.household_id]),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_clean(response.content.decode(), secrets)


def _workbook_text(content: bytes) -> str:
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return "\n".join(
        " ".join(str(cell) for cell in row if cell is not None) for row in sheet.iter_rows(values_only=True)
    )


def test_exports_are_masked(client, caseworker, secrets_of):
    person, secrets = secrets_of
    make_need(person)
    client.login(username=caseworker.username, password=PASSWORD)
    register = client.get(reverse("beneficiaries:person_export"))
    needs = client.get(reverse("beneficiaries:need_export"))
    for response in (register, needs):
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        text = _workbook_text(response.content)
        _assert_clean(text, secrets)
        assert person.id_number_masked in text
    assert "138****5678" in _workbook_text(register.content)


def test_exports_cover_only_the_jurisdiction(client, station_worker, people):
    client.login(username=station_worker.username, password=PASSWORD)
    text = _workbook_text(client.get(reverse("beneficiaries:person_export")).content)
    assert people.in_township.name in text
    assert people.other_township.name not in text and people.other_county.name not in text


def test_a_change_in_the_admin_is_audited(client, admin_user, people):
    from audit.models import AuditEntry

    person = people.in_township
    client.login(username=admin_user.username, password=PASSWORD)
    url = reverse("admin:beneficiaries_need_add")
    response = client.post(
        url,
        {
            "person": person.pk,
            "region": person.region_id,
            "category": "goods",
            "urgency": "routine",
            "description": "冬季取暖煤",
            "source": "phone",
            "status": "open",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = AuditEntry.objects.get(target_type="beneficiaries.need")
    assert entry.actor == admin_user and entry.action == "create" and entry.changes["via"] == "admin"
