"""Benchmark of the supply list and the public transparency page on a large supply side.

Run against PostgreSQL (never the development database: it adds 5,000 organizations)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/referral_hub_bench_b .venv/bin/python bench/supply.py

It migrates the database, creates (once) 5,000 supplying organizations and 50,000 resources with
150,000 delivery records in bulk, then requests each page many times through Django's test client
and prints the median and 90th-percentile time and the number of SQL queries of each. It prints
figures; it is not a test. Record them in docs/benchmarks.md.

``--import-only`` (or ``--import-rows N`` after the pages) times the supply-list import as an
administrator sends it: a 10,000-row .xlsx naming 200 organizations by credit code and a service
county each, uploaded, checked, confirmed, checked again and written in one transaction (tasks
in-process), with the number of SQL queries of each step; then the check of the same file again.

The data is skewed like the real list: most organizations work in one county, a few serve a whole
province, some help designated counties elsewhere point to point (以强带弱); most resources are
open or closed, some full, paused or still drafts; deliveries cluster on a minority of resources.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "referral_hub.settings")
os.environ.pop("REDIS_URL", None)  # tasks in-process: the import is timed end to end here

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from charities.imports import SupplyListImport  # noqa: E402
from charities.models import Resource, ResourceUsage, UsageKind  # noqa: E402
from charities.services import resource_recount_help  # noqa: E402
from core.imports import import_batch_confirm, import_batch_start  # noqa: E402
from core.models import ImportBatch, Organization, OrganizationKind, Region, RegionLevel  # noqa: E402
from core.validators import credit_code_check_char  # noqa: E402

ORGANIZATIONS = 5_000
RESOURCES = 50_000
DELIVERIES = 150_000
PROVINCE = "610000000000"
GUANGZHOU = "440100000000"
STATUS_WEIGHTS = {"open": 50, "closed": 20, "full": 10, "paused": 5, "draft": 15}
CATEGORIES = [
    "living",
    "medical",
    "education",
    "housing",
    "employment",
    "care",
    "psychological",
    "rehabilitation",
    "legal",
    "goods",
    "other",
]
VULNERABILITIES = ["elderly_no_self_care", "minor", "disabled", "serious_illness"]
BENCH_PREFIX = "基准测试"


def regions() -> tuple[list[str], list[str]]:
    """A province of 10 cities, 100 counties and 1,000 townships, plus Guangzhou."""
    rows = [Region(code=PROVINCE, name="陕西省", level=RegionLevel.PROVINCE)]
    rows.append(Region(code="440000000000", name="广东省", level=RegionLevel.PROVINCE))
    rows.append(Region(code=GUANGZHOU, name="广州市", level=RegionLevel.CITY, parent_id="440000000000"))
    counties, townships = [], []
    for city in range(1, 11):
        city_code = f"61{city:02d}00000000"
        rows.append(Region(code=city_code, name=f"第{city}市", level=RegionLevel.CITY, parent_id=PROVINCE))
        for county in range(21, 31):
            county_code = f"61{city:02d}{county:02d}000000"
            counties.append(county_code)
            rows.append(
                Region(code=county_code, name=f"第{city}市{county}县", level=RegionLevel.COUNTY, parent_id=city_code)
            )
            for township in range(100, 110):
                code = f"{county_code[:6]}{township:03d}000"
                townships.append(code)
                rows.append(
                    Region(code=code, name=f"{county}县{township}镇", level=RegionLevel.TOWNSHIP, parent_id=county_code)
                )
    Region.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    return counties, townships


def populate(rng: random.Random) -> None:
    counties, townships = regions()
    if Organization.objects.filter(name__startswith=BENCH_PREFIX).count() >= ORGANIZATIONS:
        print("bench data already present")
        return
    started = time.perf_counter()
    with transaction.atomic():
        organizations = []
        for index in range(ORGANIZATIONS):
            body = f"53{rng.choice(counties)[:6]}MJ{index:07d}"
            organizations.append(
                Organization(
                    kind=rng.choice(
                        [OrganizationKind.CHARITY] * 6
                        + [
                            OrganizationKind.ENTERPRISE,
                            OrganizationKind.VOLUNTEER_TEAM,
                            OrganizationKind.SOCIAL_WORK_AGENCY,
                        ]
                    ),
                    name=f"{BENCH_PREFIX}慈善组织{index:05d}",
                    credit_code=body + credit_code_check_char(body),
                    region_id=GUANGZHOU if index % 100 == 0 else rng.choice(counties),
                    rating=rng.choice(["", "", "3A", "4A", "5A"]),
                    disclosures="年度报告与审计报告已公开。",
                )
            )
        Organization.objects.bulk_create(organizations, batch_size=2000)
        now = timezone.now()
        resources = []
        for index in range(RESOURCES):
            organization = organizations[index % ORGANIZATIONS]
            status = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]
            people = rng.choice([3, 5, 10, 20, 50, 200])
            budget = Decimal(rng.choice([5_000, 20_000, 100_000, 500_000]))
            resources.append(
                Resource(
                    organization=organization,
                    name=f"帮扶项目{index:06d}",
                    purpose="为困难群众提供帮扶。",
                    kind=rng.choice(["project", "fund", "service", "goods"]),
                    form=rng.choice(["money", "goods", "service"]),
                    categories=rng.sample(CATEGORIES, rng.choice([1, 1, 2, 3])),
                    vulnerabilities=rng.sample(VULNERABILITIES, rng.choice([0, 0, 1, 2])),
                    capacity_people=people,
                    people_left=0 if status == "full" else rng.randint(0, people),
                    capacity_amount=budget,
                    amount_left=budget,
                    status=status,
                    updated_at=now,
                )
            )
        Resource.objects.bulk_create(resources, batch_size=2000)
        # auto_now ignores the value given; spread the times so ordering is realistic.
        service_through = Resource.service_regions.through
        designated_through = Resource.designated_counties.through
        served, designated = [], []
        for resource in resources:
            roll = rng.random()
            if roll < 0.03:
                designated.append(designated_through(resource_id=resource.pk, region_id=rng.choice(counties)))
            elif roll < 0.05:
                served.append(service_through(resource_id=resource.pk, region_id=PROVINCE))
            elif roll < 0.65:
                region = resource.organization.region_id
                served.append(
                    service_through(
                        resource_id=resource.pk, region_id=region if region != GUANGZHOU else rng.choice(counties)
                    )
                )
            else:
                served.append(service_through(resource_id=resource.pk, region_id=rng.choice(townships)))
        service_through.objects.bulk_create(served, batch_size=5000)
        designated_through.objects.bulk_create(designated, batch_size=5000)
        helped = [r for r in resources if r.status != "draft" and rng.random() < 0.4]
        usages = [
            ResourceUsage(
                resource_id=rng.choice(helped).pk,
                kind=UsageKind.DELIVERY,
                people=1,
                amount=Decimal(rng.choice([200, 500, 1000, 2000])),
                region_id=rng.choice(townships),
                occurred_at=now,
            )
            for _ in range(DELIVERIES)
        ]
        ResourceUsage.objects.bulk_create(usages, batch_size=5000)
        resource_recount_help()  # bulk rows bypass the service that keeps the running totals
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE charities_resource SET updated_at = now() - (random() * interval '400 days') WHERE name LIKE '帮扶项目%%'"
            )
    with connection.cursor() as cursor:
        # The bulk updates above leave every row twice; autovacuum would clean up in time.
        cursor.execute("VACUUM FULL ANALYZE charities_resource")
        cursor.execute("VACUUM ANALYZE")
    print(
        f"created {ORGANIZATIONS} organizations, {RESOURCES} resources, {DELIVERIES} deliveries in {time.perf_counter() - started:.1f} s"
    )


def measure(client: Client, url: str, repeat: int) -> tuple[float, float, int]:
    client.get(url)  # warm up caches and connections
    times = []
    queries = 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        queries = len(captured.captured_queries)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.9) - 1], queries


def supply_workbook(rows: int, organizations: list[Organization], counties: list[str]) -> bytes:
    spec = SupplyListImport()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("供给清单")
    sheet.append([column.chinese_header() for column in spec.columns])
    rng = random.Random(17)
    stamp = int(time.time())
    by_key = {column.key: n for n, column in enumerate(spec.columns)}
    for n in range(rows):
        values = [""] * len(spec.columns)
        filled = {
            "credit_code": organizations[n % len(organizations)].credit_code,
            "name": f"{BENCH_PREFIX}导入{stamp}-{n:05d}",
            "kind": rng.choice(["慈善项目", "专项基金", "服务", "物资"]),
            "form": rng.choice(["资金", "物资", "服务"]),
            "categories": rng.choice(["医疗、康复", "教育", "生活", "住房"]),
            "purpose": "医保报销后个人负担仍超过承受能力的大病患者",
            "service_regions": rng.choice(counties)[:6],
            "assistance_statuses": "低保、特困" if n % 3 == 0 else "",
            "vulnerabilities": "重病" if n % 5 == 0 else "",
            "capacity_people": str(rng.choice([5, 10, 20, 50])),
            "capacity_amount": "200000",
            "per_person_limit": "10000",
            "starts_on": "2026-01-01",
            "ends_on": "2026年12月31日",
            "publish": "是" if n % 2 == 0 else "",
        }
        for key, value in filled.items():
            values[by_key[key]] = value
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class Counter:
    """Counts every query (CaptureQueriesContext keeps only the last 9,000)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def time_import(rows: int) -> None:
    """The administrator's import of ``rows`` resources: check, then confirm + re-check + write."""
    counties, _townships = regions()
    organizations = list(
        Organization.objects.filter(name__startswith=BENCH_PREFIX, kind=OrganizationKind.CHARITY).order_by("pk")[:200]
    )
    if len(organizations) < 200:
        organizations = []
        for index in range(200):
            body = f"53{counties[index % len(counties)][:6]}MJ9{index:06d}"
            organization, _ = Organization.objects.get_or_create(
                credit_code=body + credit_code_check_char(body),
                defaults={
                    "kind": OrganizationKind.CHARITY,
                    "name": f"{BENCH_PREFIX}导入慈善组织{index:03d}",
                    "region_id": counties[index % len(counties)],
                },
            )
            organizations.append(organization)
    admin, _ = User.objects.get_or_create(username="bench_admin", defaults={"role": Role.ADMIN})
    content = supply_workbook(rows, organizations, counties)
    before = Resource.objects.count()
    check_queries, write_queries, again_queries = Counter(), Counter(), Counter()
    with connection.execute_wrapper(check_queries):
        started, cpu = time.perf_counter(), time.process_time()
        batch = import_batch_start(kind="supply_list", upload=SimpleUploadedFile("供给清单.xlsx", content), user=admin)
        batch = ImportBatch.objects.get(pk=batch.pk)
        checked, check_cpu = time.perf_counter(), time.process_time() - cpu
    if batch.status != "ready":
        print(f"  import check did not pass: {batch.status} {batch.errors[:3]}")
        return
    with connection.execute_wrapper(write_queries):
        cpu = time.process_time()
        import_batch_confirm(batch=batch, user=admin)
        batch.refresh_from_db()
        done, write_cpu = time.perf_counter(), time.process_time() - cpu
    print(
        f"  supply-list import of {rows:,} rows (administrator, {len(organizations)} organizations): "
        f"check {checked - started:.1f} s wall, {check_cpu:.1f} s CPU ({check_queries.count:,} queries), "
        f"confirm + re-check + write {done - checked:.1f} s wall, {write_cpu:.1f} s CPU ({write_queries.count:,} queries), "
        f"total {done - started:.1f} s → {batch.status}, {batch.imported_rows:,} rows, "
        f"{Resource.objects.count() - before:,} new resources"
    )
    with connection.execute_wrapper(again_queries):
        started = time.perf_counter()
        again = import_batch_start(kind="supply_list", upload=SimpleUploadedFile("供给清单.xlsx", content), user=admin)
        again = ImportBatch.objects.get(pk=again.pk)
    print(
        f"  check of the same {rows:,} rows again: {time.perf_counter() - started:.1f} s "
        f"({again_queries.count:,} queries) → {again.status}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--import-rows", type=int, default=10_000, help="0: no import")
    parser.add_argument("--import-only", action="store_true", help="time the import alone, not the pages")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("Run against PostgreSQL: set DATABASE_URL=postgres://…/referral_hub_bench_b")
    settings.DEBUG = False
    settings.MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="bench-supply-"))
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    call_command("migrate", verbosity=0)
    if args.import_only:
        time_import(args.import_rows)
        return
    populate(random.Random(20261122))
    busiest = (
        Resource.service_regions.through.objects.filter(region__level=RegionLevel.COUNTY)
        .values("region_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    county = Region.objects.get(code=busiest["region_id"] if busiest else "610121000000")
    bureau, _ = Organization.objects.get_or_create(
        name=f"{BENCH_PREFIX}{county.name}民政局",
        defaults={"kind": OrganizationKind.CIVIL_AFFAIRS_BUREAU, "region": county},
    )
    caseworker, _ = User.objects.get_or_create(
        username="bench_caseworker",
        defaults={"role": Role.CASEWORKER, "organization": bureau, "jurisdiction": county},
    )
    staff_org = Organization.objects.filter(name__startswith=BENCH_PREFIX, kind=OrganizationKind.CHARITY).first()
    charity_staff, _ = User.objects.get_or_create(
        username="bench_charity", defaults={"role": Role.CHARITY_STAFF, "organization": staff_org}
    )
    public = Client()
    signed_in = Client()
    signed_in.force_login(caseworker)
    charity = Client()
    charity.force_login(charity_staff)
    print(
        f"PostgreSQL {connection.cursor().connection.server_version}; {Organization.objects.count()} organizations, "
        f"{Resource.objects.count()} resources, {ResourceUsage.objects.count()} usage records; "
        f"caseworker of {county.name} ({county.code})"
    )
    pages = [
        ("transparency page /supply/public/", public, "/supply/public/"),
        ("transparency page, page 200", public, "/supply/public/?page=200"),
        (
            "transparency page, category + county filter",
            public,
            f"/supply/public/?category=medical&region={county.code}",
        ),
        ("supply list /supply/ (caseworker)", signed_in, "/supply/"),
        (
            "supply list, medical + minors + available",
            signed_in,
            "/supply/?category=medical&focus_group=minor&available=1",
        ),
        ("supply list (charity staff, own)", charity, "/supply/"),
        ("API resources/ (caseworker)", signed_in, "/api/v1/resources/"),
    ]
    print(f"{'page':48} {'median ms':>10} {'p90 ms':>8} {'queries':>8}")
    for label, client, url in pages:
        median, p90, queries = measure(client, url, args.repeat)
        print(f"{label:48} {median:10.1f} {p90:8.1f} {queries:8d}")
    if args.import_rows:
        time_import(args.import_rows)


if __name__ == "__main__":
    main()
