"""Benchmark of matching on generated counties: the flow, the budget-exact stage, the bound, greedy.

Run: ``.venv/bin/python bench/matching.py`` (all sizes) or ``--sizes 10000x1000``. Each size runs
in its own child process so the peak memory it reports is that size's alone. It prints figures;
it is not a test. Record them in docs/benchmarks.md. With ``DATABASE_URL`` set it also times the
database part of a run at county size (``bench/matching_db.py``).

Every "gap" printed says what it is measured against: ``bound`` is the LP relaxation of the
real model (each budget a row in yuan) over every pair: the stage's own where it solved it (one
HiGHS LP up to about 10,000 needs; above, its joint LP by column generation, which is the LP over
every pair once no left-out pair prices out positive), else the benchmark's own (one LP up to
``--lp-up-to`` needs, else column generation; if that does not converge, the full LP's dual value
at its last duals, and if its first LP does not finish, the Lagrangian dual at the counties' prices:
both never below the LP optimum, so a gap against them overstates the true one). The line says
which. The "flow model" optimum is the old check: the flow's own model, in which a budget is
places at the largest grant, which the flow solves exactly by construction.

The generated data is skewed like the real lists: a few villages hold many of the needs, living
and medical needs dominate, most resources are small (a handful of places in one township or
village) while a few county- or city-wide funds have hundreds, some resources come from another
province for designated counties (以强带弱), and some carry age, status, vulnerability or income
conditions, per-person limits and budgets; one need in ten is a second need of the same person.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from matching.budgets import BudgetOutcome, budget_exact
from matching.candidates import Candidates, IntArray, build_candidates
from matching.exact import (
    NO_BUDGET,
    LPTimeLimit,
    best_per_need,
    lagrangian_bound,
    lp_optimum_units,
    real_budget_lp_bound,
    real_budget_lp_by_columns,
    refined_lagrangian_bound,
)
from matching.flow import min_cost_flow_assignment
from matching.greedy import greedy_assignment
from matching.problem import Eligibility, MatchingProblem, NeedInput, ResourceInput
from matching.scoring import SCALE
from matching.solver import EXACT_SECONDS, proposals_for, total_units

AS_OF = dt.date(2026, 11, 22)
CATEGORIES = {
    "living": 30,
    "medical": 25,
    "education": 12,
    "care": 8,
    "housing": 5,
    "employment": 5,
    "goods": 5,
    "rehabilitation": 4,
    "psychological": 3,
    "legal": 2,
    "other": 1,
}
MONEY_CATEGORIES = {"living", "medical", "education", "housing"}
STATUSES = {
    "dibao": 30,
    "tekun": 8,
    "dibao_edge": 15,
    "expenditure_hardship": 10,
    "relapse_monitoring": 8,
    "temporary_assistance": 5,
    "orphan": 1,
    "de_facto_unsupported_child": 1,
}
VULNERABILITIES = {"elderly_no_self_care": 0.15, "minor": 0.15, "disabled": 0.10, "serious_illness": 0.10}
DEFAULT_SIZES = ((1_000, 100), (10_000, 1_000), (50_000, 5_000), (100_000, 10_000))
EXACT_UP_TO = 10_000  # the flow model's optimum by HiGHS (the old check) up to this many needs
LP_UP_TO = 10_000  # one real-budget LP over the whole problem up to this many needs (else Lagrangian)
# Below 100,000 needs the stage runs to its end (the time it takes is printed; a run's own limit
# is settings.MATCHING_EXACT_SECONDS, 60 s). At 100,000 × 10,000 the whole run must stay under
# 60 s: the stage gets what the candidates and the flow leave of 55 s.
BENCH_EXACT_SECONDS = 900.0
RUN_TARGET_SECONDS = 55.0


def pick(rng: random.Random, weighted: dict[str, int]) -> str:
    return rng.choices(list(weighted), weights=list(weighted.values()))[0]


def region_tree(counties: int) -> tuple[list[str], list[str], list[str]]:
    """County prefixes, township prefixes and village codes of one province (61), five counties a city."""
    county_prefixes = [f"61{1 + c // 5:02d}{21 + c % 5:02d}" for c in range(counties)]
    townships = [f"{county}{100 + t:03d}" for county in county_prefixes for t in range(12)]
    villages = [f"{township}{200 + v:03d}" for township in townships for v in range(15)]
    return county_prefixes, townships, villages


def generate_needs(rng: random.Random, count: int, villages: list[str]) -> list[NeedInput]:
    # Zipf-like village sizes: the first villages of the shuffled list hold many more needs.
    order = villages[:]
    rng.shuffle(order)
    village_weights = [1.0 / (rank + 10) for rank in range(len(order))]
    codes = rng.choices(order, weights=village_weights, k=count)
    needs: list[NeedInput] = []
    for index in range(count):
        category = pick(rng, CATEGORIES)
        vulnerable = frozenset(group for group, share in VULNERABILITIES.items() if rng.random() < share)
        age = rng.randint(0, 17) if "minor" in vulnerable else rng.randint(18, 95)
        statuses = frozenset(pick(rng, STATUSES) for _ in range(rng.choice((0, 1, 1, 2))))
        amount = None
        if needs and rng.random() < 0.1:
            # One need in ten is a second need of the previous person (say medical after living).
            previous = needs[-1]
            needs.append(dataclasses.replace(previous, id=index + 1, category=category, amount_requested=None))
            continue
        if category in MONEY_CATEGORIES:
            amount = Decimal(round(rng.lognormvariate(7.6 if category != "medical" else 8.5, 0.8), -1))
        received = frozenset({category}) if rng.random() < 0.05 else frozenset()
        needs.append(
            NeedInput(
                id=index + 1,
                person_id=index + 1,
                category=category,
                region_code=codes[index],
                urgency=rng.choices(("routine", "urgent", "emergency"), weights=(75, 20, 5))[0],
                waiting_days=min(365, int(rng.expovariate(1 / 30))),
                vulnerabilities=vulnerable,
                assistance_statuses=statuses,
                age=age,
                income_per_person=Decimal(round(rng.lognormvariate(6.4, 0.5))),
                amount_requested=amount,
                helped_this_year=rng.random() < 0.4,
                received_categories=received,
            )
        )
    return needs


def service_area(rng: random.Random, counties: list[str], townships: list[str], villages: list[str]) -> str:
    level = rng.choices(("village", "township", "county", "city", "province"), weights=(20, 40, 30, 7, 3))[0]
    if level == "village":
        return rng.choice(villages)
    if level == "township":
        return rng.choice(townships)
    if level == "county":
        return rng.choice(counties)
    if level == "city":
        return rng.choice(counties)[:4]
    return "61"


def eligibility(rng: random.Random) -> Eligibility:
    min_age = max_age = None
    if rng.random() < 0.2:
        min_age, max_age = rng.choice(((0, 17), (60, None), (18, 59)))
    statuses = frozenset(rng.sample(["dibao", "tekun", "dibao_edge"], k=2)) if rng.random() < 0.3 else frozenset()
    vulnerable = frozenset({rng.choice(list(VULNERABILITIES))}) if rng.random() < 0.15 else frozenset()
    ceiling = Decimal(rng.choice((600, 800, 1000))) if rng.random() < 0.2 else None
    return Eligibility(min_age, max_age, statuses, vulnerable, ceiling)


def generate_resources(
    rng: random.Random, count: int, counties: list[str], townships: list[str], villages: list[str]
) -> list[ResourceInput]:
    resources = []
    for index in range(count):
        categories = frozenset(pick(rng, CATEGORIES) for _ in range(rng.choice((1, 1, 2))))
        designated: frozenset[str] = frozenset()
        if rng.random() < 0.05:
            # A charity of another province helping one or two of our counties point to point.
            areas = frozenset({"330106"})
            designated = frozenset(rng.sample(counties, k=min(len(counties), rng.choice((1, 2)))))
        else:
            areas = frozenset(service_area(rng, counties, townships, villages) for _ in range(rng.choice((1, 1, 1, 2))))
        # Many small resources, a few large ones (Pareto places).
        places = min(2_000, int(rng.paretovariate(1.2) * 3))
        money = bool(categories & MONEY_CATEGORIES)
        limit = Decimal(rng.choice((500, 1000, 2000, 3000, 5000))) if money and rng.random() < 0.8 else None
        budget = None
        if money and rng.random() < 0.6:
            budget = Decimal(places * rng.choice((500, 1000, 2000, 4000)))
        ends_on = AS_OF - dt.timedelta(days=1) if rng.random() < 0.05 else None
        resources.append(
            ResourceInput(
                id=index + 1,
                organization_id=1 + index // 5,
                categories=categories,
                service_prefixes=areas,
                designated_county_prefixes=designated,
                eligibility=eligibility(rng),
                capacity_left=places,
                budget_left=budget,
                per_person_limit=limit,
                ends_on=ends_on,
            )
        )
    return resources


def generate(needs: int, resources: int, seed: int = 6) -> MatchingProblem:
    rng = random.Random(seed)
    counties, townships, villages = region_tree(max(1, round(needs / 5_000)))
    need_list = generate_needs(rng, needs, villages)
    resource_list = generate_resources(rng, resources, counties, townships, villages)
    rejected = frozenset((rng.randint(1, needs), rng.randint(1, resources)) for _ in range(needs // 100))
    return MatchingProblem(tuple(need_list), tuple(resource_list), AS_OF, rejected=rejected)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} {five:.1f} {fifteen:.1f}"


def pct(bound: float, score: float) -> float:
    return round(100 * (bound - score) / bound, 3) if bound else 0.0


def run_one(needs: int, resources: int, exact_seconds: float | None, options: argparse.Namespace) -> dict[str, object]:
    """One size, in this process: generate, flow, budget-exact stage, proposals; then the checks."""
    problem = generate(needs, resources)
    rss_inputs = rss_mb()
    load_before = load()
    cpu_started = cpu_seconds()
    started = time.perf_counter()
    candidates = build_candidates(problem)
    built = time.perf_counter()
    flow = min_cost_flow_assignment(candidates)
    flowed = time.perf_counter()
    if exact_seconds is None:  # the largest size: what is left of the run's 60 s
        exact_seconds = max(1.0, RUN_TARGET_SECONDS - (flowed - started) * 1.3)
    outcome = budget_exact(candidates, flow, time_limit=exact_seconds)
    staged = time.perf_counter()
    proposals = proposals_for(candidates, outcome.chosen)  # with their reasons, as the task stores them
    done = time.perf_counter()
    figures: dict[str, object] = {
        "needs": needs,
        "resources": resources,
        "candidate_pairs": candidates.size,
        "candidates_s": round(built - started, 2),
        "flow_s": round(flowed - built, 2),
        "exact_s": round(staged - flowed, 2),
        "exact_limit_s": round(exact_seconds, 1),
        "proposals_s": round(done - staged, 2),
        "total_s": round(done - started, 2),
        "cpu_s": round(cpu_seconds() - cpu_started, 2),
        "rss_inputs_mb": round(rss_inputs),
        "rss_peak_mb": round(rss_mb()),
        "flow_score": outcome.flow_units / SCALE,
        "flow_matched": int(flow.shape[0]),
        "score": outcome.units / SCALE,
        "matched": len(proposals),
        "stage": outcome.status,
        "lps": f"{outcome.counties_solved}/{outcome.counties}",
        "load_before": load_before,
        "load_after": load(),
    }
    # The checks below are the benchmark's, not the run's: time and memory are counted apart.
    bound_started = time.perf_counter()
    if outcome.bound is not None and not options.columns_bound:
        figures["bound"] = outcome.bound / SCALE
        figures["bound_kind"] = (
            f"LP (column generation, {outcome.joint_rounds} rounds, {outcome.joint_pairs:,} pairs; the stage's own)"
            if outcome.joint_rounds
            else "LP (HiGHS, the stage's own)"
        )
    elif needs <= options.lp_up_to and not options.columns_bound:
        try:
            lp = real_budget_lp_bound(candidates, time_limit=options.bound_seconds)
            figures["bound"], figures["bound_kind"] = lp.value / SCALE, "LP (HiGHS)"
        except LPTimeLimit:
            pass
    if "bound" not in figures:
        figures["bound"], figures["bound_kind"] = column_generation_bound(candidates, flow, outcome, options)
    figures["bound_s"] = round(time.perf_counter() - bound_started, 2)
    figures["flow_gap_pct"] = pct(float(figures["bound"]), outcome.flow_units / SCALE)  # type: ignore[arg-type]
    figures["gap_pct"] = pct(float(figures["bound"]), outcome.units / SCALE)  # type: ignore[arg-type]
    greedy = greedy_assignment(candidates)
    figures["greedy_score"] = total_units(candidates, greedy) / SCALE
    figures["greedy_matched"] = int(greedy.shape[0])
    if needs <= options.exact_up_to:
        figures["flow_model_optimum"] = lp_optimum_units(candidates) / SCALE
    figures["rss_with_checks_mb"] = round(rss_mb())
    return figures


def column_generation_bound(
    candidates: Candidates, flow: IntArray, outcome: BudgetOutcome, options: argparse.Namespace
) -> tuple[float, str]:
    """The real-budget LP over every pair by column generation, from each need's best pairs and the
    pairs either assignment uses; if its first LP does not finish in ``--bound-seconds``, the
    Lagrangian dual at the counties' budget prices (valid, looser)."""
    every = np.arange(candidates.size)
    start = best_per_need(candidates, every, candidates.pair_units.astype(np.float64), options.bound_top_k)
    start = np.union1d(start, np.union1d(flow, outcome.chosen))
    budgets = np.where(candidates.budget_cents >= 0, candidates.budget_cents, NO_BUDGET)
    groups, _count = candidates.person_resource_groups()
    deadline = time.monotonic() + options.bound_seconds
    counties = f"Lagrangian dual at the counties' prices, {options.bound_rounds} rounds, ≥ LP"
    try:
        columns = real_budget_lp_by_columns(
            candidates, every, start, candidates.places, budgets, groups, deadline=deadline
        )
    except LPTimeLimit:
        value = refined_lagrangian_bound(candidates, outcome.prices, outcome.units, rounds=options.bound_rounds)
        return value / SCALE, counties
    rounds = f"{columns.rounds} rounds, {columns.pairs.shape[0]:,} of the pairs, added {list(columns.added)}"
    if columns.converged:
        return columns.bound / SCALE, f"LP (column generation, {rounds})"
    # Not converged in --bound-seconds: the least of three valid bounds, each ≥ the LP optimum.
    bounds = {
        f"dual of the LP at the last round's duals (column generation, {rounds}; not converged)": columns.bound,
        f"Lagrangian dual at the budget prices of column generation's last LP ({rounds}; not converged)": (
            lagrangian_bound(candidates, columns.lp.prices).value
        ),
        counties: refined_lagrangian_bound(candidates, outcome.prices, outcome.units, rounds=options.bound_rounds),
    }
    kind = min(bounds, key=lambda name: bounds[name])
    return bounds[kind] / SCALE, f"{kind}, ≥ LP"


