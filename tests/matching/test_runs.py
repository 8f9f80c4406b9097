"""A run turns the register, the supply list and the ledger into proposals, once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from cases.models import ReferralStatus
from matching.models import MatchingRun, MatchProposal, ProposalStatus, RunStatus
from matching.services import MatchingError, run_execute, run_start
from tests.conftest import World
from tests.factories import make_assistance_record, make_referral
from tests.matching.conftest import County


def _run(world: World, caseworker: User) -> MatchingRun:
    run = run_start(region=world.our_county, by=caseworker)
    run_execute(run_id=run.pk)
    run.refresh_from_db()
    return run


def test_a_run_proposes_the_best_assignment_for_the_county(county: County, world: World, caseworker: User) -> None:
    run = _run(world, caseworker)
    assert run.status == RunStatus.DONE
    assert run.progress == 100
    pairs = set(run.proposals.values_list("need_id", "resource_id"))
    # One medical place: the elderly person unable to care for themselves wins it over the adult.
    assert pairs == {(county.elderly_need.pk, county.medical_fund.pk), (county.child_need.pk, county.school_aid.pk)}
    assert run.proposed_count == 2
    proposal = run.proposals.get(need=county.elderly_need)
    assert {r["code"] for r in proposal.reasons} >= {"focus_group", "not_helped_this_year"}


def test_running_the_task_again_does_not_duplicate_proposals(county: County, world: World, caseworker: User) -> None:
    run = _run(world, caseworker)
    run_execute(run_id=run.pk)
    assert MatchProposal.objects.filter(run=run).count() == 2


def test_a_run_left_running_by_a_killed_worker_ends_with_one_set(
    county: County, world: World, caseworker: User
) -> None:
    run = run_start(region=world.our_county, by=caseworker)
    # What a worker killed after it took the run leaves behind: "running", nothing written yet.
    MatchingRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, attempts=1, progress=40)
    run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert (run.status, run.attempts, run.proposals.count()) == (RunStatus.DONE, 2, 2)


def test_a_second_run_for_the_same_region_waits_for_the_first(world: World, caseworker: User) -> None:
    run_start(region=world.our_county, by=caseworker)
    with pytest.raises(MatchingError) as error:
        run_start(region=world.our_county, by=caseworker)
    assert error.value.code == "matching_run_active"


def test_a_run_stuck_for_hours_no_longer_blocks_a_new_one(world: World, caseworker: User) -> None:
    stuck = run_start(region=world.our_county, by=caseworker)
    MatchingRun.objects.filter(pk=stuck.pk).update(updated_at=timezone.now() - timedelta(hours=4))
    run_start(region=world.our_county, by=caseworker)
    stuck.refresh_from_db()
    assert stuck.status == RunStatus.FAILED
    assert stuck.error  # says the worker was lost and to start again


def test_a_failed_run_says_why(county: County, world: World, caseworker: User, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("solver exploded")

    monkeypatch.setattr("matching.services.solve", broken)
    run = _run(world, caseworker)
    assert run.status == RunStatus.FAILED
    assert run.error
    assert not run.proposals.exists()


def test_help_already_received_is_not_proposed_again(county: County, world: World, caseworker: User) -> None:
    # The elderly person gets medical assistance from the government now: no medical proposal.
    today = timezone.localdate()
    make_assistance_record(
        county.elderly,
        world.bureau,
        programme="medical",
        period_start=today - timedelta(days=10),
        period_end=today + timedelta(days=20),
    )
    run = _run(world, caseworker)
    pairs = set(run.proposals.values_list("need_id", "resource_id"))
    assert (county.elderly_need.pk, county.medical_fund.pk) not in pairs
    assert (county.adult_need.pk, county.medical_fund.pk) in pairs


def test_places_promised_to_unanswered_referrals_are_not_offered_again(
    county: County, world: World, caseworker: User
) -> None:
    make_referral(
        person=county.adult,
        from_organization=world.bureau,
        to_organization=world.charity,
        status=ReferralStatus.SENT,
        resource=county.medical_fund,
    )
    run = _run(world, caseworker)
    assert not run.proposals.filter(resource=county.medical_fund).exists()


def test_a_need_with_a_referral_under_way_is_left_out(county: County, world: World, caseworker: User) -> None:
    make_referral(
        person=county.child,
        from_organization=world.bureau,
        to_organization=world.charity,
        status=ReferralStatus.DRAFT,
        needs=[county.child_need],
    )
    run = _run(world, caseworker)
    assert not run.proposals.filter(need=county.child_need).exists()


def test_rejected_pairs_are_not_proposed_by_the_next_run(county: County, world: World, caseworker: User) -> None:
    first = _run(world, caseworker)
    first.proposals.filter(need=county.elderly_need).update(status=ProposalStatus.REJECTED)
    second = _run(world, caseworker)
    assert not second.proposals.filter(need=county.elderly_need, resource=county.medical_fund).exists()
    # The place goes to the next person instead.
    assert second.proposals.filter(need=county.adult_need, resource=county.medical_fund).exists()


def test_the_nightly_run_starts_one_run_per_county_with_open_needs(county: County, world: World) -> None:
    from matching.services import runs_start_nightly

    assert runs_start_nightly() == 1
    run = MatchingRun.objects.get()
    assert (run.region_id, run.started_by) == (world.our_county.code, None)
    assert runs_start_nightly() == 0  # still queued: not started twice
