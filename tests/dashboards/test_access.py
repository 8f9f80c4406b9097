"""Who sees which dashboard: the county's caseworkers and supervisors their county, a station
worker its township, the other county never, charity staff and anonymous visitors nothing."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import make_need, make_person

PAGES = ["dashboards:county", "dashboards:county_export", "dashboards:evaluation", "dashboards:evaluation_export"]


def _client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def needs(world):
    make_need(make_person(world.our_village, name="本镇人"), category="medical")
    make_need(make_person(world.other_township, name="邻镇人"), category="housing")
    make_need(make_person(world.other_county, name="外县人"), category="education")


def _needs_table(response):
    return next(t for t in response.context["report"].tables if t.key == "needs")


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_is_sent_to_sign_in(client, world, page):
    response = client.get(reverse(page))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize("page", PAGES)
def test_charity_staff_are_refused(charity_staff, other_charity_staff, page):
    assert _client(charity_staff).get(reverse(page)).status_code == 403
    assert _client(other_charity_staff).get(reverse(page)).status_code == 403


@pytest.mark.parametrize("page", PAGES)
def test_caseworker_and_supervisor_may_read(caseworker, supervisor, page):
    assert _client(caseworker).get(reverse(page)).status_code == 200
    assert _client(supervisor).get(reverse(page)).status_code == 200


def test_caseworker_sees_the_county_and_not_the_other(caseworker, needs):
    table = _needs_table(_client(caseworker).get(reverse("dashboards:county")))
    assert sorted(row[-1] for row in table.rows) == [1, 1]  # medical and housing; not the other county's education


def test_station_worker_sees_its_township_only(station_worker, needs, world):
    client = _client(station_worker)
    response = client.get(reverse("dashboards:county"))
    assert response.context["report"].scope.region == world.our_township
    assert [row[-1] for row in _needs_table(response).rows] == [1]
    # Asking for the neighbouring township is not offered and widens nothing.
    response = client.get(reverse("dashboards:county"), {"township": world.other_township.code})
    assert response.context["form"].errors["township"]
    assert response.context["report"].scope.region == world.our_township


def test_other_county_cannot_ask_for_our_township(other_county_caseworker, needs, world):
    response = _client(other_county_caseworker).get(reverse("dashboards:county"), {"township": world.our_township.code})
    assert response.context["form"].errors["township"]
    assert response.context["report"].scope.region == world.other_county
    assert [row[-1] for row in _needs_table(response).rows] == [1]


def test_caseworker_filters_by_township(caseworker, needs, world):
    response = _client(caseworker).get(reverse("dashboards:county"), {"township": world.other_township.code})
    assert response.context["report"].scope.region == world.other_township
    assert [row[-1] for row in _needs_table(response).rows] == [1]


def test_admin_sees_every_region(admin_user, needs):
    table = _needs_table(_client(admin_user).get(reverse("dashboards:county")))
    assert sum(row[-1] for row in table.rows) == 3


def test_navigation_offers_the_dashboard_to_jurisdiction_roles_only(caseworker, charity_staff):
    url = reverse("dashboards:county")
    assert f'href="{url}"' in _client(caseworker).get(reverse("home")).content.decode()
    assert f'href="{url}"' not in _client(charity_staff).get(reverse("home")).content.decode()


def test_post_is_refused(caseworker):
    assert _client(caseworker).post(reverse("dashboards:county")).status_code == 405
