"""Tests written for mutants of the matching runs (``matching/services.py``: ``_queue``,
``_queue_nightly``, ``runs_start_nightly``, ``_weights_from_json``, ``_progress_writer``, ``_fail``,
``run_execute``, ``run_save_result``) that survived ``make mutation`` (docs/testing.md, fifth run):
what a caseworker sees of a run through the API while it is queued, solving, failed or done, and what
the county IT officer reads in the log when the task service is away."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import User
from core.models import Region
from matching import services
from matching.models import MatchingRun, NightlyRun, RunStatus
from matching.problem import Weights
from tests.conftest import World, api_as
from tests.factories import make_need, make_person
from tests.matching.conftest import County

pytestmark = pytest.mark.django_db
RUNS = "/api/v1/matching-runs/"


@pytest.fixture
def through_the_broker() -> Iterator[None]:
    """Tasks go to the broker, not in-process (the test replaces the sending itself)."""
    from referral_hub.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = before


@dataclass
class Sent:
    args: tuple[Any, ...]
    kwargs: dict[str, Any]


def _record_sends(monkeypatch: pytest.MonkeyPatch, then: Callable[..., None] | None = None) -> list[Sent]:
    """Replace sending the run's task to the broker; ``then`` runs after each send is recorded."""
    from matching.tasks import run_matching

    sent: list[Sent] = []

    def send(*args: Any, **kwargs: Any) -> None:
        sent.append(Sent(args, kwargs))
        if then is not None:
            then(*args, **kwargs)

    monkeypatch.setattr(run_matching, "apply_async", send)
    return sent


def _start(caseworker: User, django_capture_on_commit_callbacks: Any) -> dict[str, Any]:
    client = api_as(caseworker)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(RUNS, {}, format="json")
    assert response.status_code == 201, response.content
    return client.get(f"{RUNS}{response.json()['id']}/").json()


# --- queueing ------------------------------------------------------------------------------
def test_a_run_started_with_tasks_in_process_is_done_when_the_request_commits(
    county: County, caseworker: User, tasks_in_process: None, django_capture_on_commit_callbacks: Any
) -> None:
    run = _start(caseworker, django_capture_on_commit_callbacks)
    assert (run["status"], run["progress"], run["counts"]["proposed"], run["error"]) == ("done", 100, 2, "")


