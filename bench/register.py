"""Benchmark of the register on PostgreSQL: 1,000,000 people and 300,000 needs.

Run: ``DATABASE_URL=postgres://…/referral_hub_bench .venv/bin/python bench/register.py``
(``--persons`` and ``--needs`` scale it down, ``--runs`` sets N, ``--skip-load`` reuses what
an earlier run loaded, ``--import-only`` times the import alone). It migrates the database,
loads the data with COPY (the sensitive columns encrypted exactly as the app encrypts them),
then times, as users meet them:

- the station worker's need list page (``/register/needs/``) — one township of 100;
- a caseworker's person search by name (prefix) and by ID number (blind index), county of 10;
- the import of a 10,000-row visit spreadsheet (check, then all-or-nothing write), and the check
  of the same file again once it is imported.

It prints medians of N runs and the number of queries per page. It is not a test.
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
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "referral_hub.settings")
os.environ.pop("REDIS_URL", None)  # tasks in-process: the import is timed end to end here

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from beneficiaries.crypto import blind_index, encrypt, mask_id_number, mask_phone  # noqa: E402
from beneficiaries.imports import VisitRegisterImport  # noqa: E402
from beneficiaries.models import Person  # noqa: E402
from beneficiaries.validators import make_id_number  # noqa: E402
from core.models import ImportBatch, Organization, OrganizationKind, Region, RegionLevel  # noqa: E402

PROVINCE, CITY = "610000000000", "610600000000"
COUNTIES = [f"6106{n:02d}" for n in range(31, 41)]  # ten generated counties
TOWNSHIPS_PER_COUNTY = 10
VILLAGES_PER_TOWNSHIP = 10
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = [
    "秀英",
    "桂兰",
    "建国",
    "志刚",
    "海燕",
    "丽娟",
    "振华",
    "玉梅",
    "明亮",
    "春梅",
    "建军",
    "小燕",
    "浩然",
    "子轩",
    "欣怡",
    "梓涵",
    "宇航",
    "雨桐",
    "德胜",
    "金花",
    "满仓",
    "改莲",
    "永红",
    "东升",
    "晓梅",
    "俊杰",
    "一诺",
    "思远",
    "佳怡",
    "天佑",
]
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
STATUSES = ["open"] * 5 + ["matched", "referred", "fulfilled", "closed", "closed"]


def villages() -> list[str]:
    return [
        f"{county}{100 + t:03d}{200 + v:03d}"
        for county in COUNTIES
        for t in range(TOWNSHIPS_PER_COUNTY)
        for v in range(VILLAGES_PER_TOWNSHIP)
    ]


def load_regions() -> None:
    rows = [Region(code=PROVINCE, name="陕西省", level=RegionLevel.PROVINCE)]
    rows.append(Region(code=CITY, name="延安市", level=RegionLevel.CITY, parent_id=PROVINCE))
    for n, county in enumerate(COUNTIES):
        rows.append(Region(code=county + "000000", name=f"测试县{n}", level=RegionLevel.COUNTY, parent_id=CITY))
        for t in range(TOWNSHIPS_PER_COUNTY):
            township = f"{county}{100 + t:03d}000"
            rows.append(
                Region(code=township, name=f"测试{n}县{t}镇", level=RegionLevel.TOWNSHIP, parent_id=county + "000000")
            )
            for v in range(VILLAGES_PER_TOWNSHIP):
                rows.append(
                    Region(
                        code=f"{township[:9]}{200 + v:03d}",
                        name=f"{t}镇{v}村",
                        level=RegionLevel.VILLAGE,
                        parent_id=township,
                    )
                )
    Region.objects.bulk_create(rows, ignore_conflicts=True)


def copy(table: str, columns: list[str], lines: io.StringIO) -> None:
    lines.seek(0)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", lines)


def clean(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def load_people(persons: int, needs: int, seed: int = 7) -> None:
    """COPY households, persons and needs, encrypted and indexed as the app does it."""
    rng = random.Random(seed)
    all_villages = villages()
    now = "2026-11-22 08:00:00+08"
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM beneficiaries_household")
        household_base = cursor.fetchone()[0]
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM beneficiaries_person")
        person_base = cursor.fetchone()[0]
    households = io.StringIO()
    people = io.StringIO()
    person_regions: list[str] = []
    used: set[str] = set()
    household_id = household_base
    person_id = person_base
    started = time.perf_counter()
    while person_id - person_base < persons:
        household_id += 1
        village = all_villages[rng.randrange(len(all_villages))]
        address = f"{village}号{rng.randint(1, 99)}组{rng.randint(1, 80)}号"
        households.write(f"{household_id}\tB{household_id:09d}\t{village}\t{address}\t\t\t\t\t\\N\t{now}\t{now}\n")
        surname = rng.choice(SURNAMES)
        for member in range(min(rng.choice([1, 2, 2, 3, 3, 4]), persons - (person_id - person_base))):
            person_id += 1
            male = rng.random() < 0.5
            born = date(1930, 1, 1) + timedelta(days=rng.randrange(365 * 95))
            serial = person_id
            number = make_id_number(village[:6], born, serial, male=male)
            while number in used:  # the 3-digit sequence is small: step past a taken one
                serial += 1
                number = make_id_number(village[:6], born, serial, male=male)
            used.add(number)
            phone = f"13{rng.randint(100000000, 999999999)}"
            name = surname + rng.choice(GIVEN)
            relation = "head" if member == 0 else rng.choice(["spouse", "child", "parent", "grandchild"])
            statuses = '["dibao"]' if rng.random() < 0.3 else "[]"
            people.write(
                "\t".join(
                    [
                        str(person_id),
                        relation,
                        name,
                        encrypt(number),
                        blind_index(number),
                        mask_id_number(number),
                        "male" if male else "female",
                        born.isoformat(),
                        encrypt(phone),
                        mask_phone(phone),
                        clean(address),
                        statuses,
                        "[]",
                        "\\N",
                        "",
                        "",
                        "\\N",
                        now,
                        now,
                        str(household_id),
                        village,
                        "\\N",
                    ]
                )
                + "\n"
            )
            person_regions.append(village)
    print(f"  generated {persons:,} people in {time.perf_counter() - started:.1f} s (encryption included)")
    started = time.perf_counter()
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
        households,
    )
    copy(
        "beneficiaries_person",
        [
            "id",
            "relation",
            "name",
            "id_number",
            "id_number_index",
            "id_number_masked",
            "gender",
            "birth_date",
            "phone",
            "phone_masked",
            "address",
            "assistance_statuses",
            "vulnerabilities",
            "disability_grade",
            "disability_details",
            "health",
            "vulnerabilities_changed_at",
            "created_at",
            "updated_at",
            "household_id",
            "region_id",
            "created_by_id",
        ],
        people,
    )
    print(f"  COPY households and people: {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    lines = io.StringIO()
    base = time.time()
    for _ in range(needs):
        offset = rng.randrange(persons)
        pid = person_base + 1 + offset
        when = time.strftime("%Y-%m-%d %H:%M:%S+08", time.localtime(base - rng.randrange(3 * 365 * 86400)))
        lines.write(
            f"{rng.choice(CATEGORIES)}\t{rng.choice(['routine', 'routine', 'urgent', 'emergency'])}\t走访发现困难\t\\N\tvisit\t"
            f"{rng.choice(STATUSES)}\t\t{when}\t{when}\t{pid}\t{person_regions[offset]}\t\\N\t\\N\t\\N\n"
        )
    copy(
        "beneficiaries_need",
        [
            "category",
            "urgency",
            "description",
            "amount_requested",
            "source",
            "status",
            "status_note",
            "created_at",
            "updated_at",
            "person_id",
            "region_id",
            "logged_by_id",
            "logged_by_organization_id",
            "warning_rule_id",
        ],
        lines,
    )
    with connection.cursor() as cursor:
        for table in ("beneficiaries_household", "beneficiaries_person", "beneficiaries_need"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")  # noqa: S608 - constant names
        cursor.execute("ANALYZE beneficiaries_household, beneficiaries_person, beneficiaries_need, core_region")
    print(f"  COPY {needs:,} needs and ANALYZE: {time.perf_counter() - started:.1f} s")


def users() -> tuple[User, User]:
    county = COUNTIES[0] + "000000"
    township = COUNTIES[0] + "100000"
    bureau, _ = Organization.objects.get_or_create(
        name="测试县0民政局", defaults={"kind": OrganizationKind.CIVIL_AFFAIRS_BUREAU, "region_id": county}
    )
    station, _ = Organization.objects.get_or_create(
        name="测试0县0镇民政服务站", defaults={"kind": OrganizationKind.SERVICE_STATION, "region_id": township}
    )
    caseworker, _ = User.objects.get_or_create(
        username="bench_caseworker",
        defaults={"role": Role.CASEWORKER, "organization": bureau, "jurisdiction_id": county},
    )
    station_worker, _ = User.objects.get_or_create(
        username="bench_station",
        defaults={"role": Role.STATION_WORKER, "organization": station, "jurisdiction_id": township},
    )
    return caseworker, station_worker


def timed(client: Client, urls: str | list[str], runs: int, *, follow: bool = False) -> tuple[float, int, int]:
    """Median milliseconds, queries of the last run, and the status. Runs cycle through ``urls``."""
    urls = [urls] if isinstance(urls, str) else urls
    client.get(urls[0], follow=follow)  # warm caches and connection
    times: list[float] = []
    queries = 0
    status = 0
    for run in range(runs):
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(urls[run % len(urls)], follow=follow)
            times.append((time.perf_counter() - started) * 1000)
        queries = len(captured.captured_queries)
        status = response.status_code
    return statistics.median(times), queries, status


def fresh_numbers(rows: int, rng: random.Random) -> list[str]:
    """ID numbers (of a county the load does not use) that are not in the register yet."""
    stamp = int(time.time())
    numbers: list[str] = []
    used: set[str] = set()
    while len(numbers) < rows:
        born = date(1940, 1, 1) + timedelta(days=rng.randrange(365 * 80))
        number = make_id_number("610641", born, stamp + len(numbers), male=len(numbers) % 2 == 0)
        if number not in used:
            used.add(number)
            numbers.append(number)
    taken = set(
        Person.objects.filter(id_number_index__in=[blind_index(n) for n in numbers]).values_list(
            "id_number_index", flat=True
        )
    )
    return [n for n in numbers if blind_index(n) not in taken] + (fresh_numbers(len(taken), rng) if taken else [])


def visit_workbook(rows: int, seed: int = 11) -> bytes:
    rng = random.Random(seed)
    numbers = fresh_numbers(rows, random.Random(time.time_ns()))
    spec = VisitRegisterImport()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("走访排查台账")
    sheet.append([column.chinese_header() for column in spec.columns])
    township = COUNTIES[0] + "100"
    stamp = int(time.time())
    for n in range(rows):
        village = f"{township}{200 + rng.randrange(VILLAGES_PER_TOWNSHIP):03d}"
        number = numbers[n]
        sheet.append(
            [
                rng.choice(SURNAMES) + rng.choice(GIVEN),
                number,
                f"139{rng.randint(10000000, 99999999)}",
                f"IMP{stamp}-{n:05d}",
                "户主",
                village,
                f"{village}1组{n % 80}号",
                "低保" if n % 3 == 0 else "",
                "重病" if n % 11 == 0 else "",
                "医疗" if n % 4 == 0 else "",
                "住院自付费用高" if n % 4 == 0 else "",
                "紧急" if n % 4 == 0 else "",
                "3000" if n % 4 == 0 else "",
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def time_import(user: User, rows: int) -> None:
    from core.imports import import_batch_confirm, import_batch_start

    content = visit_workbook(rows)
    print(f"  load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    started, cpu = time.perf_counter(), time.process_time()
    batch = import_batch_start(kind="visit_register", upload=SimpleUploadedFile("台账.xlsx", content), user=user)
    batch = ImportBatch.objects.get(pk=batch.pk)
    checked, check_cpu = time.perf_counter(), time.process_time() - cpu
    if batch.status != "ready":
        print(f"  import check did not pass: {batch.status} {batch.errors[:3]}")
        return
    import_batch_confirm(batch=batch, user=user)
    batch.refresh_from_db()
    done = time.perf_counter()
    print(
        f"  import of {rows:,} rows: check {checked - started:.1f} s ({check_cpu:.1f} s CPU), "
        f"confirm + re-check + write {done - checked:.1f} s, "
        f"total {done - started:.1f} s → {batch.status}, {batch.imported_rows:,} rows"
    )
    # The same file again, now that every row is in the register: the check must be as fast as the first.
    started, cpu = time.perf_counter(), time.process_time()
    again = import_batch_start(kind="visit_register", upload=SimpleUploadedFile("台账.xlsx", content), user=user)
    again = ImportBatch.objects.get(pk=again.pk)
    print(
        f"  check of the same {rows:,} rows once imported: {time.perf_counter() - started:.1f} s "
        f"({time.process_time() - cpu:.1f} s CPU) → {again.status}, "
        f"{again.valid_rows:,} valid, {len(again.errors):,} errors"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--needs", type=int, default=300_000)
    parser.add_argument("--import-rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--skip-load", action="store_true", help="Reuse the data an earlier run loaded.")
    parser.add_argument("--import-only", action="store_true", help="Time the import alone, not the pages.")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit(
            "Set DATABASE_URL to a PostgreSQL database (e.g. postgres://postgres@127.0.0.1:5432/referral_hub_bench)."
        )
    settings.MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="bench-register-"))
    settings.DEBUG = False  # no query log growth; CaptureQueriesContext still counts
    settings.ALLOWED_HOSTS = ["testserver"]
    print(f"database {settings.DATABASES['default']['NAME']}; {os.cpu_count()} cores")
    call_command("migrate", verbosity=0)
    if not args.skip_load:
        started = time.perf_counter()
        load_regions()
        load_people(args.persons, args.needs)
        print(f"load total: {time.perf_counter() - started:.1f} s")
    caseworker, station_worker = users()
    if args.import_only:
        time_import(station_worker, args.import_rows)
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM beneficiaries_person")
        total_persons = cursor.fetchone()[0]
        cursor.execute("SELECT COUNT(*) FROM beneficiaries_need")
        total_needs = cursor.fetchone()[0]
    print(f"register holds {total_persons:,} people and {total_needs:,} needs")
    county_prefix = COUNTIES[0]
    # Different people each run: common and rare names, people early and late in the table.
    in_county = Person.objects.filter(region__code__startswith=county_prefix).order_by("id")
    samples = [in_county[offset] for offset in (7, 1_234, 23_456, 45_678, 67_890, 89_012, 98_765) if offset < 100_000]
    names = [p.name for p in samples]
    numbers = [p.id_number for p in samples]
    station_client = Client()
    station_client.force_login(station_worker)
    caseworker_client = Client()
    caseworker_client.force_login(caseworker)
    results = [
        ("station need list page", timed(station_client, "/register/needs/", args.runs)),
        (
            "station need list, open + urgent",
            timed(station_client, "/register/needs/?status=open&urgency=urgent", args.runs),
        ),
        (
            "caseworker person search by name",
            timed(caseworker_client, [f"/register/?q={name}" for name in names], args.runs),
        ),
        (
            "caseworker person search by ID number",
            timed(caseworker_client, [f"/register/?q={number}" for number in numbers], args.runs, follow=True),
        ),
        ("API persons ?q=name", timed(caseworker_client, [f"/api/v1/persons/?q={name}" for name in names], args.runs)),
        (
            "API persons ?q=ID number",
            timed(caseworker_client, [f"/api/v1/persons/?q={number}" for number in numbers], args.runs),
        ),
    ]
    print(f"\nmedian of {args.runs} runs (ms), queries per request:")
    for label, (median, queries, status) in results:
        print(f"  {label:40s} {median:8.1f} ms  {queries:3d} queries  HTTP {status}")
    print()
    if args.import_rows:
        time_import(station_worker, args.import_rows)


if __name__ == "__main__":
    main()
