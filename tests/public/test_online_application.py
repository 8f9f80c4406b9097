"""Issue #16 item 1: a member of the public applies online; the need lands in the station's queue."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from beneficiaries.models import Consent, Need, OnlineApplication, Person, TextMessage
from cases.models import Channel, Notification
from tests.conftest import World
from tests.public.conftest import APPLY_URL, PHONE, apply, form_data

pytestmark = pytest.mark.django_db


def test_the_form_opens_without_signing_in(client: Client, world: World) -> None:
    response = client.get(APPLY_URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "在线申请" in page and "本人自愿在线申请救助帮扶" in page  # the consent text itself is on the page


def test_an_application_shows_only_the_reference_and_what_happens_next(client: Client, world: World) -> None:
    response = apply(client)
    assert response.status_code == 200
    page = response.content.decode()
    application = OnlineApplication.objects.get()
    assert application.reference.startswith("SQ") and application.reference in page
    assert "72 小时内" in page  # the call-back time for a routine application
    for personal in ("李桂兰", PHONE, PHONE[-4:], form_data()["id_number"], "永坪村三组", "尿毒症"):
        assert personal not in page


def test_it_lands_as_an_online_need_in_the_township_station_queue(
    client: Client, world: World, station_worker: User
) -> None:
    before = timezone.now()
    apply(client, categories=["medical", "living"])
    needs = Need.objects.order_by("category")
    assert [(n.category, n.source, n.region_id) for n in needs] == [
        ("living", "online", world.our_village.code),
        ("medical", "online", world.our_village.code),
    ]
    application = OnlineApplication.objects.get()
    assert before + timedelta(hours=72) <= application.call_back_by <= timezone.now() + timedelta(hours=72)
    client.force_login(station_worker)
    queue = client.get("/register/needs/").content.decode()
    assert queue.count("回电期限") == 2 and "李桂兰" in queue


def test_the_consent_is_recorded_as_online_with_the_text_version(client: Client, world: World) -> None:
    apply(client)
    consent = Consent.objects.get()
    assert consent.method == "online" and consent.wording_version == "online-2026-12"
    assert consent.recipient_scope == "network" and "contact" not in consent.purposes
    assert consent.recorded_by is None and not consent.evidence


def test_the_id_number_is_checked_like_everywhere_else(client: Client, world: World) -> None:
    response = apply(client, id_number="610622196804021234")
    assert response.status_code == 200
    assert "校验码" in response.content.decode()
    assert not OnlineApplication.objects.exists() and not Person.objects.exists()


def test_only_townships_and_villages_of_served_counties_can_be_chosen(client: Client, world: World) -> None:
    response = apply(client, region="陕西省 › 延安市 › 延川县")
    assert not OnlineApplication.objects.exists()
    assert "乡镇" in response.content.decode()
    found = client.get("/regions/search/", {"q": "永坪", "scope": "apply", "level": "4,5"}).json()["results"]
    assert {r["name"] for r in found} == {"永坪镇", "永坪村"}


def test_an_existing_person_is_found_by_id_number_and_left_unchanged(client: Client, world: World) -> None:
    from tests.factories import make_person

    person = make_person(world.our_village, name="李桂兰", id_number=form_data()["id_number"], phone="13800000000")
    apply(client)
    assert OnlineApplication.objects.get().person == person
    person.refresh_from_db()
    assert person.phone == "13800000000" and Person.objects.count() == 1


def test_an_emergency_application_notifies_the_county_caseworkers(
    client: Client, world: World, caseworker: User, tasks_in_process: None
) -> None:
    apply(client, urgency="emergency")
    told = Notification.objects.filter(recipient=caseworker, kind="emergency_need")
    assert told.filter(channel=Channel.IN_APP).exists()
    assert OnlineApplication.objects.get().call_back_by <= timezone.now() + timedelta(hours=2)


def test_a_text_message_goes_only_where_the_applicant_agreed(
    client: Client, world: World, tasks_in_process: None, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        apply(client)
    assert not TextMessage.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        apply(client, phone="13700001111", categories=["housing"], may_text="on")
    message = TextMessage.objects.get()
    assert message.template == "application_received" and message.status == "sent"
    assert message.params["reference"] == OnlineApplication.objects.get(phone_masked="137****1111").reference
    assert "李桂兰" not in message.text


def test_the_station_records_the_call_back(client: Client, world: World, station_worker: User) -> None:
    apply(client)
    need = Need.objects.get()
    client.force_login(station_worker)
    page = client.get(f"/register/needs/{need.pk}/").content.decode()
    assert "139****5678" in page and "已回电" in page
    client.post(f"/register/needs/{need.pk}/", {"action": "called_back"})
    application = OnlineApplication.objects.get()
    assert application.called_back_at is not None and application.called_back_by == station_worker


def test_a_supervisor_cannot_record_the_call_back(client: Client, world: World, supervisor: User) -> None:
    apply(client)
    need = Need.objects.get()
    client.force_login(supervisor)
    response = client.post(f"/register/needs/{need.pk}/", {"action": "called_back"})
    assert response.status_code == 403
    assert OnlineApplication.objects.get().called_back_at is None


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("other_county_caseworker", 404),
        ("charity_staff", 404),
        ("other_charity_staff", 404),
        ("supervisor", 403),
    ],
)
def test_the_call_back_is_refused_to_everyone_but_the_region_staff(
    client: Client, world: World, persona: str, expected: int, request: pytest.FixtureRequest
) -> None:
    apply(client)
    need = Need.objects.get()
    client.force_login(request.getfixturevalue(persona))
    response = client.post(f"/register/needs/{need.pk}/", {"action": "called_back"})
    assert response.status_code == expected
    assert OnlineApplication.objects.get().called_back_at is None


def test_the_call_back_needs_a_sign_in(client: Client, world: World) -> None:
    apply(client)
    need = Need.objects.get()
    response = Client().post(f"/register/needs/{need.pk}/", {"action": "called_back"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert OnlineApplication.objects.get().called_back_at is None


def test_the_county_caseworker_may_record_the_call_back(client: Client, world: World, caseworker: User) -> None:
    apply(client)
    need = Need.objects.get()
    client.force_login(caseworker)
    client.post(f"/register/needs/{need.pk}/", {"action": "called_back"})
    assert OnlineApplication.objects.get().called_back_by == caseworker


def test_the_form_reads_in_english_too(client: Client, world: World) -> None:
    page = client.get(APPLY_URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "I apply for assistance online of my own free will" in page
    assert "本人自愿" not in page
