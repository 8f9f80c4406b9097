"""Validation of the national codes the product relies on.

Both validators raise ``ValidationError`` with a Chinese (translatable) message
that a caseworker can act on, never a bare "invalid".
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# GB 32100-2015: the 31 characters a unified social credit code may use (no I, O, S, V, Z).
CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    total = sum(
        CREDIT_CODE_CHARSET.index(char) * weight for char, weight in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    """Validate a 统一社会信用代码 (unified social credit code), check digit included."""
    code = value.strip().upper()
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(count)d."),
            code="credit_code_length",
            params={"count": len(code)},
        )
    bad = sorted({char for char in code if char not in CREDIT_CODE_CHARSET})
    if bad:
        raise ValidationError(
            _("A unified social credit code cannot contain: %(chars)s."),
            code="credit_code_charset",
            params={"chars": " ".join(bad)},
        )
    if not code[2:8].isdigit():
        raise ValidationError(
            _("Characters 3 to 8 of a unified social credit code are the region code and must be digits."),
            code="credit_code_region",
        )
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _(
                "The check character of this unified social credit code is wrong; please check it against the certificate."
            ),
            code="credit_code_check",
        )


# 统计用区划代码: 12 digits; the significant prefix grows with each level.
REGION_PREFIX_LENGTHS = {1: 2, 2: 4, 3: 6, 4: 9, 5: 12}


def normalize_region_code(raw: str) -> str:
    """Pad a 6- or 9-digit code to the 12-digit form; refuse anything else."""
    code = raw.strip()
    if not code.isdigit() or len(code) not in (6, 9, 12):
        raise ValidationError(
            _("A region code is 6, 9 or 12 digits; got “%(code)s”."),
            code="region_code_format",
            params={"code": raw},
        )
    return code.ljust(12, "0")


def region_level_from_code(code: str) -> int:
    """The level (1 province … 5 village) a 12-digit code denotes."""
    if len(code) != 12 or not code.isdigit():
        raise ValidationError(
            _("A region code is 12 digits; got “%(code)s”."),
            code="region_code_format",
            params={"code": code},
        )
    if code[:2] == "00":
        raise ValidationError(
            _("“%(code)s” is not a region code: the province part cannot be 00."),
            code="region_code_province",
            params={"code": code},
        )
    # The level is that of the last non-zero segment. A segment in between may be
    # zero (e.g. 东莞 441900: townships sit directly under a city without counties).
    for level in (5, 4, 3, 2):
        if code[REGION_PREFIX_LENGTHS[level - 1] : REGION_PREFIX_LENGTHS[level]].strip("0"):
            return level
    return 1


def parent_region_code(code: str) -> str | None:
    level = region_level_from_code(code)
    if level == 1:
        return None
    keep = REGION_PREFIX_LENGTHS[level - 1]
    return code[:keep].ljust(12, "0")


def ancestor_region_codes(code: str) -> list[str]:
    """Codes of every ancestor, from the province down, computed from the code alone."""
    level = region_level_from_code(code)
    codes: list[str] = []
    for lv in range(1, level):
        ancestor = code[: REGION_PREFIX_LENGTHS[lv]].ljust(12, "0")
        if ancestor not in codes:
            codes.append(ancestor)
    return codes


def validate_region_code(value: str) -> None:
    region_level_from_code(value)


# The largest id a 64-bit database column holds; a longer number in a query string names nothing.
MAX_OBJECT_ID = 2**63 - 1


def parse_object_id(text: str | None) -> int | None:
    """A query parameter as an object id, or None when it is not a positive 64-bit integer."""
    value = (text or "").strip()
    if not value.isascii() or not value.isdigit() or len(value) > 19:
        return None
    number = int(value)
    return number if 0 < number <= MAX_OBJECT_ID else None


# Characters that reorder or hide text: a name "\u202e王秀英" (U+202E first) shows reversed, a name of zero-width
# spaces shows as nothing, and both make one person look like another (issue 14, finding 18).
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def visible_text_error(value: str) -> str | None:
    """Why this name cannot be shown as typed, or None."""
    import unicodedata

    from django.utils.translation import gettext as _

    if any(char in BIDI_CONTROLS for char in value):
        return _(
            "The text contains a character that reverses its direction (such as U+202E); type it again without it."
        )
    if not any(not char.isspace() and unicodedata.category(char) != "Cf" for char in value):
        return _("The text holds only invisible characters; enter the name as written.")
    return None
