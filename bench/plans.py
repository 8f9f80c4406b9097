"""Worst plan of N statistics samples: list pages at the 1M size, timed after each fresh ANALYZE.

PostgreSQL plans from a random sample of each table (``ANALYZE``). One sample can say a county holds
800 referrals when it holds 10,000, and a page planned on it is slower until the next ANALYZE. A
benchmark that runs once, on whichever sample it got, reports the lucky case; this one re-samples
``--samples`` times (default 10) and reports, per page, the median and the WORST sample.

Run on the database ``bench/load.py --seed-only`` seeds (1,000,000 referrals in 100 counties, the
register's 1,000,000 people and 300,000 needs in the first ten of them, the supply list)::

    .venv/bin/python bench/plans.py --database rh_load                       # 10 samples, target 100
    .venv/bin/python bench/plans.py --database rh_load --statistics-target 10 # provoke bad samples

``--statistics-target`` sets ``default_statistics_target`` for this session's ANALYZE only (the
server's setting is untouched); columns with a target of their own keep it. The script ends with a
plain ANALYZE at the server's default, so the database is left as it found it. Each page is
requested ``--runs`` times per sample (after one warm-up request) through Django's test client,
signed in as the persona named, DEBUG off. Besides the wall time it reports each request's CPU time:
this process's and its PostgreSQL backend's (``/proc/<pid>/schedstat``: the server must run on this
machine), which the other work on a shared machine does not inflate; for that the session plans without parallel
workers (``--parallel`` allows them, whose CPU is then not counted). It is not a test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.pop("REDIS_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "referral_hub.settings")

ANALYZED = (
    "cases_referral",
    "cases_referralevent",
    "cases_referralgroupobjectpermission",
    "beneficiaries_person",
    "beneficiaries_household",
    "beneficiaries_need",
)
TARGET_MS = 150.0


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True, help="the database bench/load.py --seed-only seeded")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--samples", type=int, default=10, help="ANALYZE this many times (default 10)")
    parser.add_argument("--runs", type=int, default=3, help="requests per page and sample (default 3)")
    parser.add_argument("--statistics-target", type=int, default=0, help="default_statistics_target for ANALYZE")
    parser.add_argument("--only", default="", help="time only pages whose label contains this text")
    parser.add_argument(
        "--parallel",
        action="store_true",
        help="let PostgreSQL use parallel workers (their CPU is then missing from the cpu column)",
    )
    return parser.parse_args()


def main() -> None:
    args = arguments()
    from bench.load import BENCH_ENV  # the keys the seeding encrypted with (ID number search)

    for name in ("DJANGO_SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY"):
        os.environ[name] = BENCH_ENV[name]
    os.environ["DATABASE_URL"] = f"{args.pg.rstrip('/')}/{args.database}"
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["testserver"]
    if not args.parallel:
        # A parallel worker's CPU is not its leader's: without workers the cpu column is the whole cost.
        with connection.cursor() as cursor:
            cursor.execute("SET max_parallel_workers_per_gather = 0")
    pages = personas_and_pages()
    if args.only:
        pages = [p for p in pages if args.only in p[0]]
    clients: dict[str, Client] = {}
    for _label, user, _urls in pages:
        if user.username not in clients:
            clients[user.username] = Client()
            clients[user.username].force_login(user)
    print(f"database {args.database}; {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at start")
    print(
        f"{args.samples} samples, statistics target "
        f"{args.statistics_target or 'server default'}; {args.runs} requests per page and sample; "
        f"parallel workers {'allowed' if args.parallel else 'off'}\n"
    )
    times: dict[str, list[float]] = {label: [] for label, _u, _x in pages}
    cpus: dict[str, list[float]] = {label: [] for label, _u, _x in pages}
    queries: dict[str, int] = {}
    loads: list[float] = []
    for sample in range(args.samples):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            if args.statistics_target:
                cursor.execute(f"SET default_statistics_target = {int(args.statistics_target)}")
            for table in ANALYZED:
                cursor.execute(f"ANALYZE {table}")
            cursor.execute("RESET default_statistics_target")
        analyzed = time.perf_counter() - started
        estimates = planner_estimates()
        for label, user, urls in pages:
            client = clients[user.username]
            client.get(urls[0], follow=True)  # warm-up: caches and the connection
            runs, cpu = [], []
            for run in range(args.runs):
                with CaptureQueriesContext(connection) as captured:
                    backend = server_cpu_ns()
                    mine = time.process_time()
                    begun = time.perf_counter()
                    response = client.get(urls[run % len(urls)], follow=True)
                    runs.append((time.perf_counter() - begun) * 1000)
                    cpu.append((time.process_time() - mine) * 1000 + (server_cpu_ns() - backend) / 1e6)
                if response.status_code != 200:
                    sys.exit(f"{label}: HTTP {response.status_code} for {urls[run % len(urls)]}")
                queries[label] = len(captured.captured_queries)
            times[label].append(statistics.median(runs))
            cpus[label].append(statistics.median(cpu))
        loads.append(os.getloadavg()[0])
        print(
            f"sample {sample + 1:2d}: ANALYZE {analyzed:4.1f} s; estimated rows for the county / township: "
            + ", ".join(f"{k} {v:,}" for k, v in estimates.items())
            + f"; load {loads[-1]:.1f}",
            flush=True,
        )
    with connection.cursor() as cursor:
        for table in ANALYZED:
            cursor.execute(f"ANALYZE {table}")
    print(
        "\nms per request, each figure the median of a sample's requests; best / median / WORST of the samples."
        "\ncpu = this process (Django) + its PostgreSQL backend, on CPU: what the request costs whatever the load;"
        "\nwall = as timed, waits for the other processes on the machine included."
    )
    print(f"{'page':52} {'queries':>7} {'cpu best':>8} {'median':>7} {'WORST':>7} {'wall med':>8} {'WORST':>7}")
    over = over_wall = 0
    for label, _user, _urls in pages:
        values, wall = cpus[label], times[label]
        over += max(values) >= TARGET_MS
        over_wall += max(wall) >= TARGET_MS
        flag = "" if max(values) < TARGET_MS else f"  cpu over {TARGET_MS:.0f} ms"
        print(
            f"{label:52} {queries[label]:7d} {min(values):8.1f} {statistics.median(values):7.1f} {max(values):7.1f}"
            f" {statistics.median(wall):8.1f} {max(wall):7.1f}{flag}"
        )
    print(f"\nload average during the run: {min(loads):.1f}-{max(loads):.1f} ({os.cpu_count()} cores)")
    print(f"pages whose worst sample is over {TARGET_MS:.0f} ms: {over} on CPU, {over_wall} on the wall clock")


def server_cpu_ns() -> int:
    """CPU time of this connection's PostgreSQL backend so far (same machine: /proc/<pid>/schedstat)."""
    from django.db import connection

    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])


