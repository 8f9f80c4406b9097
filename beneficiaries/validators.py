"""The 18-digit resident identity number (GB 11643-1999)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core import normalise

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
ID_PATTERN = re.compile(r"^\d{17}[\dX]$")
# GB/T 2260 province-level codes (with Taiwan, Hong Kong and Macao residence permits).
PROVINCE_CODES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
        "83",
    ]
)
PHONE_PATTERN = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$")


def id_check_char(first17: str) -> str:
    return ID_CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


@dataclass(frozen=True)
class ParsedIdNumber:
    number: str
    region_prefix: str  # the six-digit county code the number was issued under
    birth_date: date
    gender: str  # "male" / "female", from the parity of the 17th digit


def normalize_id_number(raw: str) -> str:
    """Full-width digits, stray and zero-width spaces and a lower-case x, as people paste them."""
    return normalise.code(raw).replace(" ", "").upper()


def parse_id_number(raw: str, *, today: date | None = None) -> ParsedIdNumber:
    """Check format, birth date and check digit; raise a specific Chinese message otherwise."""
    number = normalise.id_number(raw)  # refuses Excel's 4.51029196711093E+17 by name
    if len(number) != 18:
        raise ValidationError(
            _("A resident ID number has 18 characters; this one has %(count)d."),
            code="id_length",
            params={"count": len(number)},
        )
    if not ID_PATTERN.match(number):
        raise ValidationError(
            _("A resident ID number is 17 digits followed by a digit or X."),
            code="id_format",
        )
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            _("The birth date in this ID number (%(digits)s) is not a real date."),
            code="id_birth_date",
            params={"digits": number[6:14]},
        ) from None
    today = today or date.today()  # noqa: DTZ011 - a calendar date, no time zone involved
    if born > today or born.year < 1900:
        raise ValidationError(
            _("The birth date in this ID number (%(date)s) is impossible."),
            code="id_birth_date",
            params={"date": born.isoformat()},
        )
    if number[:2] not in PROVINCE_CODES:
        raise ValidationError(
            _("The first two digits of this ID number (%(code)s) are not a province code."),
            code="id_region",
            params={"code": number[:2]},
        )
    if id_check_char(number[:17]) != number[17]:
        raise ValidationError(
            _("The last character (check digit) of this ID number is wrong; please copy it again from the ID card."),
            code="id_check_digit",
        )
    return ParsedIdNumber(
        number=number,
        region_prefix=number[:6],
        birth_date=born,
        gender="male" if int(number[16]) % 2 else "female",
    )


def validate_phone(raw: str) -> str:
    phone = normalise.phone(raw)  # +86, dashes, spaces and full-width digits
    if phone and not PHONE_PATTERN.match(phone):
        raise ValidationError(
            _("Enter an 11-digit mobile number or a landline like 0911-8112301."),
            code="phone_format",
        )
    return phone


def make_id_number(region6: str, born: date, serial: int, *, male: bool) -> str:
    """Build a valid ID number (demo data, factories and the benchmark)."""
    sequence = serial % 500 * 2 + (1 if male else 0)
    body = f"{region6}{born:%Y%m%d}{sequence:03d}"
    return body + id_check_char(body)