def print_row(figures: dict[str, object]) -> None:
    model = (
        f"\n    flow-model optimum (budget = places at the largest grant, HiGHS) {figures['flow_model_optimum']:,.2f}"
        if "flow_model_optimum" in figures
        else ""
    )
    print(
        f"{figures['needs']:>7,} × {figures['resources']:<6,} pairs {figures['candidate_pairs']:>9,}"
        f"  load {figures['load_before']} → {figures['load_after']}\n"
        f"    time: candidates {figures['candidates_s']} s, flow {figures['flow_s']} s,"
        f" budget-exact {figures['exact_s']} s (limit {figures['exact_limit_s']} s, LPs {figures['lps']},"
        f" {figures['stage']}), proposals {figures['proposals_s']} s = {figures['total_s']} s"
        f" (CPU {figures['cpu_s']} s);"
        f" peak RSS {figures['rss_peak_mb']} MB (inputs {figures['rss_inputs_mb']} MB)\n"
        f"    flow {figures['flow_score']:,.2f} ({figures['flow_matched']:,} matched)"
        f"  budget-exact {figures['score']:,.2f} ({figures['matched']:,} matched)"
        f"  greedy {figures['greedy_score']:,.2f} ({figures['greedy_matched']:,} matched)\n"
        f"    bound {figures['bound']:,.2f} [{figures['bound_kind']}, {figures['bound_s']} s]:"
        f" flow {figures['flow_gap_pct']}% below it, budget-exact {figures['gap_pct']}% below it"
        f"{model}  (peak RSS with these checks {figures['rss_with_checks_mb']} MB)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="*", help="NxM, e.g. 10000x1000", default=None)
    parser.add_argument(
        "--exact-up-to", type=int, default=EXACT_UP_TO, help="the flow model's HiGHS optimum up to this many needs"
    )
    parser.add_argument("--lp-up-to", type=int, default=LP_UP_TO, help="one real-budget LP up to this many needs")
    parser.add_argument("--bound-seconds", type=float, default=1800.0, help="time limit of the bound's LPs")
    parser.add_argument("--bound-rounds", type=int, default=4, help="Lagrangian rounds if no LP finishes")
    parser.add_argument("--bound-top-k", type=int, default=5, help="pairs per need in column generation's first LP")
    parser.add_argument(
        "--exact-seconds",
        type=float,
        default=None,
        help=f"the stage's time limit (default {BENCH_EXACT_SECONDS:.0f} s; at 100,000 needs what the flow leaves of 55 s;"
        f" a run's own default is {EXACT_SECONDS:.0f} s)",
    )
    parser.add_argument(
        "--columns-bound",
        action="store_true",
        help="the benchmark's own bound by column generation, even where the stage or one LP gives it (a check)",
    )
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        needs, resources = (int(part) for part in args.one.split("x"))
        limit = args.exact_seconds
        if limit is None:
            limit = None if needs >= 100_000 else BENCH_EXACT_SECONDS
        print(json.dumps(run_one(needs, resources, limit, args)))
        return
    print(
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, load average {load()} (1, 5, 15 min);"
        " other work on the machine shows in the load before and after each size.",
        flush=True,
    )
    sizes = [tuple(int(p) for p in size.split("x")) for size in args.sizes] if args.sizes else DEFAULT_SIZES
    passed = ["--exact-up-to", str(args.exact_up_to), "--lp-up-to", str(args.lp_up_to)]
    passed += ["--bound-seconds", str(args.bound_seconds), "--bound-rounds", str(args.bound_rounds)]
    passed += ["--bound-top-k", str(args.bound_top_k)]
    if args.columns_bound:
        passed.append("--columns-bound")
    if args.exact_seconds is not None:
        passed += ["--exact-seconds", str(args.exact_seconds)]
    for needs, resources in sizes:
        # Our own interpreter running this very file: no untrusted input reaches the command.
        child = subprocess.run(  # noqa: S603
            [sys.executable, __file__, "--one", f"{needs}x{resources}", *passed],
            capture_output=True,
            text=True,
            check=True,
        )
        print_row(json.loads(child.stdout.strip().splitlines()[-1]))
    if os.environ.get("DATABASE_URL"):
        subprocess.run([sys.executable, str(Path(__file__).with_name("matching_db.py"))], check=True)  # noqa: S603
    else:
        print("DATABASE_URL not set: the database part (bench/matching_db.py) was not run.")


if __name__ == "__main__":
    main()
