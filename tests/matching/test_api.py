"""matching-runs/ and match-proposals/ as API.md promises them, and who is refused."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from cases.models import Referral, ReferralStatus
from matching.models import MatchingRun, MatchProposal, ProposalStatus
from tests.conftest import World, api_as
from tests.factories import make_consent
from tests.matching.conftest import County

pytestmark = pytest.mark.django_db


def test_a_caseworker_starts_a_run_for_their_county(world: World, caseworker: User, county: County) -> None:
    response = api_as(caseworker).post("/api/v1/matching-runs/", {}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["region"] == world.our_county.code
    assert body["status"] == "queued"
    assert body["progress"] == 0
    assert body["counts"] == {"proposed": 0, "confirmed": 0, "rejected": 0, "fulfilled": 0}


def test_a_run_can_cover_a_township_of_the_county(world: World, caseworker: User) -> None:
    response = api_as(caseworker).post("/api/v1/matching-runs/", {"region": world.our_township.code}, format="json")
    assert response.status_code == 201
    assert response.json()["region"] == world.our_township.code


def test_a_region_outside_the_jurisdiction_is_refused(world: World, caseworker: User) -> None:
    response = api_as(caseworker).post("/api/v1/matching-runs/", {"region": world.other_county.code}, format="json")
    assert response.status_code == 403
    assert not MatchingRun.objects.exists()


@pytest.mark.parametrize("persona", ["station_worker", "supervisor", "charity_staff"])
def test_roles_that_do_not_run_matching_cannot_start_a_run(persona: str, request: pytest.FixtureRequest) -> None:
    user = request.getfixturevalue(persona)
    assert api_as(user).post("/api/v1/matching-runs/", {}, format="json").status_code == 403


def test_anonymous_gets_401(api: APIClient, done_run: MatchingRun) -> None:
    assert api.get("/api/v1/matching-runs/").status_code == 401
    assert api.post("/api/v1/matching-runs/", {}).status_code == 401
    assert api.get("/api/v1/match-proposals/").status_code == 401
    proposal = done_run.proposals.first()
    assert proposal is not None
    assert api.post(f"/api/v1/match-proposals/{proposal.pk}/confirm/").status_code == 401


def test_a_second_run_while_one_is_queued_is_a_409(world: World, caseworker: User) -> None:
    client = api_as(caseworker)
    assert client.post("/api/v1/matching-runs/", {}, format="json").status_code == 201
    response = client.post("/api/v1/matching-runs/", {}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "matching_run_active"


def test_a_run_started_while_the_task_service_is_down_fails_clearly_and_can_be_started_again(
    world: World, caseworker: User, settings, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks
) -> None:
    from kombu.exceptions import OperationalError

    from matching.tasks import run_matching

    def broker_away(*args: object, **kwargs: object) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setitem(run_matching.app.conf, "task_always_eager", False)
    monkeypatch.setattr(run_matching, "apply_async", broker_away)
    client = api_as(caseworker)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/matching-runs/", {}, format="json")
    assert response.status_code == 201
    run = MatchingRun.objects.get(pk=response.json()["id"])
    assert run.status == "failed"
    assert "后台任务服务暂时不可用" in client.get(f"/api/v1/matching-runs/{run.pk}/").json()["error"]
    # Not stuck as "queued": the caseworker can start it again.
    with django_capture_on_commit_callbacks(execute=False):
        assert client.post("/api/v1/matching-runs/", {}, format="json").status_code == 201


def test_the_run_shows_status_progress_and_counts(caseworker: User, done_run: MatchingRun) -> None:
    body = api_as(caseworker).get(f"/api/v1/matching-runs/{done_run.pk}/").json()
    assert (body["status"], body["progress"]) == ("done", 100)
    assert body["counts"]["proposed"] == 2


def test_proposals_list_with_score_and_chinese_reasons(caseworker: User, done_run: MatchingRun, county: County) -> None:
    body = api_as(caseworker).get(f"/api/v1/match-proposals/?run={done_run.pk}&need={county.elderly_need.pk}").json()
    assert body["count"] == 1
    proposal = body["results"][0]
    assert proposal["need"] == county.elderly_need.pk
    assert proposal["resource"] == county.medical_fund.pk
    assert proposal["score"] > 0
    codes = {reason["code"] for reason in proposal["reasons"]}
    assert "focus_group" in codes
    assert "重点对象" in proposal["reason_text"]
    assert all(reason["text"] for reason in proposal["reasons"])


def test_proposals_filter_by_resource_and_status(caseworker: User, done_run: MatchingRun, county: County) -> None:
    client = api_as(caseworker)
    assert client.get(f"/api/v1/match-proposals/?resource={county.school_aid.pk}").json()["count"] == 1
    assert client.get("/api/v1/match-proposals/?status=rejected").json()["count"] == 0
    assert client.get("/api/v1/match-proposals/?status=nonsense").status_code == 400


def test_confirming_makes_a_draft_referral_to_the_resources_organisation(
    caseworker: User, done_run: MatchingRun, county: County, world: World
) -> None:
    proposal = done_run.proposals.get(need=county.elderly_need)
    response = api_as(caseworker).post(f"/api/v1/match-proposals/{proposal.pk}/confirm/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "confirmed"
    referral = Referral.objects.get(pk=body["referral"])
    assert referral.status == ReferralStatus.DRAFT
    assert referral.to_organization == world.charity
    assert referral.resource == county.medical_fund
    assert list(referral.needs.all()) == [county.elderly_need]
    assert body["consent_in_force"] is True  # the elderly person consented to our charity


def test_confirming_without_consent_says_the_referral_needs_it(
    caseworker: User, done_run: MatchingRun, county: County
) -> None:
    """The child's guardian gave no consent at all, not even to matching: nothing is made (issue #13)."""
    proposal = done_run.proposals.get(need=county.child_need)
    response = api_as(caseworker).post(f"/api/v1/match-proposals/{proposal.pk}/confirm/")
    assert response.status_code == 409
    assert response.json()["code"] == "consent_missing" and "匹配" in response.json()["detail"]
    assert not Referral.objects.filter(person=county.child).exists()


