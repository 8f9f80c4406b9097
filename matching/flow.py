"""The min-cost flow over the compatible pairs: the fast core of every run (docs/matching.md).

Network::

    source ──cap 1──▶ need ──cap 1, cost −score──▶ resource ──cap places──▶ sink
       └───────────────────── bypass, cost 0 ──────────────────────────────▶┘

Every need receives one unit from the source and sends it either through one resource or down
the bypass (left unmatched), so "at most one resource per need" and "no more people than a
resource has places" are arc capacities, and the cheapest flow is the assignment with the highest
total score. When one person has several needs a resource could serve, their arcs meet in a small
node with one unit of capacity before the resource: places count people, not needs. The
constraint matrix of this network is totally unimodular, so the optimum of the flow is the
optimum over all integer assignments of this model, in which a budget has become places
(``Candidates.capacity``); ``matching.budgets`` then keeps budgets as money.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from ortools.graph.python import min_cost_flow

from matching.candidates import Candidates, IntArray


class SolverError(RuntimeError):
    """The flow solver did not reach an optimum (it should always: the bypass makes any flow feasible)."""


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
