"""Benchmark of the matching solver on generated counties: time, memory, score, greedy, exact.

Run: ``.venv/bin/python bench/matching.py`` (all sizes) or ``--sizes 10000x1000``. Each size runs
in its own child process so the peak memory it reports is that size's alone. It prints figures;
it is not a test. Record them in docs/benchmarks.md.

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
import random
import resource
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from matching.candidates import build_candidates
from matching.exact import lp_optimum_units
from matching.greedy import greedy_assignment
from matching.problem import Eligibility, MatchingProblem, NeedInput, ResourceInput
from matching.scoring import SCALE
from matching.solver import min_cost_flow_assignment, proposals_for, total_units

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
DEFAULT_SIZES = ((1_000, 100), (10_000, 1_000), (100_000, 10_000))
EXACT_UP_TO = 10_000


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


def run_one(needs: int, resources: int, exact_up_to: int = EXACT_UP_TO) -> dict[str, object]:
    """One size, in this process: generate, match, compare with greedy (and the exact optimum)."""
    problem = generate(needs, resources)
    rss_inputs = rss_mb()
    started = time.perf_counter()
    candidates = build_candidates(problem)
    built = time.perf_counter()
    chosen = min_cost_flow_assignment(candidates)
    proposals = proposals_for(candidates, chosen)  # with their reasons, as the task will store them
    solved = time.perf_counter()
    peak = rss_mb()
    score = total_units(candidates, chosen) / SCALE
    figures: dict[str, object] = {
        "needs": needs,
        "resources": resources,
        "candidate_pairs": candidates.size,
        "matched": len(proposals),
        "candidates_s": round(built - started, 2),
        "solve_s": round(solved - built, 2),
        "rss_inputs_mb": round(rss_inputs),
        "rss_peak_mb": round(peak),
        "score": score,
    }
    greedy = greedy_assignment(candidates)
    figures["greedy_score"] = total_units(candidates, greedy) / SCALE
    figures["greedy_matched"] = int(greedy.shape[0])
    if needs <= exact_up_to:
        exact_started = time.perf_counter()
        optimum = lp_optimum_units(candidates) / SCALE
        figures["exact_score"] = optimum
        figures["exact_s"] = round(time.perf_counter() - exact_started, 2)
        figures["gap_pct"] = round(100 * (optimum - score) / optimum, 4) if optimum else 0.0
    return figures


def print_row(figures: dict[str, object]) -> None:
    exact = (
        f"  exact {figures['exact_score']:,.2f} ({figures['exact_s']} s), gap {figures['gap_pct']}%"
        if "exact_score" in figures
        else ""
    )
    print(
        f"{figures['needs']:>7,} × {figures['resources']:<6,} pairs {figures['candidate_pairs']:>9,}"
        f"  candidates {figures['candidates_s']} s  solve {figures['solve_s']} s"
        f"  peak RSS {figures['rss_peak_mb']} MB (inputs {figures['rss_inputs_mb']} MB)\n"
        f"    matched {figures['matched']:,}  score {figures['score']:,.2f}"
        f"  greedy {figures['greedy_score']:,.2f} ({figures['greedy_matched']:,} matched){exact}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="*", help="NxM, e.g. 10000x1000", default=None)
    parser.add_argument(
        "--exact-up-to", type=int, default=EXACT_UP_TO, help="compute the HiGHS optimum up to this many needs"
    )
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        needs, resources = (int(part) for part in args.one.split("x"))
        print(json.dumps(run_one(needs, resources, args.exact_up_to)))
        return
    sizes = [tuple(int(p) for p in size.split("x")) for size in args.sizes] if args.sizes else DEFAULT_SIZES
    for needs, resources in sizes:
        # Our own interpreter running this very file: no untrusted input reaches the command.
        child = subprocess.run(  # noqa: S603
            [sys.executable, __file__, "--one", f"{needs}x{resources}", "--exact-up-to", str(args.exact_up_to)],
            capture_output=True,
            text=True,
            check=True,
        )
        print_row(json.loads(child.stdout.strip().splitlines()[-1]))


if __name__ == "__main__":
    main()
