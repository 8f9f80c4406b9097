import pytest
from django.core.exceptions import ValidationError

from core.validators import credit_code_check_char, validate_credit_code

# Published examples of real unified social credit codes (check digit included).
REAL_CODES = ["91350100M000100Y43", "91110000802100433B", "12100000400000635H"]


@pytest.mark.parametrize("code", REAL_CODES)
def test_it_accepts_real_codes(code):
    validate_credit_code(code)


def test_it_accepts_lowercase_input():
    validate_credit_code(REAL_CODES[0].lower())


def test_it_rejects_a_wrong_check_character():
    code = REAL_CODES[0]
    wrong = "0" if code[-1] != "0" else "1"
    with pytest.raises(ValidationError) as error:
        validate_credit_code(code[:-1] + wrong)
    assert error.value.code == "credit_code_check"
    assert "校验" in str(error.value.messages[0])


def test_it_rejects_the_wrong_length_with_the_count():
    with pytest.raises(ValidationError) as error:
        validate_credit_code("91350100M000100Y4")
    assert error.value.code == "credit_code_length"
    assert "17" in error.value.messages[0]


@pytest.mark.parametrize("letter", ["I", "O", "S", "V", "Z"])
def test_it_rejects_letters_the_standard_excludes(letter):
    with pytest.raises(ValidationError) as error:
        validate_credit_code("91350100M000100" + letter + "43")
    assert error.value.code == "credit_code_charset"


def test_it_requires_digits_in_the_region_part():
    body = "91AB0100M0001000"[:17].ljust(17, "0")
    with pytest.raises(ValidationError) as error:
        validate_credit_code(body + credit_code_check_char(body))
    assert error.value.code == "credit_code_region"
