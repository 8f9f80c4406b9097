"""Who sees which regions through /api/v1/regions/."""

import pytest

from tests.conftest import OTHER_COUNTY, OTHER_TOWNSHIP, OUR_COUNTY, OUR_TOWNSHIP, OUR_VILLAGE, api_as


def codes(response):
    assert response.status_code == 200, response.content
    return {row["code"] for row in response.json()["results"]}


def test_anonymous_is_refused(api, world):
    assert api.get("/api/v1/regions/").status_code == 401


def test_caseworker_sees_the_county_subtree_and_the_regions_above(caseworker):
    seen = codes(api_as(caseworker).get("/api/v1/regions/?page_size=200"))
    assert {OUR_COUNTY, OUR_TOWNSHIP, OUR_VILLAGE, OTHER_TOWNSHIP, "610000000000", "610600000000"} <= seen
    assert OTHER_COUNTY not in seen


def test_caseworker_gets_404_for_another_county(caseworker):
    assert api_as(caseworker).get(f"/api/v1/regions/{OTHER_COUNTY}/").status_code == 404
    assert api_as(caseworker).get("/api/v1/regions/610621001000/").status_code == 404


def test_station_worker_sees_only_its_township(station_worker):
    client = api_as(station_worker)
    seen = codes(client.get("/api/v1/regions/?page_size=200"))
    assert {OUR_TOWNSHIP, OUR_VILLAGE, OUR_COUNTY} <= seen
    assert OTHER_TOWNSHIP not in seen
    assert client.get(f"/api/v1/regions/{OTHER_TOWNSHIP}/").status_code == 404


def test_supervisor_reads_the_county(supervisor):
    response = api_as(supervisor).get(f"/api/v1/regions/{OUR_VILLAGE}/")
    assert response.status_code == 200
    assert response.json() == {"code": OUR_VILLAGE, "name": "永坪村", "level": 5, "parent": OUR_TOWNSHIP}


def test_charity_staff_see_where_their_organization_works(charity_staff, other_charity_staff):
    assert OUR_VILLAGE in codes(api_as(charity_staff).get("/api/v1/regions/?page_size=200"))
    assert api_as(charity_staff).get(f"/api/v1/regions/{OTHER_COUNTY}/").status_code == 404
    assert api_as(other_charity_staff).get(f"/api/v1/regions/{OUR_VILLAGE}/").status_code == 404


def test_the_other_county_sees_its_own(other_county_caseworker):
    seen = codes(api_as(other_county_caseworker).get("/api/v1/regions/?page_size=200"))
    assert OTHER_COUNTY in seen
    assert OUR_COUNTY not in seen


def test_admin_sees_everything(admin_user):
    seen = codes(api_as(admin_user).get("/api/v1/regions/?page_size=200"))
    assert {OUR_COUNTY, OTHER_COUNTY} <= seen


def test_regions_are_read_only_for_everyone(admin_user, caseworker):
    for user in (admin_user, caseworker):
        response = api_as(user).post("/api/v1/regions/", {"code": "610622105000", "name": "关庄镇"})
        assert response.status_code == 405


def test_children_can_be_listed_by_parent(caseworker):
    seen = codes(api_as(caseworker).get(f"/api/v1/regions/?parent={OUR_TOWNSHIP}"))
    assert seen == {OUR_VILLAGE}


def test_a_user_without_jurisdiction_sees_nothing(world):
    from accounts.models import Role
    from tests.factories import UserFactory

    lost = UserFactory.create(role=Role.CASEWORKER, organization=world.bureau, jurisdiction=None)
    assert codes(api_as(lost).get("/api/v1/regions/")) == set()


@pytest.mark.django_db
def test_pages_are_capped_at_200(admin_user):
    response = api_as(admin_user).get("/api/v1/regions/?page_size=5000")
    assert response.status_code == 200
    assert set(response.json()) == {"count", "next", "previous", "results"}
