"""Writes of the matching app: start a run, carry it out (the Celery task's body), confirm or
reject what it proposes.

A run is idempotent: ``run_execute`` locks the run row, returns when the run is already done,
and writes the proposals and the ``done`` status in one transaction, so a worker killed half
way and a task delivered twice still leave exactly one set of proposals.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from beneficiaries.models import ConsentPurpose, Need, NeedStatus
from beneficiaries.selectors import consent_allowed_fields, consent_in_force
from cases.models import ACTIVE_STATUSES, Referral
from cases.services import referral_create_to_charity
from charities.models import Resource, ResourceStatus
from core.errors import ReferralHubError
from core.models import Region, RegionLevel
from matching.candidates import TooManyPairsError
from matching.models import (
    ACTIVE_RUN_STATUSES,
    MatchingRun,
    MatchProposal,
    NightlyRun,
    ProposalStatus,
    RunStatus,
)
from matching.permissions import require_run
from matching.problem import Locality, MatchResult, Weights
from matching.selectors import (
    PENDING_REFERRAL_STATUSES,
    build_problem,
    matching_weights,
    places_promised,
    weights_as_json,
)
from matching.solver import solve

logger = logging.getLogger(__name__)

# A queued or running run not heard from for this long lost its worker for good (e.g. the
# broker was flushed); a new run for the region may then start.
STALE_AFTER = timedelta(hours=3)
# Progress is written at most this often (seconds): a bar needs no more, the database less.
PROGRESS_INTERVAL = 1.0


class MatchingError(ReferralHubError):
    code = "matching_conflict"


# --- runs ---------------------------------------------------------------------------------
def _queue(run_id: int) -> None:
    """Queue the run; with the broker away the run fails at once with a clear message (the
    caseworker starts it again later) instead of failing the request or waiting queued for ever."""
    from matching.tasks import run_matching

    if run_matching.app.conf.task_always_eager:
        run_matching.apply_async(args=(run_id,), queue=settings.MATCHING_QUEUE)  # in-process
        return
    try:
        run_matching.apply_async(args=(run_id,), queue=settings.MATCHING_QUEUE, retry=False)
    except Exception:
        logger.warning("matching run %s: could not queue it", run_id, exc_info=True)
        _fail(
            run_id,
            _(
                "The background task service is unavailable, so this run did not start. Start it again in a few minutes."
            ),
        )


def _queue_nightly(run_ids: list[int]) -> None:
    """Queue the night's runs as one Celery group, one task per county on the matching queue: the
    workers of every machine share them, and each task ends on its own (a county that fails is
    marked failed by ``run_execute`` and stops no other). With the broker away every run of the
    night fails at once with a clear message."""
    from celery import group

    from matching.tasks import run_matching

    night = group(run_matching.si(run_id).set(queue=settings.MATCHING_QUEUE) for run_id in run_ids)
    if run_matching.app.conf.task_always_eager:
        night.apply_async()  # in-process
        return
    try:
        night.apply_async(retry=False)
    except Exception:
        logger.warning("nightly matching: could not queue %s runs", len(run_ids), exc_info=True)
        for run_id in run_ids:
            _fail(
                run_id,
                _(
                    "The background task service is unavailable, so this run did not start. Start it again in a few minutes."
                ),
            )


def run_start(*, region: Region, by: User | None, nightly: NightlyRun | None = None, queue: bool = True) -> MatchingRun:
    """Create a run for ``region`` (the caller checked the user may) and queue it at commit
    (``queue=False``: the caller queues it, as the nightly group does). One active run per region."""
    if by is not None:
        require_run(by)
    now = timezone.now()
    MatchingRun.objects.filter(region=region, status__in=ACTIVE_RUN_STATUSES, updated_at__lt=now - STALE_AFTER).update(
        status=RunStatus.FAILED,
        error=_("The run stopped without finishing (its worker was lost). Start a new run."),
        finished_at=now,
        updated_at=now,
    )
    try:
        with transaction.atomic():
            run = MatchingRun.objects.create(
                region=region,
                started_by=by,
                nightly=nightly,
                as_of=timezone.localdate(),
                weights=weights_as_json(matching_weights()),
            )
            run_id = run.pk
            if queue:
                transaction.on_commit(lambda: _queue(run_id))
    except IntegrityError:
        raise MatchingError(
            _("A matching run for %(region)s is already queued or running. Wait for it to finish.")
            % {"region": region.name},
            code="matching_run_active",
        ) from None
    return run


def runs_start_nightly() -> int:
    """The nightly run: one run for every county with an open need (skipping those already running),
    queued at commit as one Celery group of one task per county (``_queue_nightly``), so one
    county's failure stops no other; the night's row gathers them for the nightly page."""
    counties = Region.objects.filter(level=RegionLevel.COUNTY)
    prefixes = {
        code[:6] for code in Need.objects.filter(status=NeedStatus.OPEN).values_list("region_id", flat=True).distinct()
    }
    night = NightlyRun.objects.create(as_of=timezone.localdate())
    run_ids: list[int] = []
    for county in counties.filter(code__in=[p + "000000" for p in prefixes]).order_by("code"):
        try:
            run_ids.append(run_start(region=county, by=None, nightly=night, queue=False).pk)
        except MatchingError:
            continue
    NightlyRun.objects.filter(pk=night.pk).update(counties=len(run_ids))
    if run_ids:
        transaction.on_commit(lambda: _queue_nightly(run_ids))
    return len(run_ids)


def _weights_from_json(data: dict[str, Any]) -> Weights:
    if not data:
        return matching_weights()
    return Weights(
        urgency=dict(data["urgency"]),
        waiting_per_day=float(data["waiting_per_day"]),
        waiting_cap_days=int(data["waiting_cap_days"]),
        focus_groups=dict(data["focus_groups"]),
        not_helped_this_year=float(data["not_helped_this_year"]),
        locality={Locality(k): float(v) for k, v in data["locality"].items()},
        amount_fit=float(data["amount_fit"]),
    )


def _progress_writer(run_id: int) -> Callable[[int], None]:
    last_written = 0.0
    # Tests of a killed worker slow a run down here so it can be killed half way.
    delay = settings.MATCHING_PROGRESS_DELAY_SECONDS

    def write(percent: int) -> None:
        nonlocal last_written
        if delay:
            time.sleep(delay)
        now = time.monotonic()
        if percent < 100 and now - last_written < PROGRESS_INTERVAL:
            return
        last_written = now
        # The bar never reaches 100 before the proposals are written: "done" says that.
        MatchingRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
            progress=min(percent, 99), updated_at=timezone.now()
        )

    return write


def _fail(run_id: int, message: str) -> None:
    MatchingRun.objects.filter(pk=run_id, status__in=ACTIVE_RUN_STATUSES).update(
        status=RunStatus.FAILED, error=message, finished_at=timezone.now(), updated_at=timezone.now()
    )


def run_execute(*, run_id: int) -> None:
    """Carry out a run: build the problem, solve it, write the proposals. Safe to call again."""
    with transaction.atomic():
        run = MatchingRun.objects.select_for_update(no_key=True).select_related("region").filter(pk=run_id).first()
        if run is None or run.status not in ACTIVE_RUN_STATUSES:
            return  # done or failed already: a second delivery of the task does nothing
        run.status = RunStatus.RUNNING
        run.attempts += 1
        run.progress = 0
        run.started_at = timezone.now()
        run.save(update_fields=["status", "attempts", "progress", "started_at", "updated_at"])
    try:
        problem = build_problem(region=run.region, as_of=run.as_of, weights=_weights_from_json(run.weights))
        result = solve(problem, progress=_progress_writer(run_id), exact_seconds=settings.MATCHING_EXACT_SECONDS)
        run_save_result(run_id=run_id, result=result)
    except TooManyPairsError:
        _fail(run_id, _("This region has too many possible matches for one run. Run matching for each township."))
    except Exception:
        # Never raised on: the task of the next county (in-process, or on the same worker) goes on.
        logger.exception("matching run %s failed", run_id)
        _fail(run_id, _("The run stopped because of an internal error; nothing was proposed. Please start it again."))


def run_save_result(*, run_id: int, result: MatchResult) -> None:
    """Write a solved run's proposals and mark it done, in one transaction (replacing whatever an
    earlier attempt left). Does nothing unless the run is still running."""
    regions = dict(Need.objects.filter(pk__in=[p.need_id for p in result.proposals]).values_list("pk", "region_id"))
    with transaction.atomic():
        locked = MatchingRun.objects.select_for_update(no_key=True).filter(pk=run_id).first()
        if locked is None or locked.status != RunStatus.RUNNING:
            return
        # Replace whatever an earlier attempt left, and say "done", in the same transaction.
        locked.proposals.all().delete()
        MatchProposal.objects.bulk_create(
            [
                MatchProposal(
                    run=locked,
                    need_id=p.need_id,
                    resource_id=p.resource_id,
                    region_id=regions[p.need_id],
                    score=p.score,
                    reasons=[reason.as_json() for reason in p.reasons],
                    amount=p.amount,
                )
                for p in result.proposals
            ],
            batch_size=1000,
        )
        locked.status = RunStatus.DONE
        locked.progress = 100
        locked.error = ""
        locked.needs_count = result.stats.needs
        locked.resources_count = result.stats.resources
        locked.candidate_pairs = result.stats.candidate_pairs
        locked.proposed_count = len(result.proposals)
        locked.total_score = result.total_score
        locked.flow_score = result.flow_score
        locked.score_bound = result.bound
        locked.budget_stage = result.budget_stage
        locked.solve_seconds = result.stats.candidate_seconds + result.stats.solve_seconds
        locked.finished_at = timezone.now()
        locked.save()


# --- proposals ----------------------------------------------------------------------------
def _check_proposed(proposal: MatchProposal) -> None:
    if proposal.status != ProposalStatus.PROPOSED:
        raise MatchingError(
            _("This proposal was already %(status)s. Reload the page to see its current state.")
            % {"status": proposal.get_status_display()},
            code="proposal_decided",
        )
    if proposal.run.status != RunStatus.DONE:
        raise MatchingError(_("This run has not finished."), code="matching_run_active")


def consent_covers(proposal: MatchProposal) -> bool:
    """Does a consent in force let us share the person's details with the resource's organisation?"""
    return bool(
        consent_allowed_fields(
            organization=proposal.resource.organization,
            person=proposal.need.person,
            purpose=ConsentPurpose.CHARITY_REFERRAL,
        )
    )


def consent_to_matching(proposal: MatchProposal) -> bool:
    """Did the person agree to be matched with this organisation's help (purpose ``matching``)?"""
    return (
        consent_in_force(
            person=proposal.need.person, purpose=ConsentPurpose.MATCHING, recipient=proposal.resource.organization
        )
        is not None
    )


