"""Reading an uploaded spreadsheet, whatever made it: .xlsx, .xls or .csv, as offices have them.

* .xlsx is read by python-calamine (fast, Rust), but only after a guard: a zip can expand a
  thousandfold (an 820 KB file whose shared strings make 800 MB), and calamine lays every sheet out
  as a dense grid, so two cells at A1 and XFD1048576 would ask for 17 billion cells and abort the
  process. The guard decompresses each member itself with a running total (refusing as soon as the
  limit is passed), measures each sheet's grid from its cell references, and hands calamine an
  uncompressed copy of exactly the bytes it checked.
* .xls is read by xlrd: the format is not compressed, so the file's size bounds the work, and xlrd
  keeps rows ragged (a sparse sheet stays small).
* .csv is decoded as UTF-8 (with or without BOM), UTF-16 (Excel's "Unicode text") or, when it is
  not UTF-8, as detected by charset-normalizer (GBK/GB18030 from WPS and older Excel).

The result is a list of sheets, each a list of rows of cell values (str, float, date, bool).
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _

from core.errors import ReferralHubError

ZIP_SIGNATURE = b"PK\x03\x04"
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
Cell = str | float | int | bool | datetime.date | datetime.datetime | datetime.time | datetime.timedelta | None


class ImportFileError(ReferralHubError):
    """The file as a whole cannot be read (wrong type, damaged, too large, wrong columns)."""

    code = "import_file"


@dataclass
class Sheet:
    name: str
    first_row: int  # the spreadsheet row number of rows[0] (1 unless the sheet starts lower)
    rows: list[list[Cell]]


@dataclass
class Workbook:
    format: str  # "xlsx", "xls" or "csv"
    sheets: list[Sheet]
    encoding: str = ""
    notes: list[str] = field(default_factory=list)


def file_format(name: str, head: bytes) -> str | None:
    """What the file is, from its name and first bytes; None when it is none of ours.

    Systems and people mislabel files: an .xlsx saved as .xls (or the reverse) is read as what its
    bytes say; a web page named .xls (some systems export their tables so) is "html", refused with
    its own message.
    """
    lower = name.lower()
    if not lower.endswith((".xlsx", ".xls", ".csv", ".txt")):
        return None
    if head.startswith(ZIP_SIGNATURE):
        return "xlsx" if lower.endswith((".xlsx", ".xls")) else None
    if head.startswith(OLE2_SIGNATURE):
        return "xls" if lower.endswith((".xlsx", ".xls")) else None
    if lower.endswith((".xlsx", ".xls")):
        text = head.lstrip(codecs.BOM_UTF8).lstrip().lower()
        return "html" if text.startswith((b"<", b"\xff\xfe<", b"\xfe\xff\x00<")) else None
    if b"\0" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None  # binary, not text
    return "csv"


def damaged() -> ImportFileError:
    return ImportFileError(
        _("The file cannot be read as an Excel workbook; it may be damaged or incomplete. Save it again as .xlsx."),
        code="import_file_damaged",
    )


def too_big() -> ImportFileError:
    return ImportFileError(
        _(
            "The file holds more data than can be checked at once (over %(cells)s cells, or %(mb)d MB once "
            "unpacked). Delete empty formatted rows and columns or split it into smaller files."
        )
        % {"cells": f"{settings.IMPORT_MAX_CELLS:,}", "mb": settings.IMPORT_MAX_EXPANDED_BYTES // 1_048_576},
        code="import_file_too_big",
    )


def read_workbook(file: IO[bytes], name: str) -> Workbook:
    data = file.read(settings.IMPORT_MAX_UPLOAD_BYTES + 1)
    kind = file_format(name, data[:64])
    if kind == "xlsx":
        return _read_xlsx(data)
    if kind == "xls":
        return _read_xls(data)
    if kind == "csv":
        return _read_csv(data)
    raise damaged()


# --- .xlsx -------------------------------------------------------------------------------------
_ROW_REF = re.compile(rb"<row\b[^>]*?\sr=\"(\d+)\"")
_CELL_REF = re.compile(rb"<c\b[^>]*?\sr=\"([A-Z]{1,3})(\d+)\"")
_CELL_TAG = re.compile(rb"<c[\s>/]")
_ROW_TAG = re.compile(rb"<row[\s>/]")


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _checked_xlsx(data: bytes) -> bytes:
    """An uncompressed copy of the workbook, after checking its unpacked size and each sheet's grid."""
    limit, max_cells = settings.IMPORT_MAX_EXPANDED_BYTES, settings.IMPORT_MAX_CELLS
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
        if sum(info.file_size for info in members) > limit or len(members) > 10_000:
            raise too_big()  # what the archive says, before unpacking anything
        total = 0
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as stored:
            for info in members:
                chunks: list[bytes] = []
                is_sheet = info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")
                max_row = max_col = rows = cells = 0
                tail = b""
                with archive.open(info) as member:
                    while chunk := member.read(1 << 20):
                        total += len(chunk)
                        if total > limit:
                            raise too_big()  # the archive lied about its sizes: stop unpacking now
                        chunks.append(chunk)
                        if is_sheet:
                            window = tail + chunk
                            for found in _ROW_REF.finditer(window):
                                max_row = max(max_row, int(found.group(1)))
                            for found in _CELL_REF.finditer(window):
                                max_col = max(max_col, _column_number(found.group(1)))
                                max_row = max(max_row, int(found.group(2)))
                            rows += len(_ROW_TAG.findall(chunk))
                            cells += len(_CELL_TAG.findall(chunk))
                            tail = chunk[-200:]
                            grid = max(max_row, rows) * max(max_col, 1 if max_col else min(cells, 16384))
                            if grid > max_cells or cells > max_cells:
                                raise too_big()
                stored.writestr(info, b"".join(chunks), compress_type=zipfile.ZIP_STORED)
        return out.getvalue()
    except ImportFileError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError, ValueError) as error:
        raise damaged() from error


