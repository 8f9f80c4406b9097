"""core.normalise: the one reading of what people type, for imports and forms alike."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from beneficiaries.validators import parse_id_number, validate_phone
from core import normalise
from tests.factories import valid_id_number


def refused(function, value) -> str:
    with pytest.raises(ValidationError) as error:
        function(value)
    return error.value.messages[0]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  贺金贵 ", "贺金贵"),
        ("贺\u200b金贵", "贺金贵"),
        ("\ufeff贺金贵", "贺金贵"),
        ("王\u202e秀英", "王秀英"),  # a right-to-left override
        ("永坪村　4组", "永坪村 4组"),  # an ideographic space
        ("永坪村，4组", "永坪村，4组"),  # Chinese punctuation in free text stays
    ],
)
def test_text_drops_invisible_characters_and_stray_spaces(raw, expected):
    assert normalise.text(raw) == expected


def test_full_width_id_numbers_read_as_their_digits_in_forms_too():
    number = valid_id_number(datetime.date(1955, 8, 1))
    wide = "".join(chr(ord(c) + 0xFEE0) for c in number)
    assert parse_id_number(wide).number == number
    assert parse_id_number(f" {number[:6]} {number[6:14]} {number[14:]}\u200b").number == number


@pytest.mark.parametrize("value", [4.51029196711093e17, 451029196711093000, "4.51029196711093E+17", "4.51029E+17"])
def test_an_id_number_that_was_a_number_is_refused_naming_the_lost_digits(value):
    message = refused(normalise.id_number, value)
    assert "Excel 的数字只保留 15 位有效数字，后几位已经丢失" in message
    assert "请把该列设置为“文本”格式，再重新输入或粘贴身份证号" in message


def test_a_form_given_the_scientific_spelling_says_the_same():
    assert "15 位有效数字" in refused(parse_id_number, "6.10622195508E+17")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+86 138-9111-2345", "13891112345"),
        ("0086 13891112345", "13891112345"),
        ("8613891112345", "13891112345"),
        ("138 9111 2345", "13891112345"),
        ("１３８９１１１２３４５", "13891112345"),
        (13891112345.0, "13891112345"),
        ("(0911) 8112301", "0911-8112301"),
        ("0911-8112301", "0911-8112301"),
    ],
)
def test_phones(raw, expected):
    assert normalise.phone(raw) == expected
    if isinstance(raw, str):
        assert validate_phone(raw) == expected  # the forms' check reads the same spellings


@pytest.mark.parametrize(
    "raw",
    [
        "2024年3月5日",
        "2024/3/5",
        "2024.03.05",
        "2024-3-5",
        "2024-03-05",
        "2024-03-05 00:00:00",
        "20240305",
        "２０２４年３月５日",
        "2024 年 3 月 5 日",
        45356,
        45356.0,
        "45356",
        datetime.datetime(2024, 3, 5, 9, 30),
        datetime.date(2024, 3, 5),
    ],
)
def test_dates(raw):
    assert normalise.date(raw) == datetime.date(2024, 3, 5)


@pytest.mark.parametrize("raw", ["2024年2月30日", "3月5日", "2024-13-01", "明天", 12, "1"])
def test_what_is_not_a_date_is_refused_with_the_spellings_that_work(raw):
    assert refused(normalise.date, raw) == (
        f"“{raw}”不是日期，请写作 2024-03-05（也可写 2024年3月5日、2024/3/5 或 2024.3.5）。"
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("5000", "5000.00"),
        ("5000元", "5000.00"),
        ("5,000.50", "5000.50"),
        ("¥5000", "5000.00"),
        ("￥5,000元", "5000.00"),
        ("1.2万元", "12000.00"),
        ("1.2万", "12000.00"),
        ("５０００元", "5000.00"),
        ("人民币 800 元", "800.00"),
        (620, "620.00"),
        (620.5, "620.50"),
    ],
)
def test_money(raw, expected):
    assert normalise.money(raw) == Decimal(expected)


@pytest.mark.parametrize("raw", ["五千", "-5", "1e999", "5000美元"])
def test_what_is_not_an_amount_is_refused(raw):
    assert refused(normalise.money, raw) == f"“{raw}”不是以元为单位的金额，请写作 1200、1200.50、1,200元 或 1.2万元。"


def test_empty_values_are_none():
    assert normalise.money(" ") is None and normalise.date("") is None and normalise.whole_number("") is None


@pytest.mark.parametrize(
    ("table", "raw", "code"),
    [
        (normalise.RELATION_SYNONYMS, "父亲", "parent"),
        (normalise.RELATION_SYNONYMS, "妻", "spouse"),
        (normalise.RELATION_SYNONYMS, "长子", "child"),
        (normalise.RELATION_SYNONYMS, "外孙女", "grandchild"),
        (normalise.PROGRAMME_SYNONYMS, "低保户", "dibao"),
        (normalise.PROGRAMME_SYNONYMS, "农村低保", "dibao"),
        (normalise.PROGRAMME_SYNONYMS, "城乡低保", "dibao"),
        (normalise.PROGRAMME_SYNONYMS, "特困供养", "tekun"),
        (normalise.PROGRAMME_SYNONYMS, "医疗救助", "medical"),
        (normalise.STATUS_SYNONYMS, "低保边缘户", "dibao_edge"),
        (normalise.CATEGORY_SYNONYMS, "心理慰藉", "psychological"),
    ],
)
def test_synonym_tables(table, raw, code):
    assert table[raw] == code
