"""A finished demo matching run for the demo county, with one proposal confirmed and one rejected."""

from __future__ import annotations

from accounts.models import User
from core.errors import ReferralHubError
from matching.models import MatchingRun, ProposalStatus
from matching.services import proposal_confirm, proposal_reject, run_execute, run_start


def seed_matching(users: dict[str, User]) -> int:
    """Run matching once for the caseworker's county (in-process). Idempotent: nothing if a run exists."""
    caseworker = users.get("caseworker")
    if caseworker is None or caseworker.jurisdiction is None or MatchingRun.objects.exists():
        return 0
    run = run_start(region=caseworker.jurisdiction, by=caseworker)
    # The seed runs in one transaction: carry the run out here rather than waiting for a worker.
    run_execute(run_id=run.pk)
    proposals = list(run.proposals.filter(status=ProposalStatus.PROPOSED).order_by("-score", "id")[:2])
    try:
        if proposals:
            proposal_confirm(proposal=proposals[0], by=caseworker)
        if len(proposals) > 1:
            proposal_reject(proposal=proposals[1], by=caseworker)
    except ReferralHubError:
        pass  # the demo supply changed under us; the run itself is what matters
    run.refresh_from_db()
    return run.proposed_count
