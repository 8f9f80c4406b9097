"""The nightly matching county by county (issue #18 item 4): one run per county, each its own
task; one county's failure stops no other; a city or province page shows each county's state."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role, User
from core.models import Region
from matching import services
from matching.models import MatchingRun, NightlyRun, RunStatus
from tests.conftest import World
from tests.factories import UserFactory, make_need, make_person, region
from tests.matching.conftest import County

pytestmark = pytest.mark.django_db
NIGHTLY = reverse("matching:nightly")


@pytest.fixture
def xian(world: World) -> Region:
    """A county of another city, with an open need."""
    region("610100000000", "西安市")
    county = region("610102000000", "新城区")
    make_need(make_person(county, name="陈建平"), category="living")
    return county


@pytest.fixture
def three_counties(county: County, world: World, xian: Region) -> None:
    make_need(make_person(world.other_county, name="赵大山"), category="housing")


def _night(django_capture_on_commit_callbacks: Any) -> NightlyRun:
    with django_capture_on_commit_callbacks(execute=True):
        services.runs_start_nightly()
    night = NightlyRun.objects.get()
    return night


def _page(user: User, **params: str) -> tuple[int, str]:
    client = Client()
    client.force_login(user)
    response = client.get(NIGHTLY, params)
    return response.status_code, response.content.decode()


def _supervisor(username: str, jurisdiction: Region) -> User:
    return UserFactory.create(username=username, role=Role.SUPERVISOR, jurisdiction=jurisdiction)


def test_one_countys_failure_stops_no_other_and_the_page_says_why(
    world: World,
    three_counties: None,
    tasks_in_process: None,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    build = services.build_problem

    def failing_in_the_other_county(*, region: Region, **kwargs: Any) -> Any:
        if region == world.other_county:
            raise RuntimeError("disk full")
        return build(region=region, **kwargs)

    monkeypatch.setattr(services, "build_problem", failing_in_the_other_county)
    night = _night(django_capture_on_commit_callbacks)
    runs = {run.region_id: run for run in MatchingRun.objects.filter(nightly=night)}
    assert night.counties == 3 or NightlyRun.objects.get().counties == 3
    assert runs[world.other_county.code].status == RunStatus.FAILED
    assert runs[world.our_county.code].status == RunStatus.DONE, "the next county went on"
    assert runs["610102000000"].status == RunStatus.DONE
    assert runs[world.our_county.code].proposed_count == 2

    status, html = _page(_supervisor("shaanxi", world.province))
    assert status == 200
    assert all(name in html for name in ("延川县", "延长县", "新城区"))
    assert "内部错误" in html, "the failed county's reason, in Chinese"
    assert "disk full" not in html
    assert "已完成" in html and "失败" in html
    ours = html.split("延川县", 1)[1].split("</tr>", 1)[0]
    assert ">2<" in ours, "the proposals of a county that finished"


def test_a_city_supervisor_sees_its_counties_not_the_next_citys_and_county_staff_are_refused(
    world: World,
    three_counties: None,
    supervisor: User,
    caseworker: User,
    admin_user: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _night(django_capture_on_commit_callbacks)
    status, html = _page(_supervisor("yanan", Region.objects.get(code="610600000000")))
    assert status == 200
    assert "延川县" in html and "延长县" in html
    assert "新城区" not in html, "another city's county"
    status, html = _page(admin_user)
    assert status == 200 and "新城区" in html
    for user in (supervisor, caseworker):
        assert _page(user)[0] == 403, user.role


def test_queued_counties_show_as_queued_and_the_menu_offers_the_page_only_above_a_county(
    world: World, three_counties: None, supervisor: User
) -> None:
    services.runs_start_nightly()  # the tasks are queued at commit, which this test never reaches
    province = _supervisor("shaanxi", world.province)
    status, html = _page(province)
    assert status == 200 and html.count("排队中") >= 3
    assert 'hx-trigger="every 5s"' in html, "the page follows the run while counties are active"
    client = Client()
    client.force_login(supervisor)
    assert NIGHTLY not in client.get(reverse("matching:run_list")).content.decode()
    client.force_login(province)
    assert NIGHTLY in client.get(reverse("home")).content.decode()


def test_before_any_night_the_page_says_so(world: World) -> None:
    status, html = _page(_supervisor("shaanxi", world.province), night="x")
    assert status == 200 and "02:50" in html


def test_a_county_whose_proposals_cannot_be_written_fails_alone(
    world: World,
    three_counties: None,
    tasks_in_process: None,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    save = services.run_save_result

    def failing_in_the_other_county(*, run_id: int, result: Any) -> None:
        if MatchingRun.objects.get(pk=run_id).region_id == world.other_county.code:
            raise RuntimeError("deadlock detected")
        save(run_id=run_id, result=result)

    monkeypatch.setattr(services, "run_save_result", failing_in_the_other_county)
    night = _night(django_capture_on_commit_callbacks)
    statuses = dict(MatchingRun.objects.filter(nightly=night).values_list("region_id", "status"))
    assert statuses == {
        world.other_county.code: RunStatus.FAILED,
        world.our_county.code: RunStatus.DONE,
        "610102000000": RunStatus.DONE,
    }


@pytest.fixture
def through_the_broker() -> Iterator[None]:
    """Tasks sent to the broker, not run in process (whatever REDIS_URL says): the test replaces
    the sending itself."""
    from referral_hub.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = before


def test_the_night_is_queued_as_one_celery_group_of_one_task_per_county_on_the_matching_queue(
    world: World,
    three_counties: None,
    through_the_broker: None,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from celery import group

    from matching.tasks import run_matching

    sent: list[group] = []
    monkeypatch.setattr(group, "apply_async", lambda self, *args, **kwargs: sent.append(self))
    settings.MATCHING_QUEUE = "heavy"
    night = _night(django_capture_on_commit_callbacks)
    assert len(sent) == 1, "one group for the night"
    tasks = list(sent[0].tasks)
    runs = dict(MatchingRun.objects.filter(nightly=night).values_list("pk", "region_id"))
    assert sorted(t.args[0] for t in tasks) == sorted(runs), "one task per county's run"
    assert {t.task for t in tasks} == {run_matching.name}
    assert {t.options["queue"] for t in tasks} == {"heavy"}
    assert set(MatchingRun.objects.filter(nightly=night).values_list("status", flat=True)) == {RunStatus.QUEUED}


def test_with_the_broker_away_every_county_of_the_night_fails_with_a_clear_reason(
    world: World,
    three_counties: None,
    through_the_broker: None,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from celery import group

    def broker_away(self: group, *args: object, **kwargs: object) -> None:
        raise ConnectionRefusedError("redis down")

    monkeypatch.setattr(group, "apply_async", broker_away)
    night = _night(django_capture_on_commit_callbacks)
    assert set(MatchingRun.objects.filter(nightly=night).values_list("status", flat=True)) == {RunStatus.FAILED}
    status, html = _page(_supervisor("shaanxi", world.province))
    assert status == 200 and html.count("后台任务服务暂时不可用") >= 3, "each county says why"
