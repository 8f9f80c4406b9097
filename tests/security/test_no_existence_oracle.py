"""A charity naming a person it cannot see gets the same answer as for an id that does not exist."""

from __future__ import annotations

import pytest

from accounts.models import User
from tests.conftest import World, api_as
from tests.factories import make_person


@pytest.mark.django_db
def test_referring_an_unseen_person_to_government_looks_like_a_missing_one(world: World, charity_staff: User) -> None:
    someone = make_person(world.our_village)  # registered, but never referred to this charity
    client = api_as(charity_staff)
    body = {"direction": "to_government", "note": "可能符合低保条件"}
    unseen = client.post("/api/v1/referrals/", body | {"person": someone.pk}, format="json")
    missing = client.post("/api/v1/referrals/", body | {"person": someone.pk + 1000}, format="json")
    assert unseen.status_code == missing.status_code == 400
    assert unseen.json() == missing.json()
