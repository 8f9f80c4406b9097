"""The 18-digit resident ID number: check digit, birth date, region, gender."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from beneficiaries.crypto import mask_id_number, mask_phone
from beneficiaries.validators import id_check_char, make_id_number, parse_id_number

GOOD = make_id_number("610622", date(1952, 3, 12), 7, male=False)


def test_a_valid_number_gives_birth_date_gender_and_region():
    parsed = parse_id_number(GOOD.lower())
    assert parsed.birth_date == date(1952, 3, 12)
    assert parsed.gender == "female"
    assert parsed.region_prefix == "610622"


def test_the_published_example_number_is_valid():
    # GB 11643 worked example: 11010519491231002X
    assert id_check_char("11010519491231002") == "X"
    assert parse_id_number("11010519491231002X").gender == "female"


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (GOOD[:-1] + ("0" if GOOD[-1] != "0" else "1"), "校验码"),
        ("61062219520230" + "0011", "不是真实日期"),
        ("6106221952031200", "18"),
        ("61062219520312A01X", "17 位数字"),
        ("99" + GOOD[2:], "省级"),
    ],
)
def test_a_bad_number_gets_a_specific_chinese_message(number, words):
    with pytest.raises(ValidationError) as caught:
        parse_id_number(number)
    assert words in " ".join(caught.value.messages)


def test_a_birth_date_in_the_future_is_impossible():
    future = make_id_number("610622", date(2030, 1, 1), 1, male=True)
    with pytest.raises(ValidationError) as caught:
        parse_id_number(future, today=date(2026, 11, 22))
    assert "不可能" in caught.value.messages[0]


def test_masks_keep_only_the_ends():
    assert mask_id_number("610622195203121229") == "6106**********1229"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("") == ""
