"""The main dashboard of a city or a province (issue #18 item 5): the county dashboard's figures of
every county under it, added up from the counties' aggregates (refreshed by the beat task), with
the time they were counted; a county's own dashboard stays live and shows no roll-up."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from beneficiaries.models import NeedStatus
from cases.models import FollowUp, ReferralEvent, ReferralStatus
from core.models import Region
from dashboards import selectors
from dashboards.aggregates import refresh
from dashboards.rollup import counties_under
from dashboards.tasks import refresh_county_aggregates
from tests.conftest import World
from tests.factories import UserFactory, make_need, make_person, make_referral, region

pytestmark = pytest.mark.django_db
DASHBOARD = reverse("dashboards:county")
Figures = dict[str, dict[str, list[Any]]]


@pytest.fixture
def xian(world: World) -> Region:
    """Another city of the province, with a county of its own."""
    region("610100000000", "西安市")
    return region("610102000000", "新城区")


def _county_data(world: World, place: Region, *, n: int) -> None:
    """``n`` sets of: a fulfilled medical need helped by a completed referral (accepted after 3 h,
    a follow-up visit scored 4), an open urgent living need with a sent, overdue referral."""
    now = timezone.now()
    for i in range(n):
        person = make_person(place, name=f"王秀英{i}")
        helped = make_need(person, category="medical", status=NeedStatus.FULFILLED)
        referral = make_referral(
            person=person,
            from_organization=world.bureau,
            to_organization=world.charity,
            status=ReferralStatus.COMPLETED,
            needs=[helped],
            amount=Decimal("500.00"),
        )
        event = ReferralEvent.objects.create(referral=referral, action="accept")
        assert referral.sent_at is not None, "sent by the factory"
        ReferralEvent.objects.filter(pk=event.pk).update(at=referral.sent_at + timedelta(hours=3 + i))
        FollowUp.objects.create(
            referral=referral,
            region_id=place.code,
            due_on=timezone.localdate(),
            status="done",
            satisfaction=4,
            need_met=True,
            visited_on=timezone.localdate(),
        )
        waiting = make_need(person, category="living", urgency="urgent")
        make_referral(
            person=person,
            from_organization=world.bureau,
            to_organization=world.other_charity,
            status=ReferralStatus.SENT,
            needs=[waiting],
            respond_by=now - timedelta(hours=2),
        )


@pytest.fixture
def three_counties(world: World, xian: Region) -> None:
    _county_data(world, world.our_village, n=3)
    _county_data(world, world.other_county, n=2)
    _county_data(world, xian, n=1)


def _supervisor(username: str, jurisdiction: Region) -> User:
    return UserFactory.create(username=username, role=Role.SUPERVISOR, jurisdiction=jurisdiction)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _figures(response: Any) -> Figures:
    """The page's tables: table key → row label → the row's figures."""
    assert response.status_code == 200
    return {t.key: {str(row[0]): list(row[1:]) for row in t.rows} for t in response.context["report"].tables}


def _summed(pages: list[Figures]) -> Figures:
    """What adding the counties' pages up gives: every count summed (shares and medians are not
    counts; they are checked apart)."""
    total: Figures = {}
    for page in pages:
        for key, rows in page.items():
            for label, cells in rows.items():
                into = total.setdefault(key, {}).setdefault(label, [0] * len(cells))
                for i, cell in enumerate(cells):
                    if isinstance(cell, int) and isinstance(into[i], int):
                        into[i] += cell
                    else:
                        into[i] = None
    return total


def _counts_only(page: Figures) -> Figures:
    return {
        key: {label: [c if isinstance(c, int) else None for c in cells] for label, cells in rows.items()}
        for key, rows in page.items()
    }


def _county_pages(client: Client, region: Region) -> list[Figures]:
    """Each county's own dashboard (the drill-down), computed live."""
    return [_figures(client.get(DASHBOARD, {"township": c.code})) for c in counties_under(region)]