def test_a_run_goes_to_the_broker_once_with_its_id_on_the_matching_queue_without_waiting_to_retry(
    county: County,
    caseworker: User,
    through_the_broker: None,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.MATCHING_QUEUE = "heavy"
    sent = _record_sends(monkeypatch)
    run = _start(caseworker, django_capture_on_commit_callbacks)
    # retry=False: with the broker away the caseworker's request fails the run at once (it is
    # started again later) instead of hanging on Celery's publish retries.
    assert [(s.args, s.kwargs) for s in sent] == [((), {"args": (run["id"],), "queue": "heavy", "retry": False})]
    assert run["status"] == "queued"


def test_with_the_broker_away_the_log_names_the_run_with_the_error_and_the_run_says_when_it_failed(
    county: County,
    caseworker: User,
    through_the_broker: None,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: Any,
) -> None:
    def broker_away(*args: Any, **kwargs: Any) -> None:
        raise ConnectionRefusedError("Error 111 connecting to 127.0.0.1:6379")

    _record_sends(monkeypatch, then=broker_away)
    with caplog.at_level(logging.WARNING, logger="matching.services"):
        run = _start(caseworker, django_capture_on_commit_callbacks)
    assert run["status"] == "failed" and run["finished_at"] is not None
    (record,) = [r for r in caplog.records if r.name == "matching.services"]
    assert record.getMessage() == f"matching run {run['id']}: could not queue it"
    assert record.exc_info is not None and "6379" in str(record.exc_info[1]), "the log says what the broker answered"


def test_a_run_the_worker_finished_before_the_broker_reported_an_error_stays_done(
    county: County,
    caseworker: User,
    through_the_broker: None,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """The message went out and a worker ran it, then the connection dropped before the broker's
    answer: the error must not turn a finished run (and its proposals) into a failed one."""

    def ran_then_dropped(*, args: tuple[int], **kwargs: Any) -> None:
        services.run_execute(run_id=args[0])
        raise ConnectionResetError("connection reset by peer")

    _record_sends(monkeypatch, then=ran_then_dropped)
    run = _start(caseworker, django_capture_on_commit_callbacks)
    assert (run["status"], run["counts"]["proposed"], run["error"]) == ("done", 2, "")


# --- the night ---------------------------------------------------------------------------------
@pytest.fixture
def three_counties(county: County, world: World) -> list[str]:
    """Open needs in three counties; their codes in the order the night takes them."""
    from tests.factories import region

    region("610100000000", "西安市")
    xian = region("610102000000", "新城区")
    make_need(make_person(xian, name="陈建平"), category="living")
    make_need(make_person(world.other_county, name="赵大山"), category="housing")
    return sorted([xian.code, world.other_county.code, world.our_county.code])


def _night(django_capture_on_commit_callbacks: Any) -> tuple[int, NightlyRun]:
    with django_capture_on_commit_callbacks(execute=True):
        started = services.runs_start_nightly()
    return started, NightlyRun.objects.get()


def test_the_night_sends_each_county_once_in_its_group_without_waiting_to_retry(
    three_counties: list[str],
    through_the_broker: None,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from celery import group

    groups: list[dict[str, Any]] = []
    monkeypatch.setattr(group, "apply_async", lambda self, *args, **kwargs: groups.append(kwargs))
    single = _record_sends(monkeypatch)
    started, _ = _night(django_capture_on_commit_callbacks)
    assert started == 3
    assert groups == [{"retry": False}], "one group for the night, failing at once with the broker away"
    assert single == [], "no county's run is also sent on its own (it would run twice)"


def test_a_county_still_running_is_skipped_at_night_and_the_counties_after_it_still_start(
    world: World, three_counties: list[str], django_capture_on_commit_callbacks: Any
) -> None:
    first = three_counties[0]
    services.run_start(region=Region.objects.get(code=first), by=None, queue=False)
    started, night = _night(django_capture_on_commit_callbacks)
    assert (started, night.counties) == (2, 2)
    nightly = set(MatchingRun.objects.filter(nightly=night).values_list("region_id", flat=True))
    assert nightly == set(three_counties[1:])


def test_with_the_broker_away_at_night_the_log_says_how_many_runs_did_not_start(
    three_counties: list[str],
    through_the_broker: None,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from celery import group

    def broker_away(self: group, *args: Any, **kwargs: Any) -> None:
        raise ConnectionRefusedError("Error 111 connecting to 127.0.0.1:6379")

    monkeypatch.setattr(group, "apply_async", broker_away)
    with caplog.at_level(logging.WARNING, logger="matching.services"):
        _night(django_capture_on_commit_callbacks)
    (record,) = [r for r in caplog.records if r.name == "matching.services"]
    assert record.getMessage() == "nightly matching: could not queue 3 runs"
    assert record.exc_info is not None and "6379" in str(record.exc_info[1])


# --- the weights a run was started with ------------------------------------------------------
def test_a_run_scores_with_the_weights_in_force_when_it_was_started_not_when_the_worker_took_it(
    county: County, world: World, caseworker: User, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    started_with = Weights(
        urgency={"routine": 1.0, "urgent": 2.0, "emergency": 3.0},
        waiting_per_day=0.25,
        waiting_cap_days=30,
        focus_groups={"minor": 7.0},
        not_helped_this_year=4.0,
        locality=dict.fromkeys(Weights().locality, 1.5),
        amount_fit=2.5,
    )
    given = {f.name: getattr(started_with, f.name) for f in fields(Weights)}
    assert all(value != getattr(Weights(), name) for name, value in given.items()), "every weight changed"
    settings.MATCHING_WEIGHTS = given
    run = services.run_start(region=world.our_county, by=caseworker, queue=False)
    settings.MATCHING_WEIGHTS = {}  # the administrator changed them while the run was queued
    used: list[Weights] = []
    build_problem = services.build_problem

    def spy(**kwargs: Any) -> Any:
        used.append(kwargs["weights"])
        return build_problem(**kwargs)

    monkeypatch.setattr(services, "build_problem", spy)
    services.run_execute(run_id=run.pk)
    assert used == [started_with]


# --- a run while it solves -----------------------------------------------------------------
def test_while_a_run_solves_the_api_shows_its_own_progress_and_never_100_before_the_proposals(
    county: County,
    world: World,
    caseworker: User,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = api_as(caseworker)
    other = MatchingRun.objects.create(
        region=world.other_county, status=RunStatus.RUNNING, progress=5, as_of=timezone.localdate()
    )
    run = services.run_start(region=world.our_county, by=caseworker, queue=False)
    seen: list[tuple[str, int]] = []
    solve = services.solve

    def shown() -> tuple[str, int]:
        body = client.get(f"{RUNS}{run.pk}/").json()
        return body["status"], body["progress"]

    def solving(problem: Any, *, progress: Callable[[int], None], **kwargs: Any) -> Any:
        body = client.get(f"{RUNS}{run.pk}/").json()
        assert (body["status"], body["progress"], body["attempts"]) == ("running", 0, 1)
        assert body["started_at"] is not None
        heard_from = MatchingRun.objects.get(pk=run.pk).updated_at
        progress(40)
        seen.append(shown())
        assert MatchingRun.objects.get(pk=run.pk).updated_at > heard_from, "a run writing progress is not stale"
        progress(41)  # within a second of the last write: not written
        seen.append(shown())
        progress(100)  # the end is always written, as 99
        seen.append(shown())
        return solve(problem, progress=lambda percent: None, **kwargs)

    monkeypatch.setattr(services, "solve", solving)
    services.run_execute(run_id=run.pk)
    assert seen == [("running", 40), ("running", 40), ("running", 99)]
    assert shown() == ("done", 100)
    other.refresh_from_db()
    assert (other.status, other.progress) == (RunStatus.RUNNING, 5), "another county's bar is its own"


def test_progress_reported_after_a_run_was_failed_does_not_change_it(
    county: County, world: World, caseworker: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = services.run_start(region=world.our_county, by=caseworker, queue=False)
    solve = services.solve

    def failed_meanwhile(problem: Any, *, progress: Callable[[int], None], **kwargs: Any) -> Any:
        # Marked failed as stale (its worker not heard from) while it still solves.
        MatchingRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, progress=50)
        progress(100)
        return solve(problem, progress=lambda percent: None, **kwargs)

    monkeypatch.setattr(services, "solve", failed_meanwhile)
    services.run_execute(run_id=run.pk)
    body = api_as(caseworker).get(f"{RUNS}{run.pk}/").json()
    assert (body["status"], body["progress"], body["counts"]["proposed"]) == ("failed", 50, 0)
    assert run.proposals.count() == 0, "a run failed meanwhile gets no proposals from the late worker"


def test_the_slow_down_for_the_killed_worker_test_waits_at_each_progress_step(
    county: County, world: World, caseworker: User, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.MATCHING_PROGRESS_DELAY_SECONDS = 0.01
    waits: list[float] = []
    monkeypatch.setattr(services.time, "sleep", waits.append)
    run = services.run_start(region=world.our_county, by=caseworker, queue=False)
    services.run_execute(run_id=run.pk)
    assert waits and set(waits) == {0.01}


# --- a run done, and delivered again -------------------------------------------------------------
def test_a_done_run_says_when_it_finished_and_how_long_it_solved(
    county: County, world: World, caseworker: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    results: list[Any] = []
    solve = services.solve

    def keep(*args: Any, **kwargs: Any) -> Any:
        results.append(solve(*args, **kwargs))
        return results[-1]

    monkeypatch.setattr(services, "solve", keep)
    before = timezone.now()
    run = services.run_start(region=world.our_county, by=caseworker, queue=False)
    services.run_execute(run_id=run.pk)
    body = api_as(caseworker).get(f"{RUNS}{run.pk}/").json()
    stats = results[0].stats
    assert body["solve_seconds"] == pytest.approx(stats.candidate_seconds + stats.solve_seconds)
    assert body["finished_at"] is not None and datetime.fromisoformat(body["finished_at"]) >= before
    assert body["error"] == ""


def test_a_done_run_delivered_again_keeps_its_proposals_and_a_deleted_one_is_ignored(
    county: County, world: World, caseworker: User
) -> None:
    run = services.run_start(region=world.our_county, by=caseworker, queue=False)
    services.run_execute(run_id=run.pk)
    proposals = set(run.proposals.values_list("pk", flat=True))
    services.run_execute(run_id=run.pk)
    body = api_as(caseworker).get(f"{RUNS}{run.pk}/").json()
    assert (body["status"], body["attempts"]) == ("done", 1)
    assert set(run.proposals.values_list("pk", flat=True)) == proposals
    services.run_execute(run_id=run.pk + 1000)  # a run deleted before its task came: nothing to do


# --- starting, a run left stale, a run that cannot finish ------------------------------------------
def test_a_run_says_who_started_it_and_a_second_one_is_refused_naming_the_county_in_chinese(
    county: County, world: World, caseworker: User
) -> None:
    client = api_as(caseworker)
    first = client.post(RUNS, {}, format="json").json()
    assert (first["started_by"], first["started_by_name"]) == (caseworker.pk, caseworker.display_name)
    refused = client.post(RUNS, {}, format="json")
    assert refused.status_code == 409
    assert refused.json()["detail"] == "延川县 的匹配已在排队或运行中，请等待其完成。"


def test_a_run_not_heard_from_for_hours_is_failed_with_the_reason_when_a_new_one_starts_there_only(
    county: County, world: World, caseworker: User
) -> None:
    hours_ago = timezone.now() - services.STALE_AFTER - timedelta(minutes=1)
    stuck = services.run_start(region=world.our_county, by=caseworker, queue=False)
    elsewhere = services.run_start(region=world.other_county, by=None, queue=False)
    finished = MatchingRun.objects.create(
        region=world.our_county, status=RunStatus.DONE, progress=100, as_of=timezone.localdate()
    )
    MatchingRun.objects.filter(pk__in=[stuck.pk, elsewhere.pk, finished.pk]).update(updated_at=hours_ago)
    services.run_start(region=world.our_county, by=caseworker, queue=False)
    client = api_as(caseworker)
    body = client.get(f"{RUNS}{stuck.pk}/").json()
    assert (body["status"], body["error"]) == ("failed", "匹配运行未完成即中止（后台任务进程丢失），请重新发起匹配。")
    assert body["finished_at"] is not None
    elsewhere.refresh_from_db()
    finished.refresh_from_db()
    assert elsewhere.status == RunStatus.QUEUED, "another county's run is its own county's business"
    assert finished.status == RunStatus.DONE, "an old finished run stays done"


def test_a_region_with_too_many_pairs_fails_saying_to_run_each_township(
    county: County, world: World, caseworker: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from matching.candidates import TooManyPairsError

    def too_many(**kwargs: Any) -> Any:
        raise TooManyPairsError("3,000,001 pairs")

    monkeypatch.setattr(services, "build_problem", too_many)
    run = services.run_start(region=world.our_county, by=caseworker, queue=False)
    services.run_execute(run_id=run.pk)
    body = api_as(caseworker).get(f"{RUNS}{run.pk}/").json()
    assert (body["status"], body["error"]) == (
        "failed",
        "该地区可能的匹配组合过多，无法一次完成，请按乡镇分别运行匹配。",
    )


def test_a_run_that_breaks_fails_saying_so_and_the_log_names_it_with_the_traceback(
    county: County, world: World, caseworker: User, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("solver exploded")

    monkeypatch.setattr(services, "solve", broken)
    run = services.run_start(region=world.our_county, by=caseworker, queue=False)
    with caplog.at_level(logging.ERROR, logger="matching.services"):
        services.run_execute(run_id=run.pk)
    body = api_as(caseworker).get(f"{RUNS}{run.pk}/").json()
    assert (body["status"], body["error"]) == ("failed", "匹配因系统内部错误中止，没有生成任何建议。请重新发起。")
    (record,) = [r for r in caplog.records if r.name == "matching.services"]
    assert record.getMessage() == f"matching run {run.pk} failed"
    assert record.exc_info is not None and str(record.exc_info[1]) == "solver exploded"
