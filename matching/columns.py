"""The real-budget LP kept in one HiGHS instance while column generation adds pairs to it.

``exact.real_budget_lp`` builds a fresh LP and calls SciPy's ``linprog`` each time. Column
generation (``exact.real_budget_lp_by_columns``) solves the same LP again after every round's new
pairs: with every row in place from the start and the new pairs added as columns, HiGHS goes on
from the last optimal basis (the new columns at 0 keep it primal feasible, so a few primal simplex
iterations finish it) instead of starting over, which at 50,000 needs is minutes a round.

The bindings are HiGHS's own (``highspy``): the PyPI package when it is installed, else the same
module SciPy ships inside ``scipy.optimize`` (private, so pinned with SciPy in requirements.txt;
``warm_available()`` is false and column generation restarts each round with ``linprog`` when
neither imports).
"""

from __future__ import annotations

import functools
import time
from typing import Any

import numpy as np

from matching.candidates import Candidates, FloatArray, IntArray


@functools.cache
def highs_core() -> Any:
    """HiGHS's bindings, or None. Imported on first use, not with the app: SciPy's optimizer costs
    about half a second of CPU in every process that starts Django (web, workers, tests)."""
    try:
        from highspy import _core  # type: ignore[import-not-found]
    except ImportError:  # pragma: no cover - depends on what is installed
        try:
            from scipy.optimize._highspy import _core  # type: ignore[import-untyped]
        except ImportError:
            return None
    return _core


def warm_available() -> bool:
    return highs_core() is not None


NO_BUDGET = np.iinfo(np.int64).max // 4  # as exact.NO_BUDGET (exact imports this module)


class WarmLP:
    """Maximise the score over the pairs added so far (x in [0, 1]) under every row of the model:
    one pair per need, places and budget (fen) per resource, one place per person at a resource."""

    def __init__(self, candidates: Candidates, places: IntArray, budget_cents: IntArray, groups: IntArray) -> None:
        self.candidates = candidates
        self.groups = groups
        needs, resources = len(candidates.needs), len(candidates.resources)
        group_count = int(groups.max()) + 1 if groups.shape[0] else 0
        budgeted = np.flatnonzero(budget_cents < NO_BUDGET)
        self.budget_row = np.full(resources, -1, dtype=np.int64)
        self.place_start, self.group_start = needs, needs + resources
        self.budget_start = self.group_start + group_count
        self.budget_row[budgeted] = self.budget_start + np.arange(budgeted.shape[0])
        self.budgeted = budgeted
        self.sizes = (needs, resources, group_count)
        upper = np.concatenate(
            [np.ones(needs), places.astype(np.float64), np.ones(group_count), budget_cents[budgeted].astype(np.float64)]
        )
        self.highs = highs_core()._Highs()
        self.highs.setOptionValue("output_flag", False)
        rows = int(upper.shape[0])
        empty = np.zeros(0, dtype=np.int32)
        self.highs.addRows(rows, np.full(rows, -np.inf), upper, 0, np.zeros(rows, dtype=np.int32), empty, np.zeros(0))
        self.pairs = np.zeros(0, dtype=np.int64)

    def add(self, pairs: IntArray) -> None:
        """Add the pairs as columns (each in its need's, resource's, group's and budget's rows)."""
        cand = self.candidates
        count = int(pairs.shape[0])
        if count == 0:
            return
        columns = np.arange(count)
        res = cand.pair_resource[pairs]
        groups = self.groups[pairs]
        grouped, budgeted = groups >= 0, self.budget_row[res] >= 0
        rows = [
            cand.pair_need[pairs],
            self.place_start + res,
            self.group_start + groups[grouped],
            self.budget_row[res][budgeted],
        ]
        cols = [columns, columns, columns[grouped], columns[budgeted]]
        values = [np.ones(count), np.ones(count), np.ones(int(grouped.sum())), cand.grant_cents(pairs)[budgeted]]
        col = np.concatenate(cols)
        order = np.argsort(col, kind="stable")
        starts = np.searchsorted(col[order], columns, side="left").astype(np.int32)
        self.highs.addCols(
            count,
            -cand.pair_units[pairs].astype(np.float64),  # HiGHS minimises: the score negated
            np.zeros(count),
            np.ones(count),
            int(col.shape[0]),
            starts,
            np.concatenate(rows)[order].astype(np.int32),
            np.concatenate(values).astype(np.float64)[order],
        )
        self.pairs = np.concatenate([self.pairs, pairs.astype(np.int64)])

    def solve(self, time_limit: float | None) -> tuple[str, FloatArray, float, tuple[FloatArray, ...]]:
        """Status ("optimal", "time_limit" or HiGHS's words), x per pair added, the optimum, and the
        duals (≥ 0) of the need, place, group and budget rows (budget: per resource)."""
        needs, resources, groups = self.sizes
        if self.pairs.shape[0] == 0:  # no columns yet: HiGHS calls that model empty; its optimum is 0
            self.seconds, self.iterations = 0.0, 0
            return (
                "optimal",
                np.zeros(0),
                0.0,
                (np.zeros(needs), np.zeros(resources), np.zeros(groups), np.zeros(resources)),
            )
        limit = np.inf if time_limit is None else self.highs.getRunTime() + max(time_limit, 0.001)
        self.highs.setOptionValue("time_limit", float(limit))
        started = time.monotonic()
        self.highs.run()
        self.seconds = time.monotonic() - started
        self.iterations = int(self.highs.getInfo().simplex_iteration_count)
        status = self.highs.getModelStatus()
        statuses = highs_core().HighsModelStatus
        if status == statuses.kTimeLimit:
            return "time_limit", np.zeros(0), 0.0, ()
        if status != statuses.kOptimal:
            return self.highs.modelStatusToString(status), np.zeros(0), 0.0, ()
        solution = self.highs.getSolution()
        x = np.clip(np.asarray(solution.col_value, dtype=np.float64), 0.0, 1.0)
        duals = np.maximum(0.0, -np.asarray(solution.row_dual, dtype=np.float64))
        prices = np.zeros(resources)
        prices[self.budgeted] = duals[self.budget_start :]
        blocks = (duals[:needs], duals[needs : needs + resources], duals[self.group_start : self.budget_start], prices)
        return "optimal", x, -float(self.highs.getInfo().objective_function_value), blocks
