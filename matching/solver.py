"""The best assignment for a whole county at once: a min-cost flow, then budgets as money.

``solve`` builds the compatible pairs (``matching.candidates``), solves the min-cost flow
(``matching.flow``: exact for its model, in which a budget is places at the largest grant), then
runs the budget-exact stage (``matching.budgets``: the LP relaxation with budgets in money, dived
to an integer assignment, time-limited, the flow's assignment when it fails or runs out of time).
docs/matching.md has the pictures and the measurements.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from matching import scoring
from matching.budgets import BudgetOutcome, budget_exact
from matching.candidates import Candidates, IntArray, Progress, build_candidates
from matching.flow import SolverError, min_cost_flow_assignment
from matching.problem import MatchingProblem, MatchResult, MatchStats, Proposal

# Seconds the budget-exact stage may take when the caller sets none (settings.MATCHING_EXACT_SECONDS).
EXACT_SECONDS = 60.0


def _monotonic(progress: Progress | None) -> Callable[[int], None]:
    """Report progress only when it moves forward, clamped to 0–100, so a bar never jumps back."""
    last = -1

    def report(percent: int) -> None:
        nonlocal last
        percent = max(0, min(100, percent))
        if progress is not None and percent > last:
            last = percent
            progress(percent)

    return report


def total_units(candidates: Candidates, chosen: IntArray) -> int:
    return int(candidates.pair_units[chosen].sum())


def proposals_for(candidates: Candidates, chosen: IntArray) -> tuple[Proposal, ...]:
    """The chosen pairs as proposals with their reasons, in need-id order."""
    proposals = []
    for pair in chosen.tolist():
        need = candidates.needs[int(candidates.pair_need[pair])]
        resource = candidates.resources[int(candidates.pair_resource[pair])]
        proposals.append(
            Proposal(
                need_id=need.id,
                resource_id=resource.id,
                score=int(candidates.pair_units[pair]) / scoring.SCALE,
                reasons=scoring.explain(need, resource, candidates.locality(pair), candidates.weights),
                amount=scoring.grant(need, resource),
            )
        )
    proposals.sort(key=lambda proposal: proposal.need_id)
    return tuple(proposals)


def solve(
    problem: MatchingProblem, progress: Progress | None = None, exact_seconds: float = EXACT_SECONDS
) -> MatchResult:
    """Propose the best assignment of the problem's needs to its resources.

    ``progress`` is called with a percentage (0–100, never decreasing) so a Celery task can
    store it for the progress bar. ``exact_seconds`` bounds the budget-exact stage (0: flow only).
    """
    report = _monotonic(progress)
    report(0)
    started = time.perf_counter()
    candidates = build_candidates(problem, progress=report)
    built = time.perf_counter()
    report(55)
    flow = min_cost_flow_assignment(candidates)
    flowed = time.perf_counter()
    report(65)
    outcome = budget_exact(candidates, flow, time_limit=exact_seconds)
    report(90)
    proposals = proposals_for(candidates, outcome.chosen)
    solved = time.perf_counter()
    report(100)
    return MatchResult(
        proposals=proposals,
        total_score=outcome.units / scoring.SCALE,
        stats=MatchStats(
            needs=len(candidates.needs),
            resources=len(candidates.resources),
            candidate_pairs=candidates.size,
            matched=len(proposals),
            candidate_seconds=built - started,
            solve_seconds=solved - built,
            flow_seconds=flowed - built,
            exact_seconds=outcome.seconds,
        ),
        flow_score=outcome.flow_units / scoring.SCALE,
        bound=None if outcome.bound is None else outcome.bound / scoring.SCALE,
        budget_stage=outcome.status,
    )


__all__ = ["BudgetOutcome", "SolverError", "min_cost_flow_assignment", "proposals_for", "solve", "total_units"]
