from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from core.models import Region
from core.services import regions_import_csv

GOOD = "code,name\n610000,陕西省\n610600,延安市\n610622,延川县\n610622100,永坪镇\n610622100201,永坪村\n"


@pytest.mark.django_db
def test_it_imports_a_table_with_parents_and_levels():
    result = regions_import_csv(text=GOOD)
    assert result.ok and result.created == 5
    village = Region.objects.get(code="610622100201")
    assert village.level == 5
    assert village.parent_id == "610622100000"
    assert village.parent is not None and village.parent.parent is not None
    assert village.parent.parent.name == "延川县"


@pytest.mark.django_db
def test_importing_twice_changes_nothing():
    regions_import_csv(text=GOOD)
    again = regions_import_csv(text=GOOD)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)


@pytest.mark.django_db
def test_a_renamed_region_is_updated():
    regions_import_csv(text=GOOD)
    result = regions_import_csv(text=GOOD.replace("永坪村", "永坪社区"))
    assert result.updated == 1
    assert Region.objects.get(code="610622100201").name == "永坪社区"


@pytest.mark.django_db
def test_one_bad_row_imports_nothing_and_names_every_bad_line():
    text = GOOD + "61062x,坏代码\n610622105201,关庄村\n610622105000,\n"
    result = regions_import_csv(text=text)
    assert not result.ok
    assert [e.line for e in result.errors] == [7, 8, 9]
    assert "区划代码" in result.errors[0].message
    assert "上级" in result.errors[1].message  # 关庄镇 missing
    assert Region.objects.count() == 0


@pytest.mark.django_db
def test_a_declared_parent_must_agree_with_the_code():
    text = "code,name,parent\n610000,陕西省,\n610600,延安市,\n610622,延川县,610000\n"
    result = regions_import_csv(text=text)
    assert not result.ok
    assert result.errors[0].line == 4
    assert Region.objects.count() == 0


@pytest.mark.django_db
def test_a_header_without_code_and_name_columns_is_refused():
    result = regions_import_csv(text="编号,地名\n610000,陕西省\n")
    assert not result.ok
    assert "统计用区划代码,名称" in result.errors[0].message


@pytest.mark.django_db
def test_the_command_reports_errors_and_writes_nothing(tmp_path):
    path = tmp_path / "regions.csv"
    path.write_text("code,name\n610622,延川县\n", encoding="utf-8")
    stderr = StringIO()
    with pytest.raises(CommandError) as error:
        call_command("import_regions", str(path), stderr=stderr)
    assert "没有导入" in str(error.value)
    assert "第 2 行" in stderr.getvalue()
    assert Region.objects.count() == 0


@pytest.mark.django_db
def test_the_command_imports_and_dry_run_writes_nothing(tmp_path):
    path = tmp_path / "regions.csv"
    path.write_text(GOOD, encoding="utf-8")
    out = StringIO()
    call_command("import_regions", str(path), "--dry-run", stdout=out)
    assert Region.objects.count() == 0
    call_command("import_regions", str(path), stdout=out)
    assert Region.objects.count() == 5


@pytest.mark.django_db
def test_the_command_reads_a_gbk_file(tmp_path):
    path = tmp_path / "regions.csv"
    path.write_bytes("code,name\n610000,陕西省\n".encode("gbk"))
    call_command("import_regions", str(path), stdout=StringIO(), stderr=StringIO())
    assert Region.objects.get(code="610000000000").name == "陕西省"
