"""A name search is ordered so that PostgreSQL finds the matches through the prefix index
(bench/load.py: ordered by the database's collation it walked the whole name index, 2 s at county scale)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import api_as
from tests.factories import make_person


def test_name_search_lists_matches_by_name_and_sorts_them_itself(client, caseworker, world):
    for name in ("钟天佑", "钟天", "王秀英", "钟天佑"):
        make_person(world.our_village, name=name)
    client.force_login(caseworker)
    with CaptureQueriesContext(connection) as captured:
        page = client.get(reverse("beneficiaries:person_list") + "?q=钟天")
    listed = [p.name for p in page.context["page"]]
    assert listed == ["钟天", "钟天佑", "钟天佑"]
    rows = [
        q["sql"]
        for q in captured.captured_queries
        if 'FROM "beneficiaries_person"' in q["sql"] and "ORDER BY" in q["sql"]
    ]
    if connection.vendor == "postgresql":
        assert rows and all('COLLATE "C"' in sql for sql in rows), rows
    api = api_as(caseworker).get("/api/v1/persons/?q=钟天").json()
    assert [p["name"] for p in api["results"]] == ["钟天", "钟天佑", "钟天佑"]
    lookup = client.get(reverse("beneficiaries:person_lookup") + "?q=钟天")
    assert [p.name for p in lookup.context["persons"]] == ["钟天", "钟天佑", "钟天佑"]
