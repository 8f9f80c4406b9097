"""Issue #16 item 3: the station phone's offline copy and the records its queue sends (docs/offline.md).

The copy: a station worker gets the people and due visits of their own township, masked only; every
other role, and anyone else's township, is refused or absent. The queue: a record sent with
``X-Offline-Sync`` goes through the ordinary need and visit forms (every rule kept) and is answered
saved (once, however often it is sent) or refused with the reason.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Role, User
from audit.models import AuditAction, AuditEntry
from beneficiaries.models import Need, Person
from cases.models import FollowUp, FollowUpStatus, ReferralStatus
from core.models import OrganizationKind
from tests.conftest import World
from tests.factories import (
    OrganizationFactory,
    UserFactory,
    make_consent,
    make_need,
    make_person,
    make_referral,
    valid_id_number,
)

pytestmark = pytest.mark.django_db

CACHE = "/cases/offline/cache.json"
SYNC = {"X-Offline-Sync": "1"}


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _copy(user: User) -> dict[str, Any]:
    response = _client(user).get(CACHE)
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    return json.loads(response.content)


def _visit(world: World, person: Person) -> FollowUp:
    referral = make_referral(
        person=person,
        from_organization=world.bureau,
        to_organization=world.charity,
        consent=make_consent(person, fields=["name"]),
        needs=[make_need(person, category="living")],
        status=ReferralStatus.COMPLETED,
    )
    return FollowUp.objects.create(
        referral=referral, region=person.region, station=world.station, due_on=timezone.localdate()
    )


@pytest.fixture
def wang(world: World) -> Person:
    return make_person(
        world.our_village, name="王秀英", born=date(1952, 3, 12), id_number=valid_id_number(date(1952, 3, 12))
    )


# --- the copy -----------------------------------------------------------------------------------
def test_the_station_worker_gets_their_township_masked(world: World, station_worker: User, wang: Person) -> None:
    make_person(world.other_township, name="李桂兰", born=date(1948, 9, 2))
    visit = _visit(world, wang)

    copy = _copy(station_worker)

    assert copy["township"] == "永坪镇"
    assert copy["persons"] == [
        {"id": wang.pk, "name": "王*英", "id_number": wang.id_number_masked, "village": "永坪村"}
    ]
    assert [v["id"] for v in copy["visits"]] == [visit.pk]
    assert copy["visits"][0]["person"] == "王*英"
    body = json.dumps(copy, ensure_ascii=False)
    assert "王秀英" not in body and wang.id_number not in body and "李桂" not in body  # masked, own township only
    assert len(copy["form_tokens"]) >= 10
    assert AuditEntry.objects.filter(actor=station_worker, action=AuditAction.EXPORT).count() == 1


def test_another_townships_station_worker_does_not_get_ours(world: World, wang: Person) -> None:
    station = OrganizationFactory.create(
        kind=OrganizationKind.SERVICE_STATION, credit_code="", region=world.other_township
    )
    theirs = UserFactory.create(
        username="station2", role=Role.STATION_WORKER, organization=station, jurisdiction=world.other_township
    )
    _visit(world, wang)

    copy = _copy(theirs)

    assert copy["persons"] == [] and copy["visits"] == []


@pytest.mark.parametrize(
    "persona",
    ["caseworker", "other_county_caseworker", "supervisor", "charity_staff", "other_charity_staff", "admin_user"],
)
def test_other_roles_are_refused_the_copy(persona: str, request: pytest.FixtureRequest, wang: Person) -> None:
    user: User = request.getfixturevalue(persona)
    response = _client(user).get(CACHE)
    assert response.status_code == 403
    assert "王" not in response.content.decode()
    assert _client(user).get("/cases/offline/").status_code == 403


def test_signed_out_the_copy_answers_401(wang: Person) -> None:
    response = Client().get(CACHE)
    assert response.status_code == 401
    assert "王" not in response.content.decode()


# --- the queue's records --------------------------------------------------------------------
def _need_fields(person: Person, token: str, **more: str) -> dict[str, str]:
    return {
        "person": str(person.pk),
        "category": "medical",
        "urgency": "urgent",
        "description": "老人腿脚不便",
        "source": "visit",
        "form_token": token,
        **more,
    }


def test_a_need_sent_twice_is_saved_once(station_worker: User, wang: Person) -> None:
    client = _client(station_worker)
    token = json.loads(client.get(CACHE).content)["form_tokens"][0]

    first = client.post("/register/needs/new/", _need_fields(wang, token), headers=SYNC)
    again = client.post("/register/needs/new/", _need_fields(wang, token), headers=SYNC)

    need = Need.objects.get(person=wang)
    assert first.status_code == 201 and first.json()["result"] == "saved"
    assert first.json()["url"] == f"/register/needs/{need.pk}/"
    assert again.status_code == 200 and again.json() == {
        **first.json(),
        "already": True,
        "message": "这条需求已经保存过了。",
    }


def test_a_need_sent_again_after_signing_in_again_is_saved_once(station_worker: User, wang: Person) -> None:
    token = json.loads(_client(station_worker).get(CACHE).content)["form_tokens"][0]
    assert (
        _client(station_worker).post("/register/needs/new/", _need_fields(wang, token), headers=SYNC).status_code == 201
    )

    again = _client(station_worker).post(
        "/register/needs/new/", _need_fields(wang, token), headers=SYNC
    )  # a new session

    assert again.json()["result"] == "saved" and again.json()["already"] is True
    assert Need.objects.filter(person=wang).count() == 1


def test_a_need_for_someone_outside_the_township_is_refused_with_the_reason(world: World, station_worker: User) -> None:
    elsewhere = make_person(world.other_township, name="李桂兰", born=date(1948, 9, 2))
    response = _client(station_worker).post("/register/needs/new/", _need_fields(elsewhere, ""), headers=SYNC)

    assert response.status_code == 400 and response.json()["result"] == "refused"
    assert "不在您辖区的名册中" in response.json()["message"]
    assert not Need.objects.filter(person=elsewhere).exists()


def test_a_need_without_a_description_is_refused_naming_the_field(station_worker: User, wang: Person) -> None:
    response = _client(station_worker).post(
        "/register/needs/new/", _need_fields(wang, "", description=""), headers=SYNC
    )

    assert response.json()["result"] == "refused"
    assert response.json()["message"].startswith("情况描述：")
    assert "description" in response.json()["errors"]


def test_a_repeated_need_is_refused_until_ticked_as_new_and_names_nobody(station_worker: User, wang: Person) -> None:
    make_need(wang, category="medical")
    client = _client(station_worker)

    refused = client.post("/register/needs/new/", _need_fields(wang, ""), headers=SYNC)
    ticked = client.post("/register/needs/new/", _need_fields(wang, "", confirm_new="on"), headers=SYNC)

    assert refused.json()["result"] == "refused" and "记录为新需求" in refused.json()["message"]
    assert "王秀英" not in refused.content.decode()  # the phone keeps the answer: no name in it
    assert ticked.json()["result"] == "saved"
    assert Need.objects.filter(person=wang).count() == 2


def test_a_visit_sent_twice_is_recorded_once(world: World, station_worker: User, wang: Person) -> None:
    visit = _visit(world, wang)
    client = _client(station_worker)
    token = json.loads(client.get(CACHE).content)["form_tokens"][0]
    fields = {"satisfaction": "4", "need_met": "1", "visited_on": "2026-01-05", "note": "", "form_token": token}

    first = client.post(f"/cases/follow-ups/{visit.pk}/", fields, headers=SYNC)
    again = client.post(f"/cases/follow-ups/{visit.pk}/", fields, headers=SYNC)

    visit.refresh_from_db()
    assert first.json()["result"] == "saved" and again.json()["already"] is True
    assert (visit.status, visit.satisfaction, visit.visited_on) == (FollowUpStatus.DONE, 4, date(2026, 1, 5))
    assert visit.referral.events.filter(action="follow_up").count() == 1


def test_a_visit_someone_else_recorded_meanwhile_is_refused_with_the_reason(
    world: World, station_worker: User, caseworker: User, wang: Person
) -> None:
    visit = _visit(world, wang)
    fields = {"satisfaction": "4", "need_met": "1", "note": ""}
    assert _client(caseworker).post(f"/cases/follow-ups/{visit.pk}/", fields).status_code == 302

    response = _client(station_worker).post(f"/cases/follow-ups/{visit.pk}/", fields, headers=SYNC)

    assert response.status_code == 409
    assert response.json() == {"result": "refused", "message": "此回访已登记过。", "errors": {}}


def test_a_visit_outside_the_township_is_not_found(world: World, wang: Person) -> None:
    station = OrganizationFactory.create(
        kind=OrganizationKind.SERVICE_STATION, credit_code="", region=world.other_township
    )
    theirs = UserFactory.create(
        username="station2", role=Role.STATION_WORKER, organization=station, jurisdiction=world.other_township
    )
    visit = _visit(world, wang)
    response = _client(theirs).post(
        f"/cases/follow-ups/{visit.pk}/", {"satisfaction": "4", "need_met": "1"}, headers=SYNC
    )
    assert response.status_code == 404
    visit.refresh_from_db()
    assert visit.status == FollowUpStatus.DUE


# --- the service worker script ------------------------------------------------------------------
def test_the_service_worker_is_served_from_the_root_uncached(station_worker: User) -> None:
    response = Client().get("/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-store"
    first_line = response.content.decode().splitlines()[0]
    assert first_line.startswith("const CONFIG = ") and '"offlineUrl": "/cases/offline/"' in first_line


def test_the_offline_page_the_phone_keeps_holds_no_personal_data(
    world: World, station_worker: User, wang: Person
) -> None:
    _visit(world, wang)
    page = _client(station_worker).get("/cases/offline/").content.decode()

    assert "离线工作台" in page and 'id="need-form"' in page and 'id="visit-form"' in page
    assert "王" not in page and wang.id_number_masked not in page
