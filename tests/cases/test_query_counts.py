"""Acceptance 5 in miniature: inbox pages and API lists run a fixed number of queries, whatever their size
(bench/referrals.py times them at 1,000,000 referrals on PostgreSQL)."""

from __future__ import annotations

import re

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from cases.models import Referral
from tests.cases.conftest import Case
from tests.conftest import World, api_as
from tests.factories import PASSWORD
from tests.factories.cases import make_referral


def queries(get) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert get().status_code == 200
    return len(ctx.captured_queries)


def add(world: World, case: Case, n: int) -> None:
    for _ in range(n):
        make_referral(
            person=case.person,
            from_organization=world.bureau,
            to_organization=world.charity,
            consent=case.consent,
            needs=[case.need],
        )


def test_inboxes_and_lists_do_not_grow_with_the_page(
    world: World, case: Case, caseworker: User, charity_staff: User
) -> None:
    office, charity = Client(), Client()
    office.login(username=caseworker.username, password=PASSWORD)
    charity.login(username=charity_staff.username, password=PASSWORD)
    urls = [
        (office, "/cases/"),
        (charity, "/cases/?tab=incoming"),
    ]
    apis = [api_as(caseworker), api_as(charity_staff)]
    add(world, case, 2)
    small = [queries(lambda c=c, u=u: c.get(u)) for c, u in urls]
    small_api = [queries(lambda a=a: a.get("/api/v1/referrals/")) for a in apis]
    add(world, case, 8)
    assert [queries(lambda c=c, u=u: c.get(u)) for c, u in urls] == small
    assert [queries(lambda a=a: a.get("/api/v1/referrals/")) for a in apis] == small_api


def test_the_charity_list_leaves_the_person_to_the_detail(world: World, case: Case, charity_staff: User) -> None:
    add(world, case, 1)
    body = api_as(charity_staff).get("/api/v1/referrals/").json()
    assert body["count"] == 1
    assert "王秀英" not in str(body)
    detail = api_as(charity_staff).get(f"/api/v1/referrals/{body['results'][0]['id']}/").json()
    assert detail["person_name"] == "王秀英"


def test_inbox_pages_join_only_their_rows_in_order(world: World, case: Case, caseworker: User) -> None:
    # The page's ids come from a LIMIT subquery and only those rows are joined (bench/load.py: the
    # whole county's list was joined before the sort), still in one query and in inbox order.
    add(world, case, 27)
    office = Client()
    office.force_login(caseworker)
    with CaptureQueriesContext(connection) as ctx:
        first = office.get("/cases/")
    sql = [q["sql"] for q in ctx.captured_queries]  # read now: the next request empties the log
    second = office.get("/cases/?page=2")
    listed = [r.pk for r in first.context["page"]] + [r.pk for r in second.context["page"]]
    expected = list(
        Referral.objects.filter(direction="to_charity", from_organization=world.bureau)
        .exclude(status__in=["closed", "withdrawn"])
        .order_by("-updated_at", "-id")
        .values_list("pk", flat=True)
    )
    assert len(expected) == 27
    assert listed == expected
    assert [r.person.name for r in first.context["page"]][:1] == ["王秀英"]
    joined = [q for q in sql if "JOIN" in q and "cases_referral" in q]
    assert len(joined) == 1
    assert re.search(r"IN \(SELECT .* LIMIT 25\)", joined[0]), joined[0]  # the page's ids, then the joins
    assert len(sql) == 9  # the tab counts also give the page count
