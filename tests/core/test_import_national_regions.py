"""The national region table as published: one file a level or one file, duplicates of cities
without counties, renames and moves listed, dry run, idempotence, SQLite batches."""

import sqlite3
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from core.models import Region

# One file a level, codes as the statistics bureau's levels give them (2, 4, 6, 9, 12 digits),
# with the extra columns such tables carry. 东莞 (4419) is a city without counties: it appears
# as a city and again as its own county with the same code.
PROVINCES = "code,name\n44,广东省\n61,陕西省\n"
CITIES = "code,name,provinceCode\n4419,东莞市,44\n6106,延安市,61\n"
COUNTIES = "code,name,cityCode,provinceCode\n441900,东莞市,4419,44\n610622,延川县,6106,61\n"
TOWNSHIPS = "code,name,areaCode\n441900003,东城街道,441900\n610622100,永坪镇,610622\n610622101,延水关镇,610622\n"
VILLAGES = (
    "统计用区划代码,城乡分类代码,名称\n"
    "441900003001,111,主山社区居委会\n"
    "610622100201,220,永坪村委会\n"
    "610622101201,220,延水关村委会\n"
)


def write_tables(tmp_path, **overrides):
    tables = {
        "provinces.csv": PROVINCES,
        "cities.csv": CITIES,
        "areas.csv": COUNTIES,
        "streets.csv": TOWNSHIPS,
        "villages.csv": VILLAGES,
    }
    tables.update(overrides)
    paths = []
    for name, text in tables.items():
        path = tmp_path / name
        path.write_bytes(text.encode("gbk"))  # as downloaded from an office: GBK
        paths.append(str(path))
    return paths


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("import_regions", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_it_loads_the_levels_and_reads_a_repeated_code_with_the_same_name_as_one_region(tmp_path):
    out, _err = run(*write_tables(tmp_path))
    assert Region.objects.count() == 11
    dongguan = Region.objects.get(code="441900000000")
    assert (dongguan.name, dongguan.level) == ("东莞市", 2)
    street = Region.objects.get(code="441900003000")
    assert street.parent_id == "441900000000"
    assert Region.objects.get(code="441900003001").parent_id == "441900003000"
    assert "1 行重复了同名的同一代码" in out


@pytest.mark.django_db
def test_a_repeated_code_with_another_name_is_refused(tmp_path):
    counties = COUNTIES.replace("441900,东莞市", "441900,莞城区")
    with pytest.raises(CommandError):
        run(*write_tables(tmp_path, **{"areas.csv": counties}))
    assert Region.objects.count() == 0


@pytest.mark.django_db
def test_loading_twice_changes_nothing_and_lists_no_change(tmp_path):
    paths = write_tables(tmp_path)
    run(*paths)
    out, _err = run(*paths)
    assert "新增 0 条，更新 0 条，未变 11 条" in out
    assert "改名" not in out and "移动" not in out


@pytest.mark.django_db
def test_a_dry_run_lists_each_rename_by_code_and_writes_nothing(tmp_path):
    run(*write_tables(tmp_path))
    renamed = write_tables(tmp_path, **{"streets.csv": TOWNSHIPS.replace("永坪镇", "永坪街道")})
    out, _err = run(*renamed, "--dry-run")
    assert "改名 610622100000：永坪镇 → 永坪街道" in out
    assert "试运行" in out
    assert Region.objects.get(code="610622100000").name == "永坪镇"
    out, _err = run(*renamed)
    assert "改名 610622100000：永坪镇 → 永坪街道" in out
    assert Region.objects.get(code="610622100000").name == "永坪街道"


@pytest.mark.django_db
def test_a_region_sitting_under_the_wrong_parent_is_listed_as_moved(tmp_path):
    run(*write_tables(tmp_path))
    # Entered by hand under the wrong township before the national table came.
    Region.objects.filter(code="610622101201").update(parent_id="610622100000")
    out, _err = run(*write_tables(tmp_path), "--dry-run")
    assert "移动 610622101201 延水关村委会：从 610622100000 永坪镇 到 610622101000 延水关镇" in out
    assert Region.objects.get(code="610622101201").parent_id == "610622100000"
    run(*write_tables(tmp_path))
    assert Region.objects.get(code="610622101201").parent_id == "610622101000"


@pytest.mark.django_db
def test_a_headerless_table_copied_from_the_bureau_loads(tmp_path):
    path = tmp_path / "table.csv"
    path.write_text(
        "610000000000,陕西省\n610600000000,延安市\n610622000000,延川县\n"
        "610622100000,永坪镇\n610622100201,220,永坪村委会\n",
        encoding="utf-8-sig",
    )
    run(str(path))
    assert Region.objects.get(code="610622100201").name == "永坪村委会"


@pytest.mark.django_db
def test_full_width_codes_and_stray_spaces_are_read(tmp_path):
    path = tmp_path / "table.csv"
    path.write_text("code,name\n６１００００,　陕西省 \n", encoding="utf-8")
    run(str(path))
    assert Region.objects.get(code="610000000000").name == "陕西省"


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's limit on variables")
@pytest.mark.django_db
def test_thousands_of_villages_load_on_sqlite_in_batches_with_a_progress_line(tmp_path, monkeypatch):
    monkeypatch.setattr("core.regions.PROGRESS_EVERY", 1_000)
    # SQLite builds before 3.32 (and many distributions' builds) allow 999 variables a statement.
    connection.ensure_connection()
    previous = connection.connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)
    try:
        _load_thousands_of_villages(tmp_path)
    finally:  # the connection outlives this test
        connection.connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, previous)


def _load_thousands_of_villages(tmp_path):
    lines = ["code,name", "610000,陕西省", "610600,延安市", "610622,延川县"]
    for township in range(100, 140):
        lines.append(f"610622{township},乡镇{township}")
        lines.extend(f"610622{township}{village:03d},村{township}-{village}" for village in range(1, 86))
    path = tmp_path / "big.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out, err = run(str(path))
    assert Region.objects.filter(level=5).count() == 3_400
    assert "已读取 1000 行" in err
    assert "已写入" in err
    out, _err = run(str(path))
    assert "更新 0 条" in out