def proposal_confirm(*, proposal: MatchProposal, by: User) -> MatchProposal:
    """Make the draft referral (#5) for this proposal. Re-checks the need and the places left
    under a lock on the resource, so two caseworkers cannot promise the last place twice."""
    require_run(by)
    with transaction.atomic():
        locked = (
            MatchProposal.objects.select_for_update(no_key=True)
            .select_related("run", "need__person", "resource__organization")
            .get(pk=proposal.pk)
        )
        _check_proposed(locked)
        resource = (
            Resource.objects.select_for_update(of=("self",), no_key=True)
            .select_related("organization")
            .get(pk=locked.resource_id)
        )
        need = locked.need
        busy = Referral.objects.filter(needs=need, status__in=[*PENDING_REFERRAL_STATUSES, *ACTIVE_STATUSES]).exists()
        if need.status not in (NeedStatus.OPEN, NeedStatus.MATCHED) or busy:
            raise MatchingError(
                _("This need is no longer open or is already being referred; nothing was changed."),
                code="need_not_open",
            )
        left = (
            None
            if resource.people_left is None
            else resource.people_left - places_promised([resource.pk]).get(resource.pk, 0)
        )
        if resource.status != ResourceStatus.OPEN or (left is not None and left <= 0):
            raise MatchingError(
                _("“%(name)s” has no places left (or takes no new cases). Run matching again for another resource.")
                % {"name": resource.name},
                code="resource_full",
            )
        if not consent_to_matching(locked):
            raise MatchingError(
                _(
                    "%(name)s has not agreed to be matched with help from %(org)s (a consent for matching); "
                    "record that consent first."
                )
                % {"name": need.person.name, "org": resource.organization.name},
                code="consent_missing",
            )
        try:
            referral = referral_create_to_charity(
                by=by,
                person=need.person,
                to_organization=resource.organization,
                needs=[need],
                resource=resource,
                note=_("Proposed by matching run %(run)s (score %(score)s).")
                % {"run": locked.run_id, "score": locked.score},
            )
        except (ValidationError, PermissionDenied) as error:
            message = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            raise MatchingError(message, code="referral_not_possible") from None
        locked.status = ProposalStatus.CONFIRMED
        locked.decided_by = by
        locked.decided_at = timezone.now()
        locked.referral = referral
        locked.save(update_fields=["status", "decided_by", "decided_at", "referral"])
    return locked


