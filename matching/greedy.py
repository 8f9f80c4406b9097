"""The greedy baseline: take the best-scoring pair that still fits, repeat.

This is what a person reading two spreadsheets does, and it is kept only so the benchmark and
a test can show what the min-cost flow gains over it. It is not used to propose anything: a
greedy choice of one high-scoring pair can block two pairs that together are worth more.
"""

from __future__ import annotations

import numpy as np

from matching.candidates import Candidates, IntArray


def greedy_assignment(candidates: Candidates) -> IntArray:
    """Indices of the pairs greedy picks, visiting pairs by score (ties: lower need id, then resource id)."""
    need_ids = np.asarray([need.id for need in candidates.needs], dtype=np.int64)
    resource_ids = np.asarray([resource.id for resource in candidates.resources], dtype=np.int64)
    order = np.lexsort(
        (
            resource_ids[candidates.pair_resource],
            need_ids[candidates.pair_need],
            -candidates.pair_units,
        )
    )
    matched = np.zeros(len(candidates.needs), dtype=np.bool_)
    places = candidates.capacity.copy()
    groups, group_count = candidates.person_resource_groups()
    group_taken = np.zeros(group_count, dtype=np.bool_)
    chosen: list[int] = []
    needs = candidates.pair_need.tolist()
    resources = candidates.pair_resource.tolist()
    pair_groups = groups.tolist()
    for pair in order.tolist():
        need, resource, group = needs[pair], resources[pair], pair_groups[pair]
        if not matched[need] and places[resource] > 0 and (group < 0 or not group_taken[group]):
            matched[need] = True
            places[resource] -= 1
            if group >= 0:
                group_taken[group] = True
            chosen.append(pair)
    return np.asarray(sorted(chosen), dtype=np.int64)
