"""Issue 15: the run page lists proposals by score, highest first, and every reason is true — a free
service is never explained as paying the amount asked."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client

from accounts.models import User
from matching.models import MatchingRun
from tests.conftest import World
from tests.factories import ResourceFactory, make_need
from tests.matching.conftest import County

pytestmark = pytest.mark.django_db


def run_page(user: User, world: World) -> str:
    from matching.services import run_execute, run_start

    run = run_start(region=world.our_county, by=user)
    run_execute(run_id=run.pk)
    assert MatchingRun.objects.get(pk=run.pk).status == "done"
    client = Client()
    client.force_login(user)
    return client.get(f"/matching/runs/{run.pk}/").content.decode()


def test_a_free_legal_service_is_not_explained_with_the_money_asked(
    caseworker: User, world: World, county: County
) -> None:
    ResourceFactory.create(
        organization=world.charity,
        name="志愿律师免费法律咨询",
        kind="service",
        form="service",
        categories=["legal"],
        capacity_amount=None,
        amount_left=None,
        per_person_limit=None,
    )
    make_need(
        county.adult, category="legal", description="工伤赔偿纠纷，需要法律援助", amount_requested=Decimal("23000.00")
    )
    html = run_page(caseworker, world)
    row = html[html.index("工伤赔偿纠纷") : html.index("</tr>", html.index("工伤赔偿纠纷"))]
    assert "志愿律师免费法律咨询" in row
    assert "可覆盖申请金额" not in row and "23000.00 元）" not in row and " · 23000.00 元" not in row
    assert "提供服务或物资，不支付资金：申请的 23000.00 元不在其帮扶范围内" in row


def test_proposals_are_listed_highest_score_first(caseworker: User, world: World, county: County) -> None:
    # 刘建国 sorts first by name and has the lowest score (no focus group, routine): by name he would lead.
    ResourceFactory.create(organization=world.charity, name="生活救助金", categories=["living"], capacity_people=5)
    make_need(county.adult, category="living", description="失业后生活困难")
    html = run_page(caseworker, world)
    scores = [float(s) for s in re.findall(r'<span class="score">([\d.]+)</span>', html)]
    assert len(scores) >= 3
    assert html.index("失业后生活困难") > html.index("李桂兰 · ")
    assert scores == sorted(scores, reverse=True), scores