def proposal_reject(*, proposal: MatchProposal, by: User) -> MatchProposal:
    """Turn a proposal down; the pair is never proposed again."""
    require_run(by)
    with transaction.atomic():
        locked = MatchProposal.objects.select_for_update(no_key=True).select_related("run").get(pk=proposal.pk)
        _check_proposed(locked)
        locked.status = ProposalStatus.REJECTED
        locked.decided_by = by
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "decided_by", "decided_at"])
    return locked


@dataclass
class BulkOutcome:
    confirmed: list[MatchProposal]
    refused: list[tuple[MatchProposal, str]]


def proposals_confirm_many(*, proposals: Iterable[MatchProposal], by: User) -> BulkOutcome:
    """Confirm several at once; each on its own, so one that cannot be confirmed stops no other."""
    require_run(by)
    outcome = BulkOutcome(confirmed=[], refused=[])
    for proposal in proposals:
        try:
            outcome.confirmed.append(proposal_confirm(proposal=proposal, by=by))
        except MatchingError as error:
            outcome.refused.append((proposal, error.message))
    return outcome


def proposals_awaiting_consent(proposals: Iterable[MatchProposal]) -> set[int]:
    """Ids of confirmed proposals whose draft referral cannot be sent until the person consents."""
    return {p.pk for p in proposals if p.referral_id is not None and not consent_covers(p)}


__all__ = [
    "BulkOutcome",
    "MatchingError",
    "consent_covers",
    "proposal_confirm",
    "proposal_reject",
    "proposals_awaiting_consent",
    "proposals_confirm_many",
    "run_execute",
    "run_save_result",
    "run_start",
    "runs_start_nightly",
]
