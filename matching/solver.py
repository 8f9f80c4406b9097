"""The best assignment for a whole county at once, as a min-cost flow over the compatible pairs.

Network (docs/matching.md has the picture)::

    source ──cap 1──▶ need ──cap 1, cost −score──▶ resource ──cap places──▶ sink
       └───────────────────── bypass, cost 0 ──────────────────────────────▶┘

Every need receives one unit from the source and sends it either through one resource or down
the bypass (left unmatched), so "at most one resource per need" and "no more people than a
resource has places" are arc capacities, and the cheapest flow is the assignment with the highest
total score. When one person has several needs a resource could serve, their arcs meet in a small
node with one unit of capacity before the resource: places count people, not needs. The constraint matrix of this network is totally unimodular, so the optimum of the
flow is the optimum over all integer assignments, not an approximation of it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
from ortools.graph.python import min_cost_flow

from matching import scoring
from matching.candidates import Candidates, IntArray, Progress, build_candidates
from matching.problem import MatchingProblem, MatchResult, MatchStats, Proposal


class SolverError(RuntimeError):
    """The flow solver did not reach an optimum (it should always: the bypass makes any flow feasible)."""


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


def min_cost_flow_assignment(candidates: Candidates) -> IntArray:
    """Indices (into the candidate arrays) of the pairs in the optimal assignment."""
    if candidates.size == 0:
        return np.zeros(0, dtype=np.int64)
    need = candidates.pair_need
    res = candidates.pair_resource
    groups, group_count = candidates.person_resource_groups()
    # Nodes: source 0, sink 1, one per need, one per resource (by index), then one per group of a
    # person's needs at the same resource. Needs and resources without a pair stay isolated.
    source, sink = 0, 1
    first_need = 2
    first_resource = first_need + len(candidates.needs)
    first_group = first_resource + len(candidates.resources)
    needs_used = np.flatnonzero(np.bincount(need, minlength=len(candidates.needs)))
    resources_used = np.flatnonzero(np.bincount(res, minlength=len(candidates.resources)))
    count = needs_used.shape[0]

    flow = min_cost_flow.SimpleMinCostFlow()
    _add_arcs(flow, np.full(count, source), first_need + needs_used, np.ones(count), np.zeros(count))
    # A pair's arc leads to its resource, or to its person-and-resource group, which passes one unit on.
    heads = np.where(groups >= 0, first_group + groups, first_resource + res)
    pair_arcs = _add_arcs(flow, first_need + need, heads, np.ones(candidates.size), -candidates.pair_units)
    if group_count:
        grouped = groups >= 0
        group_resource = np.zeros(group_count, dtype=np.int64)
        group_resource[groups[grouped]] = res[grouped]
        group_nodes = first_group + np.arange(group_count)
        _add_arcs(flow, group_nodes, first_resource + group_resource, np.ones(group_count), np.zeros(group_count))
    places = candidates.capacity[resources_used]
    _add_arcs(flow, first_resource + resources_used, np.full(places.shape[0], sink), places, np.zeros(places.shape[0]))
    _add_arcs(flow, np.asarray([source]), np.asarray([sink]), np.asarray([count]), np.zeros(1))
    flow.set_nodes_supplies(np.asarray([source, sink], dtype=np.int32), np.asarray([count, -count], dtype=np.int64))
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise SolverError(f"min-cost flow ended with status {status}")
    return np.flatnonzero(flow.flows(pair_arcs) > 0)


def _add_arcs(
    flow: min_cost_flow.SimpleMinCostFlow, tails: IntArray, heads: IntArray, capacities: Any, costs: Any
) -> IntArray:
    """Add arcs in one call (a Python loop over millions of arcs would dominate the run time)."""
    return flow.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32), np.asarray(capacities, np.int64), np.asarray(costs, np.int64)
    )


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


def solve(problem: MatchingProblem, progress: Progress | None = None) -> MatchResult:
    """Propose the best assignment of the problem's needs to its resources.

    ``progress`` is called with a percentage (0–100, never decreasing) so a Celery task can
    store it for the progress bar.
    """
    report = _monotonic(progress)
    report(0)
    started = time.perf_counter()
    candidates = build_candidates(problem, progress=report)
    built = time.perf_counter()
    report(60)
    chosen = min_cost_flow_assignment(candidates)
    report(90)
    proposals = proposals_for(candidates, chosen)
    solved = time.perf_counter()
    report(100)
    return MatchResult(
        proposals=proposals,
        total_score=total_units(candidates, chosen) / scoring.SCALE,
        stats=MatchStats(
            needs=len(candidates.needs),
            resources=len(candidates.resources),
            candidate_pairs=candidates.size,
            matched=len(proposals),
            candidate_seconds=built - started,
            solve_seconds=solved - built,
        ),
    )
