"""List pages and API lists cost the same number of queries whatever the number of rows."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import api_as
from tests.factories import make_need, make_person


def _queries(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = call()
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_need_list_and_person_list_do_not_grow_with_rows(client, station_worker, world):
    client.force_login(station_worker)
    make_need(make_person(world.our_village, name="王甲"))
    urls = [
        reverse("beneficiaries:need_list"),
        reverse("beneficiaries:person_list"),
        reverse("beneficiaries:person_list") + "?q=王",
    ]
    few = [_queries(lambda url=url: client.get(url)) for url in urls]
    for n in range(8):
        make_need(make_person(world.our_village, name=f"王{n}"))
    assert [_queries(lambda url=url: client.get(url)) for url in urls] == few


def test_api_lists_do_not_grow_with_rows(station_worker, world):
    client = api_as(station_worker)
    make_need(make_person(world.our_village, name="王甲"))
    paths = ["/api/v1/persons/", "/api/v1/needs/", "/api/v1/households/", "/api/v1/persons/?q=王"]
    few = [_queries(lambda path=path: client.get(path)) for path in paths]
    for n in range(8):
        make_need(make_person(world.our_village, name=f"王{n}"))
    assert [_queries(lambda path=path: client.get(path)) for path in paths] == few