@pytest.mark.parametrize("level", ["province", "city"])
def test_a_province_or_city_supervisor_sees_the_sum_of_its_counties_after_a_refresh(
    world: World, three_counties: None, tasks_in_process: None, level: str
) -> None:
    place = world.province if level == "province" else Region.objects.get(code="610600000000")
    client = _client(_supervisor(level, place))
    assert refresh_county_aggregates.delay().get() == 3
    response = client.get(DASHBOARD)
    summed = _figures(response)
    counties = _county_pages(client, place)
    assert len(counties) == (3 if level == "province" else 2)
    assert _counts_only(summed) == _summed(counties)
    n = 6 if level == "province" else 5
    assert summed["needs"]["医疗"][-1] == n, "fulfilled medical needs of every county, in the total column"
    assert summed["deadlines"]["已过期限仍未答复的转介"] == [n]
    open_needs, with_help, coverage = (row[0] for row in summed["coverage"].values())
    assert (open_needs, coverage) == (n, selectors.share(with_help, open_needs))
    assert summed["satisfaction"]["4 分（满分 5 分）"] == [n]
    assert response.context["report"].tables[-1].headline == 4.0, "the average of every county's visits"
    html = response.content.decode()
    assert "数据截至" in html
    assert "中位数不能跨县相加" in html, "no made-up median: the page says where each county's is"


def test_the_roll_up_shows_the_figures_as_of_the_last_refresh(world: World, three_counties: None) -> None:
    client = _client(_supervisor("shaanxi", world.province))
    refresh()

    def medical() -> int:
        return int(_figures(client.get(DASHBOARD))["needs"]["医疗"][-1])

    assert medical() == 6
    make_need(make_person(world.other_county, name="李建国"), category="medical")
    assert medical() == 6, "until the next refresh, the figures counted at 数据截至"
    assert refresh() == 1, "only the county that changed is counted again"
    assert medical() == 7


def test_a_city_supervisor_does_not_see_the_next_citys_counties(
    world: World, three_counties: None, xian: Region
) -> None:
    refresh()
    city = _figures(_client(_supervisor("yanan", Region.objects.get(code="610600000000"))).get(DASHBOARD))
    province = _figures(_client(_supervisor("shaanxi", world.province)).get(DASHBOARD))
    assert city["needs"]["医疗"][-1] == 5, "延川县 3 + 延长县 2"
    assert province["needs"]["医疗"][-1] == 6, "and 新城区 1"
    other_city = _client(_supervisor("yanan2", Region.objects.get(code="610600000000")))
    assert other_city.get(DASHBOARD, {"township": xian.code}).status_code == 200
    refused = other_city.get(DASHBOARD, {"township": xian.code}).context["form"]
    assert "township" in refused.errors, "the next city's county cannot be chosen"


def test_a_county_user_sees_its_county_live_and_no_roll_up(
    world: World, three_counties: None, supervisor: User, caseworker: User
) -> None:
    refresh()
    for user in (supervisor, caseworker):
        response = _client(user).get(DASHBOARD)
        figures = _figures(response)
        assert response.context["report"].as_of == "", user.role
        assert "数据截至" not in response.content.decode()
        assert figures["needs"]["医疗"][-1] == 3, "its own county's three, nobody else's"
        assert figures["response_times"]["从发送到接收"][0] == 4.0, "its own median (3, 4, 5 hours)"
        assert _client(user).get(reverse("dashboards:counties")).status_code == 403


def test_the_roll_ups_queries_do_not_grow_with_the_counties(world: World, three_counties: None) -> None:
    client = _client(_supervisor("shaanxi", world.province))

    def queries() -> int:
        refresh(full=True)
        client.get(DASHBOARD)  # the session, the menu's caches
        with CaptureQueriesContext(connection) as captured:
            assert client.get(DASHBOARD).status_code == 200
        return len(captured.captured_queries)

    with_three = queries()
    for n in range(3):
        _county_data(world, region(f"61062{3 + n}000000", f"测试{n}县"), n=1)
    assert len(counties_under(world.province)) == 6
    assert queries() == with_three


def test_past_the_first_organizations_the_rest_are_one_line_with_their_sums(
    world: World, three_counties: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dashboards import rollup

    refresh()
    client = _client(_supervisor("shaanxi", world.province))
    every = _figures(client.get(DASHBOARD))["referral_organization"]
    assert len(every) == 2 and sum(row[0] for row in every.values()) == 12, "6 completed + 6 sent"
    monkeypatch.setattr(rollup, "ORGANIZATIONS_SHOWN", 1)
    shown = _figures(client.get(DASHBOARD))["referral_organization"]
    first, rest = list(shown), list(shown.values())
    assert first[1] == "其他 1 个组织"
    assert [sum(col) for col in zip(*rest, strict=True)] == [sum(col) for col in zip(*every.values(), strict=True)]
