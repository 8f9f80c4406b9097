"""City and province levels (SPEC rule 17, issue #18 items 1 and acceptance 2): a supervisor of a
city or a province compares the counties under it, drills down to one, downloads the monthly
upward report, and reads without writing; county staff get no roll-up."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Role, User
from beneficiaries.models import NeedStatus
from core.models import Region
from tests.conftest import World, api_as
from tests.factories import UserFactory, make_need, make_person, make_referral, region

pytestmark = pytest.mark.django_db
COUNTIES = reverse("dashboards:counties")
REPORT = reverse("dashboards:upward_report")


@pytest.fixture
def xian(world: World) -> Region:
    """Another city of the province, with a county of its own."""
    region("610100000000", "西安市")
    return region("610102000000", "新城区")


@pytest.fixture
def figures(world: World, xian: Region) -> None:
    """延川县: two needs, one fulfilled (50 %); 延长县: one open need (0 %); 新城区: one fulfilled."""
    wang = make_person(world.our_village, name="王秀英")
    make_need(wang, category="medical", status=NeedStatus.FULFILLED)
    make_need(wang, category="living")
    make_need(make_person(world.other_county, name="赵大山"), category="housing")
    make_need(make_person(xian, name="陈建平"), category="living", status=NeedStatus.FULFILLED)


def _supervisor(username: str, jurisdiction: Region) -> User:
    return UserFactory.create(username=username, role=Role.SUPERVISOR, jurisdiction=jurisdiction)


@pytest.fixture
def city_supervisor(world: World) -> User:
    return _supervisor("yanan", Region.objects.get(code="610600000000"))


@pytest.fixture
def province_supervisor(world: World) -> User:
    return _supervisor("shaanxi", world.province)


def _page(user: User, url: str = COUNTIES) -> tuple[int, str]:
    client = Client()
    client.force_login(user)
    response = client.get(url)
    return response.status_code, response.content.decode()


def test_a_city_supervisor_compares_its_counties_ranked_and_not_the_next_citys(
    city_supervisor: User, figures: None
) -> None:
    status, html = _page(city_supervisor)
    assert status == 200
    assert "延川县" in html and "延长县" in html
    assert "新城区" not in html, "another city's county"
    assert html.index("延川县") < html.index("延长县"), "ranked by the share fulfilled: 50 % before 0 %"
    assert "50.0" in html or "50" in html


def test_the_drill_down_opens_one_countys_dashboard(city_supervisor: User, world: World, figures: None) -> None:
    _status, html = _page(city_supervisor)
    assert f"?township={world.our_county.code}" in html
    status, county = _page(city_supervisor, reverse("dashboards:county") + f"?township={world.our_county.code}")
    assert status == 200 and "延川县" in county
    status, other = _page(city_supervisor, reverse("dashboards:county") + "?township=610102000000")
    assert status == 200 and "新城区" not in other.split("</h1>")[1].split("</p>")[0], "never a wider view"


def test_a_province_supervisor_sees_every_county_of_the_province(province_supervisor: User, figures: None) -> None:
    _status, html = _page(province_supervisor)
    assert all(name in html for name in ("延川县", "延长县", "新城区"))


def test_county_staff_and_charities_get_no_roll_up(
    supervisor: User, caseworker: User, station_worker: User, charity_staff: User
) -> None:
    for user in (supervisor, caseworker, station_worker, charity_staff):
        assert _page(user)[0] == 403, user.role
        assert _page(user, REPORT)[0] == 403, user.role
    assert Client().get(COUNTIES).status_code == 302  # to the sign-in page
    _status, dashboard = _page(supervisor, reverse("dashboards:county"))
    assert COUNTIES not in dashboard, "no link to a comparison they cannot open"


def test_the_city_dashboard_links_to_the_comparison(city_supervisor: User) -> None:
    _status, dashboard = _page(city_supervisor, reverse("dashboards:county"))
    assert COUNTIES in dashboard


def test_the_upward_report_has_a_fixed_layout_one_row_per_county_and_a_total(
    city_supervisor: User, figures: None
) -> None:
    month = timezone.localdate().strftime("%Y-%m")
    client = Client()
    client.force_login(city_supervisor)
    response = client.get(f"{REPORT}?month={month}")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="upward-report-610600000000-{month}.xlsx"'
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:5] == ("县（区）代码", "县（区）", "登记的需求", "已满足需求", "满足比例（%）")
    assert [r[1] for r in rows[1:]] == ["延长县", "延川县", "合计"], "counties in code order, then the total"
    assert rows[-1][2] == 3 and rows[-1][3] == 1
    bad = client.get(f"{REPORT}?month=2026-13")
    assert bad.status_code == 400 and "YYYY-MM" in bad.content.decode()


def test_a_city_supervisor_reads_a_countys_referral_but_never_acts_on_it(city_supervisor: User, world: World) -> None:
    person = make_person(world.our_village, name="王秀英", born=date(1952, 3, 12))
    referral = make_referral(person=person, from_organization=world.bureau, to_organization=world.charity)
    api = api_as(city_supervisor)
    assert api.get(f"/api/v1/referrals/{referral.pk}/").status_code == 200
    assert api.post(f"/api/v1/referrals/{referral.pk}/withdraw/", {"reason": "测试"}, format="json").status_code == 403
    assert (
        api.post("/api/v1/needs/", {"person": person.pk, "category": "living", "description": "x"}).status_code == 403
    )


def test_the_province_sees_what_a_strong_countys_designated_resource_delivered(
    province_supervisor: User, world: World, xian: Region
) -> None:
    """以强带弱 (SPEC rule 8): a 西安 charity's fund designates 延川县; its delivery there shows."""
    from charities.models import ResourceUsage, UsageKind
    from tests.factories import OrganizationFactory, ResourceFactory

    strong = OrganizationFactory.create(kind="charity", name="西安市慈善总会", region=xian)
    fund = ResourceFactory.create(organization=strong, name="对口帮扶助学金")
    fund.designated_counties.add(world.our_county)
    ResourceUsage.objects.create(
        resource=fund, kind=UsageKind.DELIVERY, people=3, amount="6000", region=world.our_village,
        occurred_at=timezone.now(),
    )  # fmt: skip
    _status, html = _page(province_supervisor)
    section = html.split('id="pairings"')[1]
    assert "西安市慈善总会" in section and "对口帮扶助学金" in section and "延川县" in section
    assert "6,000" in section or "6000" in section


