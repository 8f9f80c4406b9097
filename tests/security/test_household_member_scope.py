"""Issue 14, finding 15: a station worker sees household members only in its own township.

A household registered in 永坪镇 has a member living (registered) in 文安驿镇. The probe read that
member through the household's ledger and the head's page; the API showed the member too.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from beneficiaries.models import Person
from core.models import Region
from tests.conftest import World, api_as
from tests.factories import make_assistance_record, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def head_and_member(world: World) -> tuple[Person, Person]:
    head = make_person(world.our_village, name="王秀英")
    elsewhere = Region.objects.get(code="610622102201")  # 文安驿村, the other township of our county
    member = make_person(elsewhere, household=head.household, name="李远方", relation="child")
    make_assistance_record(member, world.bureau, amount="777.00")
    return head, member


def test_the_households_ledger_page_leaves_out_a_member_of_another_township(
    station_worker: User, head_and_member: tuple[Person, Person]
) -> None:
    head, _member = head_and_member
    client = Client()
    client.force_login(station_worker)
    page = client.get(reverse("cases:ledger"), {"household": head.household_id})
    assert page.status_code == 200
    assert "李远方" not in page.content.decode() and "777" not in page.content.decode()


def test_the_heads_page_leaves_out_a_member_of_another_township(
    station_worker: User, caseworker: User, head_and_member: tuple[Person, Person]
) -> None:
    head, _member = head_and_member
    for user, shown in ((station_worker, False), (caseworker, True)):
        client = Client()
        client.force_login(user)
        page = client.get(reverse("beneficiaries:person_detail", args=[head.pk]))
        assert page.status_code == 200
        assert ("李远方" in page.content.decode()) is shown, user


def test_the_api_leaves_out_a_member_of_another_township(
    station_worker: User, caseworker: User, head_and_member: tuple[Person, Person]
) -> None:
    head, member = head_and_member
    station = api_as(station_worker)
    ledger = station.get("/api/v1/ledger/", {"household": head.household_id})
    assert ledger.status_code == 200
    assert "777" not in ledger.content.decode()
    household = station.get(f"/api/v1/households/{head.household_id}/").json()
    assert member.pk not in household["members"]
    assert station.get(f"/api/v1/persons/{member.pk}/").status_code == 404
    # The county's caseworker still sees the whole household.
    assert member.pk in api_as(caseworker).get(f"/api/v1/households/{head.household_id}/").json()["members"]
