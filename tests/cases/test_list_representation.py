"""Lists answer exactly what they answered before issue #17 made them cheaper: the same rows in
the same order on every page (ids-first paging) and the same JSON for every row (QuickRepresentation)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from rest_framework import serializers

from accounts.models import User
from cases.models import Referral, ReferralEvent
from core.api_fields import QuickRepresentation
from tests.cases.conftest import Case
from tests.conftest import World, api_as
from tests.factories import make_need, make_person
from tests.factories.cases import make_referral


@pytest.fixture
def many(world: World, case: Case, caseworker: User) -> None:
    for n in range(5):
        person = make_person(world.our_village, name=f"李{n}")
        make_need(person, category="living", amount_requested=100 + n)
        referral = make_referral(
            person=person,
            from_organization=world.bureau,
            to_organization=world.charity,
            status=["sent", "accepted", "completed", "closed", "declined"][n],
        )
        ReferralEvent.objects.create(
            referral=referral, action="send", from_status="draft", to_status="sent", actor=caseworker
        )


def plain_drf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        QuickRepresentation,
        "to_representation",
        lambda self, instance: serializers.Serializer.to_representation(self, instance),
    )


def pages(user: User, path: str, size: int = 2) -> tuple[list[dict[str, Any]], int]:
    api, rows, page, count = api_as(user), [], 1, -1
    while True:
        body = api.get(f"{path}?page_size={size}&page={page}").json()
        rows += body["results"]
        count = body["count"]
        if not body["next"]:
            return rows, count
        page += 1


@pytest.mark.parametrize("path", ["/api/v1/referrals/", "/api/v1/needs/", "/api/v1/persons/", "/api/v1/households/"])
def test_api_lists_are_the_same_json_in_the_same_order_page_by_page(
    many: None, caseworker: User, charity_staff: User, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    for user in (caseworker, charity_staff):
        by_twos, count = pages(user, path)
        whole = api_as(user).get(f"{path}?page_size=200").json()["results"]
        assert by_twos == whole and len(by_twos) == count
    expected = {user.pk: pages(user, path)[0] for user in (caseworker, charity_staff)}
    plain_drf(monkeypatch)
    assert {user.pk: pages(user, path)[0] for user in (caseworker, charity_staff)} == expected


def test_a_referral_detail_is_the_same_json(
    many: None, world: World, case: Case, caseworker: User, charity_staff: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    referral = make_referral(
        person=case.person,
        from_organization=world.bureau,
        to_organization=world.charity,
        consent=case.consent,
        needs=[case.need],
        shared_fields=["name", "phone"],
    )
    quick = {u.pk: api_as(u).get(f"/api/v1/referrals/{referral.pk}/").json() for u in (caseworker, charity_staff)}
    plain_drf(monkeypatch)
    assert {
        u.pk: api_as(u).get(f"/api/v1/referrals/{referral.pk}/").json() for u in (caseworker, charity_staff)
    } == quick
    assert quick[charity_staff.pk]["person_view"]["fields"]["phone"] == "13812345678"


def test_register_pages_list_every_row_once_in_order(many: None, caseworker: User) -> None:
    client = Client()
    client.force_login(caseworker)
    for path, expected in [("/register/needs/", 6), ("/register/", 6), ("/register/households/", 6)]:
        first = client.get(path)
        assert first.status_code == 200
        page = first.context["page"]
        assert page.paginator.count == expected
        assert len(list(page)) == min(expected, page.paginator.per_page)


def test_choice_labels_follow_the_language_of_each_request(world: World, case: Case, caseworker: User) -> None:
    make_referral(person=case.person, from_organization=world.bureau, to_organization=world.charity, urgency="urgent")
    client = Client()
    client.force_login(caseworker)
    for language, label, other in [
        ("zh-hans", "紧急", "Urgent"),
        ("en", "Urgent", "紧急"),
        ("zh-hans", "紧急", "Urgent"),
    ]:
        page = client.get("/cases/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert f">{label}</span>" in page and f">{other}</span>" not in page
    assert case.person.get_gender_display() == "女"
    assert Referral(status="no_such_code").get_status_display() == "no_such_code"  # not a choice: the code itself


@pytest.mark.django_db
def test_region_columns_keep_a_finer_statistics_sample() -> None:
    """Migrations cases 0009 and beneficiaries 0008: a county's or township's share of a table is
    estimated from 500 histogram buckets, not 100 (bench/plans.py shows the difference)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL keeps the planner's statistics targets")
    tables = ["cases_referral", "beneficiaries_need", "beneficiaries_person", "beneficiaries_household"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, a.attstattarget FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            "WHERE a.attname = 'region_id' AND c.relname = ANY(%s)",
            [tables],
        )
        assert dict(cursor.fetchall()) == dict.fromkeys(tables, 500)
