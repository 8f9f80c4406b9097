"""The region pickers' search: each person finds only the regions they may choose, with paths."""

import pytest
from django.urls import reverse

from accounts.models import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = reverse("core:region_search")


def found(client, user, query, **params):
    client.force_login(user)
    response = client.get(URL, {"q": query, **params})
    assert response.status_code == 200
    return {r["name"]: r["path"] for r in response.json()["results"]}


def test_the_public_finds_counties_but_never_a_township_or_village(client, world):
    def public(query, **params):
        response = client.get(URL, {"q": query, **params})
        assert response.status_code == 200
        return {r["name"] for r in response.json()["results"]}

    assert public("延") == {"延安市", "延川县", "延长县"}
    assert public("永坪") == set()
    assert public("7", public="1") == set()
    assert public("村") == set()


def test_public_adds_every_county_of_the_country_for_a_charitys_designated_counties(client, charity_staff):
    assert "延长县" not in found(client, charity_staff, "延")
    assert found(client, charity_staff, "延长", public="1", level="3") == {"延长县": "陕西省 › 延安市 › 延长县"}
    assert found(client, charity_staff, "七里村", public="1") == {}  # a township elsewhere: never


def test_a_caseworker_finds_the_townships_of_their_county_with_their_paths(client, caseworker):
    assert found(client, caseworker, "镇") == {
        "永坪镇": "陕西省 › 延安市 › 延川县 › 永坪镇",
        "文安驿镇": "陕西省 › 延安市 › 延川县 › 文安驿镇",
    }


def test_another_countys_caseworker_finds_nothing_of_ours(client, other_county_caseworker):
    assert found(client, other_county_caseworker, "永坪") == {}
    assert found(client, other_county_caseworker, "七里村") == {"七里村街道": "陕西省 › 延安市 › 延长县 › 七里村街道"}


def test_regions_above_the_jurisdiction_cannot_be_chosen(client, caseworker):
    assert found(client, caseworker, "陕西") == {}
    assert set(found(client, caseworker, "6106")) == {"延川县", "永坪镇", "文安驿镇", "永坪村", "文安驿村"}


def test_a_station_worker_finds_only_their_township(client, station_worker):
    assert set(found(client, station_worker, "镇")) == {"永坪镇"}
    assert set(found(client, station_worker, "村")) == {"永坪村"}


def test_charity_staff_find_the_regions_their_organization_is_in(client, charity_staff, other_charity_staff):
    assert "永坪镇" in found(client, charity_staff, "永坪")
    assert found(client, other_charity_staff, "永坪") == {}


def test_the_level_parameter_keeps_to_those_levels(client, caseworker):
    assert set(found(client, caseworker, "永坪", level="5")) == {"永坪村"}


def test_the_administrator_finds_every_region(client, admin_user):
    assert set(found(client, admin_user, "陕西")) == {"陕西省"}
    assert {"永坪镇", "七里村街道"} <= set(found(client, admin_user, "镇") | found(client, admin_user, "街道"))


def test_a_user_with_no_region_is_refused(client, world):
    nowhere = UserFactory.create(username="nowhere", role=Role.CHARITY_STAFF, organization=None)
    client.force_login(nowhere)
    response = client.get(URL, {"q": "镇"})
    assert response.status_code == 403
    assert "没有可以选择的区划" in response.json()["error"]


def test_a_code_prefix_finds_by_code(client, caseworker):
    assert set(found(client, caseworker, "610622100")) == {"永坪镇", "永坪村"}
