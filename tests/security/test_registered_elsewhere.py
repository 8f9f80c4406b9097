"""Issue 14, finding 13: an ID number registered in another county is not disclosed, and can be asked for.

Registering it says only that a record exists (no county, no name) and points to a record transfer
request; the request reaches the caseworkers of the county that holds the record, and the
requester's answer is the same whether or not a record was found.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from beneficiaries.models import TransferRequest
from cases.models import Notification
from tests.conftest import World, api_as
from tests.factories import make_household, make_person, valid_id_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def theirs(world: World) -> object:
    from core.models import Region

    return make_person(Region.objects.get(code="610621001000"), name="高远")  # 七里村街道, the other county


def test_registering_a_number_held_by_another_county_is_neutral_and_offers_a_transfer(
    world: World, caseworker: User, theirs: object
) -> None:
    household = make_household(world.our_village)
    response = api_as(caseworker).post(
        "/api/v1/persons/",
        {
            "household": household.pk,
            "relation": "head",
            "name": "高远",
            "id_number": theirs.id_number,  # type: ignore[attr-defined]
            "region": world.our_village.code,
        },
        format="json",
    )
    assert response.status_code == 400
    message = response.json()["id_number"][0]
    assert "延长县" not in message and "七里村" not in message and "高远" not in message
    assert "转移" in message


def test_the_transfer_request_reaches_the_holding_countys_caseworkers(
    world: World, caseworker: User, other_county_caseworker: User, theirs: object
) -> None:
    client = Client()
    client.force_login(caseworker)
    number = theirs.id_number  # type: ignore[attr-defined]
    response = client.post(reverse("cases:transfer_request"), {"id_number": number, "reason": "已迁入永坪镇居住"})
    assert response.status_code == 302
    assert number not in response["Location"]
    request = TransferRequest.objects.get()
    assert request.person == theirs and request.to_region == world.our_county
    told = Notification.objects.filter(recipient=other_county_caseworker, kind="transfer_request")
    assert told.exists()
    assert all(number not in n.title and "高远" not in n.title for n in told)
    assert not Notification.objects.filter(recipient=caseworker, kind="transfer_request").exists()


def test_an_unknown_number_gets_the_same_answer(client: Client, caseworker: User, world: World) -> None:
    client.force_login(caseworker)
    response = client.post(
        reverse("cases:transfer_request"), {"id_number": valid_id_number(), "reason": "已迁入永坪镇居住"}, follow=True
    )
    assert response.status_code == 200 and "如有记录" in response.content.decode()
    assert not TransferRequest.objects.exists()


def test_only_register_staff_with_a_jurisdiction_request_transfers(
    charity_staff: User, supervisor: User, world: World, theirs: object
) -> None:
    for user in (charity_staff, supervisor):
        client = Client()
        client.force_login(user)
        data = {"id_number": theirs.id_number, "reason": "已迁入"}  # type: ignore[attr-defined]
        assert client.post(reverse("cases:transfer_request"), data).status_code == 403
    assert Client().get(reverse("cases:transfer_request")).status_code == 302
    assert not TransferRequest.objects.exists()
