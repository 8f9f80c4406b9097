"""Benchmark of referrals on PostgreSQL: 1,000,000 referrals across 5,000 organizations.

Run: ``DATABASE_URL=postgres://…/referral_hub_bench_c .venv/bin/python bench/referrals.py``
(``--scale 0.1`` loads a tenth, ``--runs`` sets N, ``--skip-load`` reuses an earlier load).
It migrates the database, loads regions, organizations (100 county bureaus, 4,900 charities),
people, referrals in every state (90 % to charities, 10 % to government), their timeline
events and the django-guardian grants with COPY, then times, as users meet them:

- a charity's inbox page (``/cases/?tab=in_progress``) — an organization of ~200 referrals;
- a caseworker's inbox page (``/cases/``) — a county of ~10,000 referrals;
- a referral's detail page (``/cases/<id>/``) as the caseworker and as the charity;
- the API list (``/api/v1/referrals/``) at page sizes 25 and 200, to show the query count
  does not grow with the page.

It prints the median of N runs and the number of queries per page. It is not a test.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "referral_hub.settings")
os.environ.pop("REDIS_URL", None)

import django

django.setup()

from django.contrib.auth.models import Group, Permission  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from cases.models import Referral  # noqa: E402
from cases.selectors import organization_group_name  # noqa: E402
from core.models import Organization, OrganizationKind, Region, RegionLevel  # noqa: E402

PROVINCE, CITY = "610000000000", "610600000000"
COUNTIES = 100
TOWNSHIPS = 5
VILLAGES = 4
BUREAUS = COUNTIES
CHARITIES = 4900
STATUSES = [
    ("sent", 20),
    ("accepted", 10),
    ("in_progress", 15),
    ("completed", 10),
    ("closed", 30),
    ("declined", 6),
    ("expired", 4),
    ("withdrawn", 3),
    ("draft", 2),
]
GRANTED = {"sent", "accepted", "in_progress", "completed", "closed"}


def county_code(n: int) -> str:
    return f"61{10 + n // 10:02d}{n % 10 + 21:02d}000000"


def village_codes(n: int) -> list[str]:
    county = county_code(n)[:6]
    return [f"{county}{100 + t:03d}{200 + v:03d}" for t in range(TOWNSHIPS) for v in range(VILLAGES)]


def copy(table: str, columns: list[str], lines: io.StringIO) -> None:
    lines.seek(0)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", lines)


def load(scale: float, seed: int = 3) -> None:
    rng = random.Random(seed)
    started = time.perf_counter()
    regions = [Region(code=PROVINCE, name="陕西省", level=RegionLevel.PROVINCE)]
    cities = sorted({county_code(n)[:4] + "00000000" for n in range(COUNTIES)})
    regions += [Region(code=c, name=f"市{c[:4]}", level=RegionLevel.CITY, parent_id=PROVINCE) for c in cities]
    for n in range(COUNTIES):
        county = county_code(n)
        regions.append(
            Region(code=county, name=f"测试县{n}", level=RegionLevel.COUNTY, parent_id=county[:4] + "00000000")
        )
        for t in range(TOWNSHIPS):
            township = f"{county[:6]}{100 + t:03d}000"
            regions.append(Region(code=township, name=f"{n}县{t}镇", level=RegionLevel.TOWNSHIP, parent_id=county))
            for v in range(VILLAGES):
                regions.append(
                    Region(
                        code=f"{township[:9]}{200 + v:03d}",
                        name=f"{t}镇{v}村",
                        level=RegionLevel.VILLAGE,
                        parent_id=township,
                    )
                )
    Region.objects.bulk_create(regions, ignore_conflicts=True)
    bureaus = Organization.objects.bulk_create(
        [
            Organization(kind=OrganizationKind.CIVIL_AFFAIRS_BUREAU, name=f"测试县{n}民政局", region_id=county_code(n))
            for n in range(BUREAUS)
        ]
    )
    charities = Organization.objects.bulk_create(
        [
            Organization(kind=OrganizationKind.CHARITY, name=f"测试慈善组织{i}", region_id=county_code(i % COUNTIES))
            for i in range(CHARITIES)
        ]
    )
    groups = Group.objects.bulk_create([Group(name=organization_group_name(c.pk)) for c in charities])
    group_of = {c.pk: g.pk for c, g in zip(charities, groups, strict=True)}
    print(f"  regions, {len(bureaus) + len(charities):,} organizations: {time.perf_counter() - started:.1f} s")

    # People: households and persons (register columns the pages read; no ID numbers needed here).
    persons_per_county = max(10, int(2000 * scale))
    lines, household_lines = io.StringIO(), io.StringIO()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM beneficiaries_household")
        hid0 = cursor.fetchone()[0]
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM beneficiaries_person")
        pid0 = cursor.fetchone()[0]
    now = datetime.now(tz=UTC)
    stamp = now.isoformat()
    person_region: list[tuple[int, str, int]] = []  # (person id, region, county index)
    pid = pid0
    for n in range(COUNTIES):
        villages = village_codes(n)
        for i in range(persons_per_county):
            pid += 1
            hid = hid0 + pid - pid0
            village = villages[i % len(villages)]
            household_lines.write(f"{hid}\tBR{hid:09d}\t{village}\t测试地址{i}号\t\t\t\t\t\\N\t{stamp}\t{stamp}\n")
            lines.write(
                f'{pid}\t{hid}\thead\t居民{pid}\t\t\\N\t\tfemale\t1960-01-01\t\t\t{village}\t测试地址\t["dibao"]\t[]\t\\N\t\t\t\\N\t\\N\t{stamp}\t{stamp}\n'
            )
            person_region.append((pid, village, n))
    copy(
        "beneficiaries_household",
        [
            "id",
            "register_number",
            "region_id",
            "address",
            "annual_income",
            "previous_annual_income",
            "annual_essential_expenses",
            "annual_medical_expenses",
            "income_changed_at",
            "created_at",
            "updated_at",
        ],
        household_lines,
    )
    copy(
        "beneficiaries_person",
        [
            "id",
            "household_id",
            "relation",
            "name",
            "id_number",
            "id_number_index",
            "id_number_masked",
            "gender",
            "birth_date",
            "phone",
            "phone_masked",
            "region_id",
            "address",
            "assistance_statuses",
            "vulnerabilities",
            "disability_grade",
            "disability_details",
            "health",
            "vulnerabilities_changed_at",
            "created_by_id",
            "created_at",
            "updated_at",
        ],
        lines,
    )
    print(f"  COPY {len(person_region):,} people: {time.perf_counter() - started:.1f} s")

    total = int(1_000_000 * scale)
    statuses = [s for s, w in STATUSES for _ in range(w)]
    perm = Permission.objects.get(codename="view_referral", content_type__app_label="cases").pk
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM cases_referral")
        rid0 = cursor.fetchone()[0]
    referrals, events, grants = io.StringIO(), io.StringIO(), io.StringIO()
    for k in range(total):
        rid = rid0 + k + 1
        person, region, n = person_region[rng.randrange(len(person_region))]
        status = rng.choice(statuses)
        charity = charities[rng.randrange(CHARITIES)].pk
        bureau = bureaus[n].pk
        to_government = rng.random() < 0.1
        updated = (now - timedelta(minutes=rng.randrange(60 * 24 * 365))).isoformat()
        respond = (now + timedelta(hours=rng.randrange(-48, 168))).isoformat()
        direction = "to_government" if to_government else "to_charity"
        frm, to = (charity, bureau) if to_government else (bureau, charity)
        person_col = "\\N" if to_government else str(person)
        details = '{"name": "赵大山"}' if to_government else "{}"
        urgency = rng.choice(["routine", "routine", "urgent", "emergency"])
        visible = (now + timedelta(days=30)).isoformat() if status == "closed" else "\\N"
        referrals.write(
            f"{rid}\t{direction}\t{person_col}\t{details}\t{region}\t{frm}\t{to}\t[]\t{urgency}\tf\t{status}\t\t"
            f"f\t{respond}\t{updated}\t{updated}\t\\N\t\t\t\t[]\t\t{updated}\t{updated}\t\t{visible}\tf\n"
        )
        events.write(f"{rid}\tsend\tdraft\tsent\t\t{{}}\t{updated}\n")
        if not to_government and status in GRANTED:
            grants.write(f"{group_of[charity]}\t{perm}\t{rid}\n")
    copy(
        "cases_referral",
        [
            "id",
            "direction",
            "person_id",
            "person_details",
            "region_id",
            "from_organization_id",
            "to_organization_id",
            "shared_fields",
            "urgency",
            "fast_track",
            "status",
            "note",
            "capacity_reserved",
            "respond_by",
            "sent_at",
            "updated_at",
            "eligible",
            "programme",
            "decision_reason",
            "items",
            "services",
            "feedback_note",
            "created_at",
            "ended_at",
            "outcome",
            "visible_until",
            "rereferred",
        ],
        referrals,
    )
    copy("cases_referralevent", ["referral_id", "action", "from_status", "to_status", "reason", "data", "at"], events)
    copy("cases_referralgroupobjectpermission", ["group_id", "permission_id", "content_object_id"], grants)
    with connection.cursor() as cursor:
        for table in (
            "cases_referral",
            "cases_referralevent",
            "cases_referralgroupobjectpermission",
            "beneficiaries_person",
        ):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")  # noqa: S608 - fixed table names
    # VACUUM (not only ANALYZE) sets the visibility map, as autovacuum would on a live system,
    # so the covering index answers inbox counts without visiting the table.
    with connection.cursor() as cursor:
        for table in (
            "cases_referral",
            "cases_referralevent",
            "cases_referralgroupobjectpermission",
            "beneficiaries_person",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")
    print(f"  COPY {total:,} referrals, events and grants, ANALYZE: {time.perf_counter() - started:.1f} s")


def personas() -> tuple[User, User, Referral, Referral]:
    bureau = Organization.objects.filter(kind=OrganizationKind.CIVIL_AFFAIRS_BUREAU, name="测试县0民政局").first()
    if bureau is None:
        sys.exit("No bench data: run without --skip-load first.")
    # The charity with the median number of referrals: a typical inbox.
    counts = list(
        Referral.objects.filter(direction="to_charity")
        .values("to_organization_id")
        .order_by()
        .annotate(n=django.db.models.Count("id"))
        .order_by("n")
    )
    charity_id = counts[len(counts) // 2]["to_organization_id"]
    caseworker, _ = User.objects.get_or_create(
        username="bench_caseworker",
        defaults={"role": Role.CASEWORKER, "organization": bureau, "jurisdiction_id": bureau.region_id},
    )
    charity_user, _ = User.objects.get_or_create(
        username="bench_charity", defaults={"role": Role.CHARITY_STAFF, "organization_id": charity_id}
    )
    charity_id = charity_user.organization_id or charity_id  # an earlier run may have chosen another one
    in_county = Referral.objects.filter(
        region__code__startswith=bureau.region_id[:6], direction="to_charity", status="in_progress"
    ).first()
    for_charity = (
        Referral.objects.filter(to_organization_id=charity_id, status="in_progress").first()
        or Referral.objects.filter(to_organization_id=charity_id, status="sent").first()
    )
    if in_county is None or for_charity is None:
        sys.exit("No referral in progress to time: load a larger --scale.")
    return caseworker, charity_user, in_county, for_charity


def timed(client: Client, url: str, runs: int) -> tuple[float, int, int]:
    client.get(url)  # warm caches and the connection
    times: list[float] = []
    queries = 0
    status = 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        queries, status = len(ctx.captured_queries), response.status_code
    return statistics.median(times), queries, status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 1,000,000 referrals")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--skip-load", action="store_true")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Point DATABASE_URL at a PostgreSQL database (e.g. referral_hub_bench_c).")
    call_command("migrate", verbosity=0)
    if not args.skip_load:
        if Referral.objects.exists():
            sys.exit("The database already holds referrals: use --skip-load, or drop and recreate it.")
        print(f"Loading {int(1_000_000 * args.scale):,} referrals …")
        load(args.scale)
    print(f"Referrals in the database: {Referral.objects.count():,}; organizations: {Organization.objects.count():,}")
    caseworker, charity_user, county_referral, charity_referral = personas()
    office, charity = Client(), Client()
    office.force_login(caseworker)
    charity.force_login(charity_user)
    rows = [
        ("charity inbox (in progress)", charity, "/cases/?tab=in_progress"),
        ("charity inbox (new)", charity, "/cases/?tab=incoming"),
        ("caseworker inbox (outgoing)", office, "/cases/"),
        ("caseworker inbox (expiring soon)", office, "/cases/?tab=expiring"),
        ("referral detail (caseworker)", office, f"/cases/{county_referral.pk}/"),
        ("referral detail (charity)", charity, f"/cases/{charity_referral.pk}/"),
        ("API list, page_size=25 (caseworker)", office, "/api/v1/referrals/?page_size=25"),
        ("API list, page_size=200 (caseworker)", office, "/api/v1/referrals/?page_size=200"),
        ("API list, page_size=25 (charity)", charity, "/api/v1/referrals/?page_size=25"),
        ("API list, page_size=200 (charity)", charity, "/api/v1/referrals/?page_size=200"),
    ]
    print(f"\n{'page':40} {'median ms':>10} {'queries':>8} {'status':>7}")
    for label, client, url in rows:
        median, queries, status = timed(client, url, args.runs)
        print(f"{label:40} {median:10.1f} {queries:8d} {status:7d}")


if __name__ == "__main__":
    main()
