"""The review pages: runs with progress, proposals by need or by resource, confirm one or many, and refusals."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User
from cases.models import Referral
from matching.models import MatchingRun, ProposalStatus
from tests.conftest import World
from tests.factories import make_consent
from tests.matching.conftest import County

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_run_list_shows_a_progress_bar_that_polls_while_running(
    caseworker: User, world: World, county: County
) -> None:
    from matching.services import run_start

    run = run_start(region=world.our_county, by=caseworker)
    MatchingRun.objects.filter(pk=run.pk).update(status="running", progress=42)
    html = _client(caseworker).get("/matching/").content.decode()
    assert 'value="42"' in html
    assert "hx-trigger" in html
    partial = _client(caseworker).get(f"/matching/runs/{run.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'id="run-status"' in partial and 'value="42"' in partial


def test_a_caseworker_starts_a_run_from_the_page(caseworker: User, world: World) -> None:
    response = _client(caseworker).post("/matching/runs/new/", {"region": ""})
    run = MatchingRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/matching/runs/{run.pk}/"
    assert run.region == world.our_county


def test_proposals_by_need_and_by_resource_with_reasons(
    caseworker: User, done_run: MatchingRun, county: County
) -> None:
    client = _client(caseworker)
    by_need = client.get(f"/matching/runs/{done_run.pk}/").content.decode()
    assert "李桂兰" in by_need and "大病救助金" in by_need
    assert 'class="reasons"' in by_need
    by_resource = client.get(f"/matching/runs/{done_run.pk}/?by=resource").content.decode()
    assert by_resource.index("助学金") < by_resource.index("张小明 · ")


def test_confirm_and_reject_from_the_page(caseworker: User, done_run: MatchingRun, county: County) -> None:
    client = _client(caseworker)
    elderly = done_run.proposals.get(need=county.elderly_need)
    child = done_run.proposals.get(need=county.child_need)
    assert client.post(f"/matching/proposals/{elderly.pk}/confirm/").status_code == 302
    assert client.post(f"/matching/proposals/{child.pk}/reject/").status_code == 302
    elderly.refresh_from_db()
    child.refresh_from_db()
    assert (elderly.status, child.status) == (ProposalStatus.CONFIRMED, ProposalStatus.REJECTED)
    assert elderly.referral is not None


def test_bulk_confirm_makes_every_draft_and_warns_about_missing_consent(
    caseworker: User, done_run: MatchingRun, county: County, world: World
) -> None:
    # The child's guardian agreed to matching, not yet to sharing the details with the charity.
    make_consent(county.child, organization=world.charity, purposes=["matching"], guardian_name="张建华")
    ids = list(done_run.proposals.values_list("pk", flat=True))
    response = _client(caseworker).post(f"/matching/runs/{done_run.pk}/confirm/", {"proposal": ids}, follow=True)
    assert Referral.objects.count() == 2
    assert set(done_run.proposals.values_list("status", flat=True)) == {ProposalStatus.CONFIRMED}
    levels = [m.level_tag for m in response.context["messages"]]
    assert "warning" in levels  # the child has no consent for the charity yet


@pytest.mark.parametrize("persona", ["station_worker", "supervisor"])
def test_readers_see_the_run_but_no_buttons_and_cannot_post(
    persona: str, request: pytest.FixtureRequest, done_run: MatchingRun
) -> None:
    client = _client(request.getfixturevalue(persona))
    html = client.get(f"/matching/runs/{done_run.pk}/").content.decode()
    assert "李桂兰" in html
    assert "/confirm/" not in html
    proposal = done_run.proposals.first()
    assert proposal is not None
    assert client.post(f"/matching/proposals/{proposal.pk}/confirm/").status_code == 403
    assert client.post(f"/matching/proposals/{proposal.pk}/reject/").status_code == 403
    assert client.post(f"/matching/runs/{done_run.pk}/confirm/", {"proposal": [proposal.pk]}).status_code == 403
    assert client.post("/matching/runs/new/").status_code == 403
    assert not Referral.objects.exists()


def test_the_other_county_gets_404(other_county_caseworker: User, done_run: MatchingRun) -> None:
    client = _client(other_county_caseworker)
    proposal = done_run.proposals.first()
    assert proposal is not None
    assert client.get(f"/matching/runs/{done_run.pk}/").status_code == 404
    assert client.post(f"/matching/proposals/{proposal.pk}/confirm/").status_code == 404
    assert client.post(f"/matching/runs/{done_run.pk}/confirm/", {"proposal": [proposal.pk]}).status_code == 404
    assert "李桂兰" not in client.get("/matching/").content.decode()


def test_charity_staff_are_refused(charity_staff: User, done_run: MatchingRun) -> None:
    client = _client(charity_staff)
    proposal = done_run.proposals.first()
    assert proposal is not None
    assert client.get("/matching/").status_code == 403
    assert client.get(f"/matching/runs/{done_run.pk}/").status_code == 403
    assert client.post("/matching/runs/new/").status_code == 403
    assert client.post(f"/matching/proposals/{proposal.pk}/confirm/").status_code == 404


def test_anonymous_is_sent_to_sign_in(client: Client, done_run: MatchingRun) -> None:
    for url in ("/matching/", f"/matching/runs/{done_run.pk}/"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/" in response["Location"]
