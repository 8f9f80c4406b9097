import pytest
from django.core.exceptions import ValidationError

from core.validators import ancestor_region_codes, normalize_region_code, parent_region_code, region_level_from_code


@pytest.mark.parametrize(
    ("code", "level"),
    [
        ("610000000000", 1),
        ("610600000000", 2),
        ("610622000000", 3),
        ("610622100000", 4),
        ("610622100201", 5),
        ("441900003000", 4),  # 东莞: townships directly under a city
    ],
)
def test_it_reads_the_level_from_the_code(code, level):
    assert region_level_from_code(code) == level


def test_parents_come_from_the_code():
    assert parent_region_code("610622100201") == "610622100000"
    assert parent_region_code("610622000000") == "610600000000"
    assert parent_region_code("610000000000") is None
    assert parent_region_code("441900003000") == "441900000000"


def test_ancestors_are_listed_from_the_top_without_repeats():
    assert ancestor_region_codes("610622100201") == ["610000000000", "610600000000", "610622000000", "610622100000"]
    assert ancestor_region_codes("441900003000") == ["440000000000", "441900000000"]


@pytest.mark.parametrize("raw", ["61062", "6106221", "61062210020", "61062A", "", "6106221002011"])
def test_it_rejects_malformed_codes_with_a_chinese_message(raw):
    with pytest.raises(ValidationError) as error:
        normalize_region_code(raw)
    assert "区划代码" in error.value.messages[0]


def test_it_pads_short_codes():
    assert normalize_region_code("610622") == "610622000000"
    assert normalize_region_code("610622100") == "610622100000"


def test_a_zero_province_is_not_a_region():
    with pytest.raises(ValidationError):
        region_level_from_code("000622000000")