def planner_estimates() -> dict[str, int]:
    """What this sample makes the planner believe about a county's and a township's share."""
    from django.db import connection

    county, township = COUNTY[:6] + "%", COUNTY[:6] + "100%"
    checks = {
        "referrals/county": ("cases_referral", county),
        "needs/county": ("beneficiaries_need", county),
        "needs/township": ("beneficiaries_need", township),
        "persons/county": ("beneficiaries_person", county),
    }
    estimates = {}
    with connection.cursor() as cursor:
        for name, (table, prefix) in checks.items():
            cursor.execute(f"EXPLAIN (FORMAT JSON) SELECT id FROM {table} WHERE region_id LIKE %s", [prefix])  # noqa: S608 - fixed names
            estimates[name] = int(cursor.fetchone()[0][0]["Plan"]["Plan Rows"])
    return estimates


COUNTY = "611021000000"  # bench/referrals.py's county 0, where bench/load.py puts the register's first county


def personas_and_pages() -> list[tuple[str, Any, list[str]]]:
    from django.db import connection
    from django.db.models import Count

    from accounts.models import Role, User
    from cases.models import Direction, Referral, ReferralStatus
    from core.models import Organization, OrganizationKind

    township = COUNTY[:6] + "100000"
    bureau = Organization.objects.filter(kind=OrganizationKind.CIVIL_AFFAIRS_BUREAU, region_id=COUNTY).first()
    if bureau is None:
        sys.exit("No bench data: seed the database with bench/load.py --seed-only --database … first.")
    station, _ = Organization.objects.get_or_create(
        name="计划测试镇民政服务站", defaults={"kind": OrganizationKind.SERVICE_STATION, "region_id": township}
    )
    # A charity of median size among those with referrals waiting: a typical inbox.
    counts = list(
        Referral.objects.filter(direction=Direction.TO_CHARITY, status=ReferralStatus.SENT)
        .values("to_organization_id")
        .order_by()
        .annotate(n=Count("id"))
        .order_by("n")
    )
    charity_id = counts[len(counts) // 2]["to_organization_id"]

    def user(username: str, **fields: object) -> User:
        account, _created = User.objects.update_or_create(username=username, defaults=fields)
        return account

    caseworker = user("plans_caseworker", role=Role.CASEWORKER, organization=bureau, jurisdiction_id=COUNTY)
    station_worker = user("plans_station", role=Role.STATION_WORKER, organization=station, jurisdiction_id=township)
    charity = user("plans_charity", role=Role.CHARITY_STAFF, organization_id=charity_id, jurisdiction=None)
    with connection.cursor() as cursor:
        # Register people (with an ID number) of the county, spread over the table: common and rare names.
        cursor.execute(
            "SELECT name, id FROM beneficiaries_person WHERE region_id LIKE %s AND id_number <> '' "
            "ORDER BY id LIMIT 1 OFFSET 7",
            [COUNTY[:6] + "%"],
        )
        first = cursor.fetchone()
        cursor.execute(
            "SELECT name, id FROM beneficiaries_person WHERE region_id LIKE %s AND id_number <> '' "
            "AND id %% 9973 = 1 ORDER BY id LIMIT 5",
            [COUNTY[:6] + "%"],
        )
        people = [first, *cursor.fetchall()]
    from beneficiaries.models import Person

    names = [name for name, _id in people]
    numbers = [Person.objects.get(pk=pk).id_number for _name, pk in people[:3]]
    return [
        ("charity inbox, in progress /cases/?tab=in_progress", charity, ["/cases/?tab=in_progress"]),
        ("charity inbox, new /cases/?tab=incoming", charity, ["/cases/?tab=incoming"]),
        ("caseworker inbox, outgoing /cases/", caseworker, ["/cases/"]),
        ("caseworker inbox, expiring /cases/?tab=expiring", caseworker, ["/cases/?tab=expiring"]),
        ("station inbox /cases/", station_worker, ["/cases/"]),
        ("API referrals, 25 (caseworker)", caseworker, ["/api/v1/referrals/?page_size=25"]),
        ("API referrals, 200 (caseworker)", caseworker, ["/api/v1/referrals/?page_size=200"]),
        ("API referrals, sent, 25 (caseworker)", caseworker, ["/api/v1/referrals/?status=sent&page_size=25"]),
        ("API referrals, 25 (charity)", charity, ["/api/v1/referrals/?page_size=25"]),
        ("API referrals, 200 (charity)", charity, ["/api/v1/referrals/?page_size=200"]),
        ("API needs, 25 (caseworker)", caseworker, ["/api/v1/needs/?page_size=25"]),
        ("API needs, 200 (caseworker)", caseworker, ["/api/v1/needs/?page_size=200"]),
        ("API needs, open, 25 (station)", station_worker, ["/api/v1/needs/?status=open&page_size=25"]),
        ("need list /register/needs/ (station)", station_worker, ["/register/needs/"]),
        ("need list, open + urgent (station)", station_worker, ["/register/needs/?status=open&urgency=urgent"]),
        ("need list /register/needs/ (caseworker)", caseworker, ["/register/needs/"]),
        ("need list, medical (caseworker)", caseworker, ["/register/needs/?category=medical"]),
        ("person search by name (caseworker)", caseworker, [f"/register/?q={n}" for n in names]),
        ("person search by name (station)", station_worker, [f"/register/?q={n}" for n in names[:1]]),
        ("person search by ID number (caseworker)", caseworker, [f"/register/?q={n}" for n in numbers]),
        ("API persons ?q=name (caseworker)", caseworker, [f"/api/v1/persons/?q={n}" for n in names]),
        ("household list /register/households/ (caseworker)", caseworker, ["/register/households/"]),
    ]


if __name__ == "__main__":
    main()
