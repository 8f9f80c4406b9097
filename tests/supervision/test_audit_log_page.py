"""Supervisors read the audit log of their county: filter by user, person, action, period; reveals
are findable; other roles are refused and another county's entries are invisible."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from beneficiaries.services import person_reveal
from tests.conftest import api_as
from tests.factories import PASSWORD, UserFactory, make_person


def _browser(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def people(world):
    ours = make_person(world.our_village, name="王秀英")
    theirs = make_person(world.other_county, name="赵四")
    return ours, theirs


@pytest.fixture
def reveals(people, caseworker, other_county_caseworker):
    ours, theirs = people
    person_reveal(by=caseworker, person=ours, field="id_number", reason="核对低保申请材料")
    person_reveal(by=other_county_caseworker, person=theirs, field="id_number", reason="另一县的核对")


def _entries(response):
    return list(response.context["page"].object_list)


def test_the_supervisor_finds_who_saw_a_full_id_number_and_why(supervisor, caseworker, people, reveals):
    ours, _theirs = people
    browser = _browser(supervisor)
    response = browser.get(reverse("supervision:audit_log"), {"person": ours.pk, "action": "reveal"})
    (entry,) = _entries(response)
    assert entry.actor == caseworker and entry.changes == {"field": "id_number"}
    page = response.content.decode()
    assert "核对低保申请材料" in page and caseworker.display_name in page
    # What was seen, in words, not as the field's code.
    assert "字段：身份证号" in page and "id_number" not in page
    # Which record, in words: 人员 <id>, not the model's code beneficiaries.person #<id>.
    assert f"人员 {ours.pk}" in page and "beneficiaries.person" not in page


def test_searching_by_id_number_keeps_it_out_of_the_address(supervisor, people, reveals):
    ours, _theirs = people

    number = ours.id_number
    response = _browser(supervisor).get(
        reverse("supervision:audit_log"), {"person_q": number, "action": "reveal"}, follow=True
    )
    assert response.redirect_chain and all(number not in url for url, _status in response.redirect_chain)
    assert f"person={ours.pk}" in response.redirect_chain[-1][0]


def test_another_countys_entries_are_invisible(supervisor, people, reveals, other_county_caseworker):
    _ours, theirs = people
    browser = _browser(supervisor)
    all_entries = _entries(browser.get(reverse("supervision:audit_log")))
    assert all_entries and all(e.actor != other_county_caseworker for e in all_entries)
    assert _entries(browser.get(reverse("supervision:audit_log"), {"person": theirs.pk})) == []


def test_what_our_staff_did_elsewhere_is_visible(supervisor, caseworker, people):
    _ours, theirs = people
    from audit.services import audit_record

    audit_record(actor=caseworker, action="change", target=theirs)
    entries = _entries(_browser(supervisor).get(reverse("supervision:audit_log"), {"actor": caseworker.pk}))
    assert [e.person_pk for e in entries] == [theirs.pk]


def test_filters_by_user_action_and_period(supervisor, caseworker, station_worker, people, reveals):
    ours, _theirs = people
    from audit.services import audit_record

    audit_record(actor=station_worker, action="change", target=ours)
    browser = _browser(supervisor)
    by_station = _entries(browser.get(reverse("supervision:audit_log"), {"actor": station_worker.pk}))
    assert [e.action for e in by_station] == ["change"]
    today = timezone.localdate().isoformat()
    assert len(_entries(browser.get(reverse("supervision:audit_log"), {"since": today, "until": today}))) == 2
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    assert _entries(browser.get(reverse("supervision:audit_log"), {"until": yesterday})) == []
    wrong = browser.get(reverse("supervision:audit_log"), {"since": today, "until": yesterday})
    assert wrong.status_code == 200 and "field__error" in wrong.content.decode()


@pytest.mark.parametrize("persona", ["caseworker", "station_worker", "charity_staff", "other_charity_staff"])
def test_other_roles_are_refused(request, persona, reveals):
    user = request.getfixturevalue(persona)
    assert _browser(user).get(reverse("supervision:audit_log")).status_code == 403
    assert api_as(user).get("/api/v1/audit-entries/").status_code == 403


def test_anonymous_is_refused(client, api):
    assert client.get(reverse("supervision:audit_log")).status_code == 302
    assert api.get("/api/v1/audit-entries/").status_code == 401


def test_the_api_reads_the_same_scope(supervisor, people, reveals, world):
    ours, theirs = people
    api = api_as(supervisor)
    body = api.get("/api/v1/audit-entries/", {"action": "reveal"}).json()
    assert body["count"] == 1 and body["results"][0]["person_pk"] == ours.pk and body["results"][0]["entry_hash"]
    other = UserFactory.create(
        username="supervisor2", role="supervisor", organization=world.other_bureau, jurisdiction=world.other_county
    )
    theirs_only = api_as(other).get("/api/v1/audit-entries/", {"action": "reveal"}).json()
    assert [r["person_pk"] for r in theirs_only["results"]] == [theirs.pk]
    entry_id = body["results"][0]["id"]
    assert api_as(other).get(f"/api/v1/audit-entries/{entry_id}/").status_code == 404
    assert api.post("/api/v1/audit-entries/", {}).status_code == 405
    assert api.delete(f"/api/v1/audit-entries/{entry_id}/").status_code == 405


def test_an_administrator_reads_everything(admin_user, reveals):
    assert len(_entries(_browser(admin_user).get(reverse("supervision:audit_log"), {"action": "reveal"}))) == 2


def test_recorded_codes_read_as_words() -> None:
    from supervision.audit_display import describe_changes

    assert describe_changes(
        {"purposes": ["charity_referral"], "fields": ["name", "phone"], "status": ["open", "referred"], "x": 1}
    ) == [("用途", "转介至慈善组织"), ("字段", "姓名、电话"), ("状态", "开放中、已转介"), ("x", "1")]
