"""Spreadsheets the fault tests upload."""

from __future__ import annotations

import io
from datetime import date, timedelta

from openpyxl import Workbook

from beneficiaries.imports import VisitRegisterImport
from tests.factories import valid_id_number


def good_workbook(rows: int = 30, *, prefix: str = "B", born_from: date = date(1950, 1, 1)) -> bytes:
    """A visit register (走访排查台账) of `rows` one-person households in our village."""
    spec = VisitRegisterImport()
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([column.chinese_header() for column in spec.columns])
    for number in range(rows):
        values = {
            "name": f"走访{prefix}{number}",
            "id_number": valid_id_number(born_from + timedelta(days=number)),
            "household": f"YP-{prefix}{number:03d}",
            "relation": "户主",
            "region": "610622100201",
            "address": "永坪村",
        }
        sheet.append([values.get(column.key, "") for column in spec.columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
