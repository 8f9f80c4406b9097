"""Issue 14, finding 11: a charity cannot choose which county's supervisors read complaints about it.

A charity's administrator edits its own ``service_regions``; complaints about it go to the
supervisors of its registration county (and of the region the complaint names), whatever it edits.
"""

from __future__ import annotations

import pytest
from django.test import Client
from guardian.shortcuts import assign_perm

from accounts.models import Role, User
from tests.conftest import World, api_as
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_county_supervisor(world: World) -> User:
    return UserFactory.create(
        username="other_supervisor",
        role=Role.SUPERVISOR,
        organization=world.other_bureau,
        jurisdiction=world.other_county,
    )


def test_widening_service_regions_does_not_move_complaints_to_another_countys_supervisors(
    world: World, charity_staff: User, supervisor: User, other_county_supervisor: User
) -> None:
    assign_perm("core.manage_staff", charity_staff, world.charity)
    widened = api_as(charity_staff).patch(
        f"/api/v1/organizations/{world.charity.pk}/",
        {"service_regions": [world.our_county.pk, world.other_county.pk]},
        format="json",
    )
    assert widened.status_code == 200, widened.content
    filed = Client().post(
        "/api/v1/complaints/",
        {"content": "助学金名额给了工作人员的亲戚，请核查。", "about_organization": world.charity.pk},
        content_type="application/json",
    )
    assert filed.status_code == 201, filed.content
    reference = filed.json()["reference"]

    def listed(user: User) -> list[str]:
        return [c["reference"] for c in api_as(user).get("/api/v1/complaints/").json()["results"]]

    assert listed(supervisor) == [reference]  # the charity is registered in our county
    assert listed(other_county_supervisor) == []
    # Nor can the friendlier county's supervisor take it over by its id.
    complaint_id = api_as(supervisor).get("/api/v1/complaints/").json()["results"][0]["id"]
    moved = api_as(other_county_supervisor).patch(
        f"/api/v1/complaints/{complaint_id}/", {"status": "investigating"}, format="json"
    )
    assert moved.status_code == 404


def test_a_complaint_naming_another_county_reaches_that_countys_supervisors_too(
    world: World, supervisor: User, other_county_supervisor: User
) -> None:
    filed = Client().post(
        "/api/v1/complaints/",
        {
            "content": "在延长县发放物资时优亲厚友。",
            "about_organization": world.charity.pk,
            "region": world.other_county.pk,
        },
        content_type="application/json",
    )
    assert filed.status_code == 201, filed.content
    for user in (supervisor, other_county_supervisor):
        assert api_as(user).get("/api/v1/complaints/").json()["count"] == 1
