"""A run keeps budgets in yuan and says, on its page and in the API, how far it may be from the best."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from matching.models import MatchingRun
from tests.conftest import World, api_as
from tests.factories import ResourceFactory, make_need, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def tight_fund(world: World) -> None:
    """1,000 yuan, no per-person limit, asked for 300, 300, 400 and 500: counted at the largest
    request the budget is two places, in yuan it pays three people."""
    ResourceFactory.create(
        organization=world.charity,
        name="医疗互助金",
        categories=["medical"],
        capacity_people=10,
        capacity_amount=Decimal("1000.00"),
        per_person_limit=None,
    )
    for index, amount in enumerate(["300", "300", "400", "500"]):
        person = make_person(world.our_village, name=f"测试{index}", born=date(1970, 1, 1))
        make_need(person, category="medical", amount_requested=Decimal(amount))


def _run(world: World, caseworker: User) -> MatchingRun:
    from matching.services import run_execute, run_start

    run = run_start(region=world.our_county, by=caseworker)
    run_execute(run_id=run.pk)
    run.refresh_from_db()
    return run


def _page(user: User, run: MatchingRun) -> str:
    client = Client()
    client.force_login(user)
    return client.get(f"/matching/runs/{run.pk}/").content.decode()


def test_the_run_pays_one_more_person_within_the_budget_and_shows_its_gap(
    world: World, caseworker: User, tight_fund: None
) -> None:
    run = _run(world, caseworker)
    assert run.proposed_count == 3
    assert sum(p.amount or Decimal(0) for p in run.proposals.all()) == Decimal("1000.00")
    assert run.budget_stage == "exact"
    assert run.flow_score is not None and run.flow_score < run.total_score
    assert run.score_bound is not None and run.total_score <= run.score_bound
    html = _page(caseworker, run)
    assert f"与预算内最优方案的差距：至多 {run.gap_percent:.2f}%" in html
    assert "任何不超预算的方案得分都不会超过" in html and "线性规划上界" in html
    assert "只用最小费用流" in html

    data = api_as(caseworker).get(f"/api/v1/matching-runs/{run.pk}/").json()
    assert data["score_bound"] == pytest.approx(run.score_bound)
    assert data["gap_percent"] == pytest.approx(run.gap_percent)
    assert data["flow_score"] == pytest.approx(run.flow_score)
    assert data["budget_stage"] == "exact"


def test_a_station_worker_sees_no_county_wide_gap(
    world: World, caseworker: User, station_worker: User, tight_fund: None
) -> None:
    run = _run(world, caseworker)
    assert "与预算内最优方案的差距" not in _page(station_worker, run)
    data = api_as(station_worker).get(f"/api/v1/matching-runs/{run.pk}/").json()
    assert data["gap_percent"] is None and data["score_bound"] is None and data["flow_score"] is None


def test_at_the_time_limit_the_page_says_the_gap_was_not_computed(
    world: World, caseworker: User, tight_fund: None, settings: Any
) -> None:
    settings.MATCHING_EXACT_SECONDS = 0
    run = _run(world, caseworker)
    assert run.proposed_count == 2  # the flow's assignment: within the budget, one person fewer
    assert run.budget_stage == "time_limit" and run.gap_percent is None
    html = _page(caseworker, run)
    assert "本次未能计算差距（超出时限：沿用最小费用流的方案）" in html
    assert "与预算内最优方案的差距" not in html
