"""The 幸福清单 shows the match that led to each fulfilled need and the statistics of each run."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User
from beneficiaries.models import NeedStatus
from matching.models import MatchingRun
from matching.selectors import run_counts
from matching.services import proposal_confirm
from tests.matching.conftest import County

pytestmark = pytest.mark.django_db


def test_a_fulfilled_need_shows_its_match_and_the_run_counts_it(
    caseworker: User, done_run: MatchingRun, county: County
) -> None:
    proposal = proposal_confirm(proposal=done_run.proposals.get(need=county.elderly_need), by=caseworker)
    # The referral went its way and the charity reported the help: the need is fulfilled.
    county.elderly_need.status = NeedStatus.FULFILLED
    county.elderly_need.save(update_fields=["status"])
    client = Client()
    client.force_login(caseworker)
    html = client.get("/cases/happiness/").content.decode()
    assert f'href="/matching/runs/{done_run.pk}/"' in html
    assert proposal.resource.name in html
    assert run_counts(done_run) == {"proposed": 2, "confirmed": 1, "rejected": 0, "fulfilled": 1}
