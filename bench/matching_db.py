"""Benchmark of the database part of a matching run at county size: ``build_problem`` and writing the proposals.

Run: ``DATABASE_URL=postgres://…/rh_bench .venv/bin/python bench/matching_db.py`` (``bench/matching.py``
runs it when ``DATABASE_URL`` is set). It loads, once, the ten generated counties of
``bench/register.py`` at 60,000 people and 100,000 needs (about 6,000 matchable needs in the first
county), gives the money needs of that county a request and the county 500 resources (villages,
townships, the county; budgets, per-person limits and places), then times, three times each:
``matching.selectors.build_problem`` for the county, ``matching.solver.solve`` (flow and budget-exact
stage) and ``matching.services.run_save_result`` (delete + bulk insert of the proposals and the run
row in one transaction). ``--skip-load`` reuses the data. Prints figures; it is not a test.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from bench.register import COUNTIES, load_people, load_regions  # sets Django up
from charities.models import Resource, ResourceStatus
from core.models import Organization, OrganizationKind, Region, RegionLevel
from matching.models import MatchingRun, RunStatus
from matching.selectors import build_problem
from matching.services import run_save_result
from matching.solver import solve

COUNTY = COUNTIES[0]
MONEY = ("living", "medical", "education", "housing")


def load_county(resources: int, seed: int = 17) -> None:
    rng = random.Random(seed)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE beneficiaries_need SET amount_requested = (200 + floor(random() * 3800))::numeric "
            "WHERE region_id LIKE %s AND category = ANY(%s)",
            [COUNTY + "%", list(MONEY)],
        )
    county = Region.objects.get(code=COUNTY + "000000")
    townships = list(
        Region.objects.filter(code__startswith=COUNTY, level=RegionLevel.TOWNSHIP).values_list("code", flat=True)
    )
    villages = list(
        Region.objects.filter(code__startswith=COUNTY, level=RegionLevel.VILLAGE).values_list("code", flat=True)
    )
    organizations = Organization.objects.bulk_create(
        Organization(kind=OrganizationKind.CHARITY, name=f"测试慈善会{n}", region=county) for n in range(resources // 5)
    )
    rows = []
    areas = []
    for index in range(resources):
        category = rng.choice(["living", "medical", "education", "care", "goods", "rehabilitation"])
        places = min(500, int(rng.paretovariate(1.2) * 3))
        money = category in MONEY
        budget = Decimal(places * rng.choice((500, 1000, 2000))) if money and rng.random() < 0.6 else None
        rows.append(
            Resource(
                organization=organizations[index // 5],
                name=f"测试帮扶项目{index}",
                purpose="为困难群众提供帮扶。",
                kind="project",
                form="money" if money else "service",
                categories=[category],
                capacity_people=places,
                people_left=places,
                capacity_amount=budget,
                amount_left=budget,
                per_person_limit=Decimal(rng.choice((500, 1000, 2000))) if money and rng.random() < 0.5 else None,
                status=ResourceStatus.OPEN,
            )
        )
        level = rng.choices(("village", "township", "county"), weights=(30, 45, 25))[0]
        areas.append({"village": rng.choice(villages), "township": rng.choice(townships), "county": county.code}[level])
    created = Resource.objects.bulk_create(rows)
    through = Resource.service_regions.through
    through.objects.bulk_create(
        through(resource_id=resource.pk, region_id=code) for resource, code in zip(created, areas, strict=True)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE beneficiaries_need, charities_resource")


def median_time(action: Callable[[], object], runs: int) -> tuple[float, object]:
    times = []
    result = None
    for _ in range(runs):
        started = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--resources", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database.")
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    if not args.skip_load and not Region.objects.filter(code=COUNTY + "000000").exists():
        load_regions()
        load_people(60_000, 100_000)
    if not args.skip_load and not Resource.objects.filter(name__startswith="测试帮扶项目").exists():
        load_county(args.resources)
        print(f"  loaded in {time.perf_counter() - started:.1f} s")
    county = Region.objects.get(code=COUNTY + "000000")
    one, five, _fifteen = os.getloadavg()
    print(f"database part at county size ({county.name}), load average {one:.1f} / {five:.1f}:")
    today = timezone.localdate()
    build_s, problem = median_time(lambda: build_problem(region=county, as_of=today), args.runs)
    solve_s, result = median_time(lambda: solve(problem), 1)  # type: ignore[arg-type]

    def write() -> None:
        run = MatchingRun.objects.create(region=county, as_of=today, status=RunStatus.RUNNING)
        run_save_result(run_id=run.pk, result=result)  # type: ignore[arg-type]

    write_s, _nothing = median_time(write, args.runs)
    bound = result.bound  # type: ignore[attr-defined]
    gap = "no bound" if bound is None else f"gap {100 * (bound - result.total_score) / bound:.3f}% vs the LP bound"  # type: ignore[attr-defined]
    print(
        f"  build_problem {build_s:.2f} s ({len(problem.needs):,} needs, {len(problem.resources):,} resources)"  # type: ignore[attr-defined]
        f"  solve {solve_s:.2f} s ({result.budget_stage}, {len(result.proposals):,} proposals,"  # type: ignore[attr-defined]
        f" {gap})"
        f"  write proposals {write_s:.2f} s (median of {args.runs})",
        flush=True,
    )


if __name__ == "__main__":
    main()