def _read_xlsx(data: bytes) -> Workbook:
    from python_calamine import CalamineError, CalamineWorkbook

    checked = _checked_xlsx(data)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(checked))
        sheets = []
        for sheet_name in book.sheet_names:
            sheet = book.get_sheet_by_name(sheet_name)
            start = sheet.start or (0, 0)
            rows: list[list[Cell]] = [list(row) for row in sheet.iter_rows()] if sheet.height else []
            sheets.append(Sheet(name=sheet_name, first_row=start[0] + 1, rows=rows))
    except (CalamineError, OSError, ValueError, EOFError) as error:
        raise damaged() from error
    except Exception as error:  # calamine's own exceptions (XmlError, ZipError…) share no base class
        if type(error).__module__.startswith("python_calamine"):
            raise damaged() from error
        raise
    return Workbook(format="xlsx", sheets=sheets)


# --- .xls --------------------------------------------------------------------------------------
def _read_xls(data: bytes) -> Workbook:
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, ragged_rows=True, on_demand=True)
    except Exception as error:  # xlrd raises XLRDError, CompDocError, struct.error, AssertionError…
        raise damaged() from error
    sheets = []
    cells = 0
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            rows: list[list[Cell]] = []
            for number in range(sheet.nrows):
                row: list[Cell] = []
                for cell in sheet.row(number):
                    cells += 1
                    if cell.ctype == xlrd.XL_CELL_DATE:
                        try:
                            row.append(xlrd.xldate.xldate_as_datetime(float(cell.value), book.datemode))
                        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
                            row.append(cell.value)
                    elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
                        row.append(None)
                    elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                        row.append(bool(cell.value))
                    else:
                        row.append(cell.value)
                rows.append(row)
                if cells > settings.IMPORT_MAX_CELLS:
                    raise too_big()
            sheets.append(Sheet(name=sheet.name, first_row=1, rows=rows))
            book.unload_sheet(index)
    except ImportFileError:
        raise
    except Exception as error:
        raise damaged() from error
    return Workbook(format="xls", sheets=sheets)


# --- .csv --------------------------------------------------------------------------------------
def _decode(data: bytes) -> tuple[str, str]:
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError:
                raise _not_text() from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=["gb18030", "big5", "utf_16_le", "utf_16_be"]).best()
    if best is None:
        raise _not_text()
    encoding = "gb18030" if best.encoding in ("gb2312", "gbk", "gb18030") else best.encoding
    try:
        return data.decode(encoding), encoding
    except (UnicodeDecodeError, LookupError):
        raise _not_text() from None


def _not_text() -> ImportFileError:
    return ImportFileError(
        _("The .csv file is not text in a known encoding (UTF-8 or GBK). Save it again from Excel or WPS."),
        code="import_file_encoding",
    )


def _read_csv(data: bytes) -> Workbook:
    content, encoding = _decode(data)
    first = content.split("\n", 5)[:5]
    delimiter = max(",\t;", key=lambda sign: sum(line.count(sign) for line in first))
    rows: list[list[Cell]] = []
    cells = 0
    try:
        for row in csv.reader(io.StringIO(content, newline=""), delimiter=delimiter):
            cells += len(row)
            if cells > settings.IMPORT_MAX_CELLS:
                raise too_big()
            rows.append(list(row))
    except csv.Error as error:
        raise damaged() from error
    return Workbook(format="csv", sheets=[Sheet(name="", first_row=1, rows=rows)], encoding=encoding)
