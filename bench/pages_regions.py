"""Page times for every role with the national region table loaded (issue #12, target < 300 ms).

Run (after ``bench/regions.py`` loaded the table into the same database; it loads it itself
when fewer than 600,000 regions are there)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rh_regions .venv/bin/python bench/pages_regions.py
    # --runs 5 (default), --only register (a substring of the URL), --slow 300

What it measures: every page of the URL conf that takes no argument (the Django admin's lists
and add forms included), requested by each persona through Django's test client (in process,
no network, DEBUG off), plus the pages where a region is chosen by name (the register, the
dashboards, the supply list, the region search with a common word). Personas work in one
generated county of the national table (a county of 13 townships and about 200 villages, with
a small register of 200 people): caseworker, station worker, supervisor, charity staff, the
administrator (every region in scope) and the public. It prints, per persona, the median of
``--runs`` runs after one warm-up, the queries and the size of each page, and every page over
``--slow`` ms. Statistics are refreshed (ANALYZE) before timing. It is not a test.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "referral_hub.settings")
os.environ.pop("REDIS_URL", None)

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import URLPattern, URLResolver, get_resolver  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from beneficiaries.crypto import blind_index, mask_id_number, mask_phone  # noqa: E402
from beneficiaries.models import Household, Need, Person  # noqa: E402
from beneficiaries.validators import make_id_number  # noqa: E402
from core.models import Organization, OrganizationKind, Region  # noqa: E402

COUNTY, TOWNSHIP = "610601000000", "610601001000"
SKIP = ("healthz", "accounts/logout", "i18n/", "api/", "admin/logout", "admin/autocomplete", "export.xlsx")
PERSONAS = ("caseworker", "station_worker", "supervisor", "charity_staff", "admin", "public")


def ensure_regions() -> None:
    if Region.objects.count() >= 600_000:
        return
    from bench.regions import national_table

    text, _counts = national_table(15.55)
    path = Path("/tmp/regions-national-bench.csv")  # noqa: S108 - bench only
    path.write_text(text, encoding="utf-8")
    started = time.perf_counter()
    call_command("import_regions", str(path))
    print(f"loaded the national table in {time.perf_counter() - started:.0f} s")


def ensure_world() -> dict[str, User]:
    county = Region.objects.get(code=COUNTY)
    township = Region.objects.get(code=TOWNSHIP)
    orgs = {}
    for key, kind, region in (
        ("bureau", OrganizationKind.CIVIL_AFFAIRS_BUREAU, county),
        ("station", OrganizationKind.SERVICE_STATION, township),
        ("charity", OrganizationKind.CHARITY, county),
    ):
        orgs[key], _ = Organization.objects.get_or_create(
            name=f"bench-{key}", defaults={"kind": kind, "region": region}
        )
    users = {}
    for key, role, org, jurisdiction in (
        ("caseworker", Role.CASEWORKER, "bureau", county),
        ("station_worker", Role.STATION_WORKER, "station", township),
        ("supervisor", Role.SUPERVISOR, "bureau", county),
        ("charity_staff", Role.CHARITY_STAFF, "charity", None),
    ):
        users[key], _ = User.objects.get_or_create(
            username=f"bench_regions_{key}",
            defaults={"role": role, "organization": orgs[org], "jurisdiction": jurisdiction},
        )
    users["admin"], _ = User.objects.get_or_create(
        username="bench_regions_admin", defaults={"role": Role.ADMIN, "is_staff": True, "is_superuser": True}
    )
    if not Person.objects.filter(region__code__startswith=COUNTY[:6]).exists():
        villages = list(Region.objects.filter(code__startswith=COUNTY[:6], level=5).order_by("code")[:200])
        for n, village in enumerate(villages):
            household = Household.objects.create(register_number=f"BR{n:06d}", region=village, address="测试地址")
            number = make_id_number(COUNTY[:6], date(1960 + n % 40, 1 + n % 12, 1 + n % 28), n % 999, male=n % 2 == 0)
            phone = f"138{n:08d}"
            person = Person.objects.create(
                household=household,
                relation="head",
                name=f"测试{n}",
                id_number=number,
                id_number_index=blind_index(number),
                id_number_masked=mask_id_number(number),
                gender="male" if n % 2 == 0 else "female",
                birth_date=date(1960 + n % 40, 1 + n % 12, 1 + n % 28),
                phone=phone,
                phone_masked=mask_phone(phone),
                region=village,
                address="测试地址",
            )
            Need.objects.create(
                person=person,
                region=village,
                category="medical",
                urgency="routine",
                description="住院自付费用高",
                source="visit",
                status="open",
            )
    return users


def plain_urls() -> list[str]:
    """Every URL of the conf without an argument (a converter or a regex group)."""
    found: list[str] = []

    def walk(patterns: list[URLPattern | URLResolver], prefix: str) -> None:
        for pattern in patterns:
            route = str(pattern.pattern)
            if "<" in route or "(" in route or "\\" in route.replace("^", "").replace("$", ""):
                continue
            route = route.lstrip("^").rstrip("$")
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + route)
            else:
                found.append("/" + prefix + route)

    walk(get_resolver().url_patterns, "")
    return sorted({url for url in found if not any(skip in url for skip in SKIP)})


def region_urls() -> list[str]:
    township = Region.objects.get(code=TOWNSHIP).name
    return [
        f"/register/?region={township}",
        f"/register/households/?region={township}",
        f"/register/needs/?region={township}",
        f"/dashboards/?township={township}",
        f"/cases/happiness/?region={township}",
        f"/supply/?region={township}",
        "/supply/public/?region=" + Region.objects.get(code=COUNTY).name,
        "/regions/search/?q=村",
        "/regions/search/?q=第1镇&level=4",
        "/regions/search/?q=第1县&public=1&level=3",
        f"/cases/ledger/export.xlsx?region={township}",
        "/admin/core/region/?q=第1镇1村",
        "/admin/autocomplete/?app_label=core&model_name=organization&field_name=region&term=第1县",
    ]


def timed(client: Client, url: str, runs: int) -> tuple[float, int, int, int]:
    client.get(url)
    times: list[float] = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), len(captured.captured_queries), response.status_code, len(response.content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", default="", help="only URLs containing this text")
    parser.add_argument("--slow", type=float, default=300.0, help="list pages slower than this (ms)")
    args = parser.parse_args()
    logging.disable(logging.ERROR)  # refusals (403/404) are expected for some personas
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    ensure_regions()
    users = ensure_world()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
    regions = Region.objects.count()
    print(
        f"database {connection.vendor} {settings.DATABASES['default']['NAME']}: {regions:,} regions, statistics fresh"
    )
    urls = [url for url in plain_urls() + region_urls() if args.only in url]
    slow: list[tuple[str, str, float]] = []
    for persona in PERSONAS:
        client = Client(raise_request_exception=False)
        if persona != "public":
            client.force_login(users[persona])
        results = [(url, *timed(client, url, args.runs)) for url in urls]
        answered = [r for r in results if r[3] == 200]
        if not answered:
            print(f"\n{persona}: no page answered 200")
            continue
        worst = max(answered, key=lambda r: r[1])
        print(
            f"\n{persona}: {len(answered)} pages answered 200 (of {len(results)}); "
            f"median of medians {statistics.median(r[1] for r in answered):.1f} ms, "
            f"slowest {worst[1]:.1f} ms {worst[0]}"
        )
        for url, median, queries, status, size in results:
            if status == 200:
                print(f"  {median:8.1f} ms {queries:4d} q {size / 1024:8.1f} KB  {url}")
            if status == 200 and median > args.slow:
                slow.append((persona, url, median))
    print(f"\npages over {args.slow:.0f} ms: {len(slow)}")
    for persona, url, median in slow:
        print(f"  {persona:15s} {median:8.1f} ms  {url}")


if __name__ == "__main__":
    main()
