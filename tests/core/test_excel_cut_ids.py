"""ID numbers Excel already cut before the file reached us (issue #12): a GBK .csv saved by Excel
from a number column shows 451029196711093000 (Number format) or 4.51029E+17 (General). Both are
refused with the message naming Excel's 15 digits, even when the cut number's check digit happens
to match; a real ID number that ends in 000 among whole ones is still accepted."""

from __future__ import annotations

import datetime
from decimal import Decimal

from beneficiaries.validators import id_check_char
from core.models import ImportStatus
from tests.core.test_office_spreadsheets import NUMERIC_ID, digits_only_id, office_csv, people, upload  # noqa: F401


def excel_cut(number: str) -> str:
    """What a number column keeps of an ID number, shown in full: 15 significant digits, then zeros."""
    return str(int(Decimal(format(float(number), ".15G"))))


def cut_that_passes_the_check(born: datetime.date) -> str:
    """An ID number whose Excel-cut form still has a valid check digit (about one in eleven)."""
    for serial in range(1, 1000):
        body = f"610622{born:%Y%m%d}{serial:03d}"
        if id_check_char(body) == "X":
            continue  # an ID number ending in X stays text in Excel
        cut = excel_cut(body + id_check_char(body))
        if id_check_char(cut[:17]) == cut[17]:
            return cut
    raise AssertionError("no cut number with a matching check digit")


def id_errors(batch) -> list[tuple[int, str]]:
    return [(e["row"], e["message"]) for e in batch.errors if e["column"] == "身份证号"]


def test_a_gbk_csv_excel_saved_from_a_number_column_is_refused_on_every_cut_row(upload):  # noqa: F811
    rows = people()
    for row in rows:
        row[2] = excel_cut(str(row[2]))
    rows[1][2] = cut_that_passes_the_check(datetime.date(1964, 7, 9))  # would pass the check digit
    batch = upload("走访排查台账.csv", office_csv(rows, "gbk"))
    assert batch.status == ImportStatus.INVALID and batch.valid_rows == 0
    shown = [format(float(str(row[2])), ".6G") for row in rows]  # 6.10622E+17: too short to identify anyone
    assert id_errors(batch) == [(3 + n, NUMERIC_ID.format(value=value)) for n, value in enumerate(shown)]


def test_one_cut_value_whose_check_fails_gets_excels_message_not_the_check_digit_one(upload):  # noqa: F811
    rows = people(1)
    number = digits_only_id(datetime.date(1962, 4, 1))
    while id_check_char(excel_cut(number)[:17]) == "0":
        number = digits_only_id(datetime.date(1962, 4, 1))
    rows[0][2] = excel_cut(number)
    batch = upload("走访排查台账.csv", office_csv(rows, "gbk"))
    assert id_errors(batch) == [(3, NUMERIC_ID.format(value=format(float(str(rows[0][2])), ".6G")))]


def test_a_general_column_saved_as_csv_is_refused_in_its_scientific_spelling(upload):  # noqa: F811
    rows = people()
    rows[0][2] = "4.51029E+17"  # a General cell, as Excel shows and saves it
    rows[1][2] = cut_that_passes_the_check(datetime.date(1964, 7, 9))  # the same column, shown in full
    batch = upload("走访排查台账.csv", office_csv(rows, "gbk"))
    assert batch.status == ImportStatus.INVALID
    errors = id_errors(batch)
    assert errors[0] == (3, NUMERIC_ID.format(value="4.51029E+17"))
    assert errors[1] == (4, NUMERIC_ID.format(value=format(float(str(rows[1][2])), ".6G")))


def test_a_real_id_number_ending_in_000_among_whole_ones_is_accepted(upload):  # noqa: F811
    rows = people()
    born = datetime.date(1962, 4, 1)
    while not str(rows[0][2]).endswith("000"):  # a sequence number ending in 00 and a check digit 0
        born += datetime.timedelta(days=1)
        body = f"610622{born:%Y%m%d}100"
        if id_check_char(body) == "0":
            rows[0][2] = body + "0"
    assert str(rows[0][2]).endswith("000")
    batch = upload("走访排查台账.csv", office_csv(rows, "gbk"))
    assert batch.status == ImportStatus.READY, batch.errors
    assert batch.valid_rows == 3