def test_a_consent_to_matching_alone_makes_the_draft_that_still_needs_a_referral_consent(
    caseworker: User, done_run: MatchingRun, county: County, world: World
) -> None:
    make_consent(county.child, organization=world.charity, purposes=["matching"], guardian_name="张建华")
    proposal = done_run.proposals.get(need=county.child_need)
    body = api_as(caseworker).post(f"/api/v1/match-proposals/{proposal.pk}/confirm/").json()
    assert body["status"] == "confirmed" and body["consent_in_force"] is False
    assert "同意" in body["message"]


def test_confirming_twice_is_a_409(caseworker: User, done_run: MatchingRun) -> None:
    proposal = done_run.proposals.first()
    assert proposal is not None
    client = api_as(caseworker)
    assert client.post(f"/api/v1/match-proposals/{proposal.pk}/confirm/").status_code == 200
    second = client.post(f"/api/v1/match-proposals/{proposal.pk}/confirm/")
    assert second.status_code == 409
    assert second.json()["code"] == "proposal_decided"
    assert Referral.objects.count() == 1


def test_confirming_when_the_resource_is_full_is_a_409(caseworker: User, done_run: MatchingRun, county: County) -> None:
    county.medical_fund.people_left = 0
    county.medical_fund.status = "full"
    county.medical_fund.save()
    proposal = done_run.proposals.get(resource=county.medical_fund)
    response = api_as(caseworker).post(f"/api/v1/match-proposals/{proposal.pk}/confirm/")
    assert response.status_code == 409
    assert response.json()["code"] == "resource_full"
    assert not Referral.objects.exists()


def test_rejecting_remembers_the_pair_and_cannot_be_confirmed_after(
    caseworker: User, done_run: MatchingRun, county: County
) -> None:
    proposal = done_run.proposals.get(need=county.child_need)
    client = api_as(caseworker)
    response = client.post(f"/api/v1/match-proposals/{proposal.pk}/reject/")
    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    assert client.post(f"/api/v1/match-proposals/{proposal.pk}/confirm/").status_code == 409
    assert client.post(f"/api/v1/match-proposals/{proposal.pk}/reject/").status_code == 409


