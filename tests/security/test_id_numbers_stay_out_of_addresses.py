"""Issue 14, finding 14: no full ID number in an address (access logs) or in the audit log.

The probe found ``?q=<ID>`` on the person lookup, the referral creation and the API, and
``changes: {"q": "<ID>"}`` in the audit entry of an export. Every search form of the URL conf is
found by walking it: each posts, and the answer's address carries a token, not the number.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from accounts.models import User
from audit.models import AuditEntry
from tests.conftest import World, api_as
from tests.factories import make_need, make_person
from tests.security.test_permission_matrix import _walk

pytestmark = pytest.mark.django_db

FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S)
SEARCH_INPUT = re.compile(r'<input[^>]*name="(q|person_q)"')


def _pages_without_arguments() -> list[str]:
    urls = []
    for key, route, _pattern in _walk(get_resolver()):
        if "<" in route or "(?P" in route or route.startswith(("api/", "admin/", "i18n/")) or ":" not in key:
            continue
        urls.append(reverse(key))
    return sorted(set(urls))


@pytest.fixture
def person(world: World) -> object:
    person = make_person(world.our_village, name="王秀英")
    make_need(person)
    return person


@pytest.mark.parametrize("persona", ["caseworker", "supervisor", "station_worker"])
def test_every_search_form_for_a_person_posts(persona: str, request: pytest.FixtureRequest) -> None:
    client = Client()
    client.force_login(request.getfixturevalue(persona))
    searching = []
    for url in _pages_without_arguments():
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        for attributes, body in FORM.findall(response.content.decode()):
            match = SEARCH_INPUT.search(body)
            if (match and "ID number" in body) or (match and "身份证号" in body):
                searching.append(url)
                assert 'method="post"' in attributes, f"{url}: the search form sends the ID number in the address"
    assert searching, "no search form for a person was found"


def test_a_posted_id_search_comes_back_as_a_token_and_finds_the_person(
    client: Client, caseworker: User, person: object
) -> None:
    client.force_login(caseworker)
    number = person.id_number  # type: ignore[attr-defined]
    for url in (
        reverse("beneficiaries:person_list"),
        reverse("beneficiaries:need_list"),
        reverse("beneficiaries:person_lookup"),
        reverse("cases:referral_new"),
    ):
        response = client.post(url, {"_search": "1", "q": number})
        assert response.status_code == 302
        assert number not in response["Location"] and number[-4:] in response["Location"]
        page = client.get(response["Location"])
        assert page.status_code == 200
        assert "王秀英" in page.content.decode(), url
        assert number not in page.content.decode(), url


def test_an_old_link_with_an_id_number_is_swapped_for_the_token(
    client: Client, caseworker: User, person: object
) -> None:
    client.force_login(caseworker)
    number = person.id_number  # type: ignore[attr-defined]
    response = client.get(reverse("cases:referral_new"), {"q": number})
    assert response.status_code == 302 and number not in response["Location"]


def test_the_audit_log_search_by_id_number_posts(client: Client, supervisor: User, person: object) -> None:
    client.force_login(supervisor)
    number = person.id_number  # type: ignore[attr-defined]
    response = client.post(reverse("supervision:audit_log"), {"_search": "1", "person_q": number}, follow=True)
    assert response.status_code == 200
    assert all(number not in url for url, _status in response.redirect_chain)
    assert response.redirect_chain[-1][0].endswith(f"person={person.pk}")  # type: ignore[attr-defined]


def test_an_export_searched_by_id_number_keeps_only_the_mask_in_the_audit_log(
    client: Client, caseworker: User, person: object
) -> None:
    client.force_login(caseworker)
    number = person.id_number  # type: ignore[attr-defined]
    for url in (reverse("beneficiaries:person_export"), reverse("beneficiaries:need_export")):
        response = client.get(url, {"q": number}, follow=True)
        assert response.status_code == 200
    entries = AuditEntry.objects.filter(action="export")
    assert entries.count() == 2
    for entry in entries:
        assert number not in str(entry.changes)
        assert number[-4:] in str(entry.changes)


def test_the_api_refuses_an_id_number_in_the_address_and_searches_by_post(caseworker: User, person: object) -> None:
    api = api_as(caseworker)
    number = person.id_number  # type: ignore[attr-defined]
    refused = api.get("/api/v1/persons/", {"q": number})
    assert refused.status_code == 400 and "POST" in refused.json()["q"][0]
    found = api.post("/api/v1/persons/search/", {"q": number}, format="json")
    assert found.status_code == 200
    assert [p["name"] for p in found.json()["results"]] == ["王秀英"]
    assert number not in found.content.decode()


def test_the_api_search_shows_only_what_the_user_may_see(
    other_county_caseworker: User, charity_staff: User, person: object
) -> None:
    number = person.id_number  # type: ignore[attr-defined]
    for user in (other_county_caseworker, charity_staff):
        found = api_as(user).post("/api/v1/persons/search/", {"q": number}, format="json")
        assert found.status_code == 200 and found.json()["count"] == 0
    assert Client().post("/api/v1/persons/search/", {"q": number}).status_code == 401
