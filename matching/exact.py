"""An independent exact optimum, to check the min-cost flow against (tests and benchmark).

The assignment problem written as a linear programme: one variable per compatible pair in
[0, 1], at most one pair per need, at most ``capacity`` pairs per resource, at most one pair per
person at the same resource, maximise the total score. The rows form two laminar families (the
needs; the resources with their person groups inside them), so the matrix is totally unimodular,
the LP optimum is attained at an integer point and equals the best integer assignment. SciPy's
HiGHS solves it by a method unrelated to OR-Tools' flow algorithm.
"""

from __future__ import annotations

import numpy as np

# SciPy ships no type information; mypy knows of a stub package (scipy-stubs) we do not install.
from scipy.optimize import linprog  # type: ignore[import-untyped]
from scipy.sparse import csr_array, vstack  # type: ignore[import-untyped]

from matching.candidates import Candidates


class ExactSolverError(RuntimeError):
    pass


def lp_optimum_units(candidates: Candidates) -> int:
    """The best total score (in units) over all compatible pairs."""
    pairs = candidates.size
    if pairs == 0:
        return 0
    columns = np.arange(pairs)
    ones = np.ones(pairs)
    per_need = csr_array((ones, (candidates.pair_need, columns)), shape=(len(candidates.needs), pairs))
    per_resource = csr_array((ones, (candidates.pair_resource, columns)), shape=(len(candidates.resources), pairs))
    groups, group_count = candidates.person_resource_groups()
    grouped = groups >= 0
    per_person_and_resource = csr_array(
        (np.ones(int(grouped.sum())), (groups[grouped], columns[grouped])), shape=(group_count, pairs)
    )
    bounds = np.concatenate(
        [np.ones(len(candidates.needs)), candidates.capacity.astype(np.float64), np.ones(group_count)]
    )
    result = linprog(
        c=-candidates.pair_units.astype(np.float64),
        A_ub=vstack([per_need, per_resource, per_person_and_resource]).tocsr(),
        b_ub=bounds,
        bounds=(0, 1),
        method="highs",
    )
    if result.status != 0:
        raise ExactSolverError(result.message)
    return round(-result.fun)