def test_the_station_worker_reads_proposals_in_their_township_only(
    station_worker: User, done_run: MatchingRun, county: County, world: World
) -> None:
    from tests.factories import make_need, make_person

    # A person in the other township of the county, matched too: not the station's.
    far = make_person(world.other_township, name="赵大山", male=True)
    far_need = make_need(far, category="education")
    MatchProposal.objects.create(
        run=done_run, need=far_need, resource=county.school_aid, region=world.other_township, score=1
    )
    client = api_as(station_worker)
    ids = {row["need"] for row in client.get("/api/v1/match-proposals/").json()["results"]}
    assert ids == {county.elderly_need.pk, county.child_need.pk}
    far_proposal = MatchProposal.objects.get(need=far_need)
    assert client.get(f"/api/v1/match-proposals/{far_proposal.pk}/").status_code == 404
    assert client.get(f"/api/v1/matching-runs/{done_run.pk}/").status_code == 200


@pytest.mark.parametrize("persona", ["station_worker", "supervisor"])
def test_readers_cannot_confirm_or_reject(persona: str, request: pytest.FixtureRequest, done_run: MatchingRun) -> None:
    user = request.getfixturevalue(persona)
    proposal = done_run.proposals.first()
    assert proposal is not None
    client = api_as(user)
    assert client.get(f"/api/v1/match-proposals/{proposal.pk}/").status_code == 200
    assert client.post(f"/api/v1/match-proposals/{proposal.pk}/confirm/").status_code == 403
    assert client.post(f"/api/v1/match-proposals/{proposal.pk}/reject/").status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PROPOSED


def test_the_other_county_sees_nothing(other_county_caseworker: User, done_run: MatchingRun) -> None:
    client = api_as(other_county_caseworker)
    proposal = done_run.proposals.first()
    assert proposal is not None
    assert client.get("/api/v1/matching-runs/").json()["count"] == 0
    assert client.get("/api/v1/match-proposals/").json()["count"] == 0
    assert client.get(f"/api/v1/matching-runs/{done_run.pk}/").status_code == 404
    assert client.get(f"/api/v1/match-proposals/{proposal.pk}/").status_code == 404
    assert client.post(f"/api/v1/match-proposals/{proposal.pk}/confirm/").status_code == 404
    assert client.post(f"/api/v1/match-proposals/{proposal.pk}/reject/").status_code == 404


@pytest.mark.parametrize("persona", ["charity_staff", "other_charity_staff"])
def test_charity_staff_are_refused(persona: str, request: pytest.FixtureRequest, done_run: MatchingRun) -> None:
    client = api_as(request.getfixturevalue(persona))
    proposal = done_run.proposals.first()
    assert proposal is not None
    assert client.get("/api/v1/matching-runs/").status_code == 403
    assert client.get("/api/v1/match-proposals/").status_code == 403
    assert client.get(f"/api/v1/matching-runs/{done_run.pk}/").status_code == 403  # the role may not run matching
    assert client.post(f"/api/v1/match-proposals/{proposal.pk}/confirm/").status_code == 404


def test_a_missing_proposal_is_a_404(caseworker: User, done_run: MatchingRun) -> None:
    client = api_as(caseworker)
    assert client.get("/api/v1/match-proposals/999999/").status_code == 404
    assert client.post("/api/v1/match-proposals/999999/confirm/").status_code == 404
    assert client.get("/api/v1/matching-runs/999999/").status_code == 404


def test_confirming_counts_places_already_promised_to_draft_referrals(
    caseworker: User, done_run: MatchingRun, county: County, world: World
) -> None:
    """The resource's last place is already promised to a draft referral: a proposal for it is refused."""
    from charities.models import Resource
    from tests.factories import make_need, make_person
    from tests.factories.cases import make_referral

    proposal = done_run.proposals.get(need=county.elderly_need)
    Resource.objects.filter(pk=county.medical_fund.pk).update(people_left=1)
    someone = make_person(world.our_village, name="刘红梅")
    make_referral(
        person=someone,
        from_organization=world.bureau,
        to_organization=world.charity,
        status=ReferralStatus.DRAFT,
        needs=[make_need(someone)],
        resource=county.medical_fund,
    )
    answer = api_as(caseworker).post(f"/api/v1/match-proposals/{proposal.pk}/confirm/")
    assert answer.status_code == 409
    assert answer.json()["code"] == "resource_full"
    assert Referral.objects.filter(resource=county.medical_fund).count() == 1
