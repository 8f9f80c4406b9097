"""Per-county aggregates (issue #18 item 5): the counties page answers from one row per county,
refreshed by the beat task for the counties that changed, and those rows equal the live figures."""

from __future__ import annotations

from datetime import date

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from beneficiaries.models import NeedStatus
from cases.models import ReferralStatus
from core.models import Region
from dashboards.aggregates import refresh, standard_periods
from dashboards.models import CountyAggregate
from dashboards.reports import Cell
from dashboards.rollup import comparison_table, counties_under, county_figures
from dashboards.tasks import refresh_county_aggregates
from tests.conftest import World
from tests.factories import UserFactory, make_need, make_person, make_referral, region

pytestmark = pytest.mark.django_db
COUNTIES = reverse("dashboards:counties")


@pytest.fixture
def province_supervisor(world: World) -> User:
    return UserFactory.create(username="shaanxi", role=Role.SUPERVISOR, jurisdiction=world.province)


def _county_data(world: World, county: Region, *, needs: int, fulfilled: int) -> None:
    person = make_person(county, name="王秀英")
    for i in range(needs):
        need = make_need(person, status=NeedStatus.FULFILLED if i < fulfilled else NeedStatus.OPEN)
    make_referral(
        person=person,
        from_organization=world.bureau,
        to_organization=world.charity,
        status=ReferralStatus.COMPLETED,
        needs=[need],
    )


@pytest.fixture
def two_counties(world: World) -> None:
    _county_data(world, world.our_county, needs=3, fulfilled=2)
    _county_data(world, world.other_county, needs=2, fulfilled=0)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _live_rows(region: Region) -> list[list[Cell]]:
    """The rows the page would show computed live from each county's own selectors."""
    response_order = comparison_table(
        sorted(
            (county_figures(c, *_default_period()) for c in counties_under(region)),
            key=lambda f: (f.fulfilled_percent is None, -(f.fulfilled_percent or 0), f.county.code),
        )
    )
    return response_order.rows


def _default_period() -> tuple[date, date]:
    return standard_periods(timezone.localdate())[0]


def test_the_province_page_reads_aggregates_equal_to_the_live_county_figures(
    world: World, province_supervisor: User, two_counties: None, tasks_in_process: None
) -> None:
    assert refresh_county_aggregates.delay().get() == 2
    assert CountyAggregate.objects.filter(county=world.our_county).count() == 3, "window, this month, last month"
    response = _client(province_supervisor).get(COUNTIES)
    assert response.status_code == 200
    figures = response.context["figures"]
    assert all(f.as_of is not None for f in figures), "every county read from its aggregate row"
    assert response.context["table"].rows == _live_rows(world.province)
    ours = next(f for f in figures if f.county == world.our_county)
    assert (ours.needs_logged, ours.needs_fulfilled, ours.referrals_sent) == (3, 2, 1)
    html = response.content.decode()
    assert "数据截至" in html


def test_a_change_in_one_county_shows_after_the_next_refresh_and_only_it_is_recomputed(
    world: World, province_supervisor: User, two_counties: None
) -> None:
    refresh()
    other_before = CountyAggregate.objects.filter(county=world.other_county).values_list("as_of", flat=True)[0]
    make_need(make_person(world.our_county, name="李建国"), status=NeedStatus.FULFILLED)
    client = _client(province_supervisor)

    def ours() -> tuple[int, int]:
        f = next(f for f in client.get(COUNTIES).context["figures"] if f.county == world.our_county)
        return f.needs_logged, f.needs_fulfilled

    assert ours() == (3, 2), "until the refresh the page shows the figures as of the last one"
    assert refresh() == 1, "only the county that changed"
    assert ours() == (4, 3)
    assert client.get(COUNTIES).context["table"].rows == _live_rows(world.province)
    other_after = CountyAggregate.objects.filter(county=world.other_county).values_list("as_of", flat=True)[0]
    assert other_after == other_before
    assert refresh() == 1, "the run before the last is the watermark: a late commit is still caught"
    assert refresh() == 0, "nothing changed"


def test_the_province_pages_queries_do_not_grow_with_the_counties(
    world: World, province_supervisor: User, two_counties: None
) -> None:
    client = _client(province_supervisor)

    def queries() -> int:
        refresh(full=True)
        client.get(COUNTIES)  # the session, the menu's caches
        with CaptureQueriesContext(connection) as captured:
            assert client.get(COUNTIES).status_code == 200
        return len(captured.captured_queries)

    with_two = queries()
    for n in range(3):
        county = region(f"61062{3 + n}000000", f"测试{n}县")
        _county_data(world, county, needs=1, fulfilled=1)
    assert len(counties_under(world.province)) == 5
    assert queries() == with_two


def test_a_period_no_refresh_keeps_is_computed_live(
    world: World, province_supervisor: User, two_counties: None
) -> None:
    refresh()
    response = _client(province_supervisor).get(COUNTIES, {"since": "2026-01-01", "until": "2026-01-31"})
    assert response.status_code == 200
    assert all(f.as_of is None for f in response.context["figures"])


def test_the_refresh_runs_on_the_heavy_queue_so_it_never_delays_a_notification() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["county-aggregates"]
    assert entry["task"] == refresh_county_aggregates.name
    assert entry["options"] == {"queue": settings.MATCHING_QUEUE}