def test_each_pairing_counts_only_its_countys_deliveries_and_more_pairs_cost_no_more_queries(
    province_supervisor: User, world: World, xian: Region
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from charities.models import ResourceUsage, UsageKind
    from tests.factories import OrganizationFactory, ResourceFactory

    strong = OrganizationFactory.create(kind="charity", name="西安市慈善总会", region=xian)
    client = Client()
    client.force_login(province_supervisor)

    def fund(name: str, county: Region, *delivered_in: tuple[Region, str]) -> None:
        resource = ResourceFactory.create(organization=strong, name=name)
        resource.designated_counties.add(county)
        for place, amount in delivered_in:
            ResourceUsage.objects.create(
                resource=resource, kind=UsageKind.DELIVERY, people=1, amount=amount, region=place,
                occurred_at=timezone.now(),
            )  # fmt: skip

    def queries() -> tuple[int, str]:
        client.get(COUNTIES)
        with CaptureQueriesContext(connection) as captured:
            html = client.get(COUNTIES).content.decode()
        return len(captured.captured_queries), html.split('id="pairings"')[1]

    fund("助学金", world.our_county, (world.our_village, "6000"), (xian, "999"))
    one, section = queries()
    assert "6,000" in section and "999" not in section, "a delivery outside the designated county is not its"
    fund("助医金", world.other_county, (world.other_county, "4500"))
    fund("助老金", world.our_county)
    three, section = queries()
    assert "4,500" in section and "助老金" in section
    assert three == one
