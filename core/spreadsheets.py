"""Spreadsheet import and export, shared by every app.

An app describes one kind of import as an :class:`ImportSpec` (its columns, how
one row is checked, how the checked rows are written) and registers it. The
framework does the rest the same way for every kind: a downloadable template
with Chinese headers, reading an uploaded .xlsx safely, per-row errors, a
preview, and an all-or-nothing write after the user confirms (see
``core.services.import_batch_*`` and ``core.tasks``).
"""

from __future__ import annotations

import abc
import datetime
import functools
import io
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any, ClassVar

from django.db.models import Choices
from django.utils import translation
from django.utils.translation import gettext as _
from django_stubs_ext import StrOrPromise
from openpyxl import Workbook as XlsxWorkbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from core import normalise
from core.sheet_reader import ZIP_SIGNATURE, Cell, ImportFileError, Sheet, Workbook, file_format, read_workbook

if TYPE_CHECKING:
    from accounts.models import User

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
__all__ = ["ZIP_SIGNATURE", "ImportFileError"]


@dataclass(frozen=True)
class Column:
    key: str
    header: StrOrPromise
    required: bool = False
    example: str = ""
    help: StrOrPromise = ""
    # Other headers that name this column in the sheets offices keep (身份证号码 for 身份证号).
    synonyms: tuple[str, ...] = ()
    # A number in this column is refused (an ID number stored as a number has lost digits).
    text_only: bool = False

    def chinese_header(self) -> str:
        # Asked for every cell of every row: translated once (a frozen dataclass, so set it directly).
        cached: str | None = self.__dict__.get("_chinese_header")
        if cached is None:
            with translation.override("zh-hans"):
                cached = str(self.header)
            object.__setattr__(self, "_chinese_header", cached)
        return cached


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class ImportSpec(abc.ABC):
    """One kind of spreadsheet import. Subclass, then :func:`register` an instance."""

    kind: ClassVar[str]
    title: ClassVar[StrOrPromise]
    columns: ClassVar[list[Column]]
    max_rows: ClassVar[int] = 20000
    # The tables ``commit`` writes: re-sampled for the planner after a large import (core/statistics.py).
    analyze_tables: ClassVar[tuple[str, ...]] = ()

    @abc.abstractmethod
    def can_use(self, user: User) -> bool:
        """Whether this user may import this kind at all."""

    @abc.abstractmethod
    def clean_row(
        self, values: dict[str, str], *, row: int, user: User
    ) -> tuple[dict[str, Any] | None, list[RowError]]:
        """Check one row; return the cleaned record (or None) and its errors."""

    def clean_rows(
        self, rows: Sequence[tuple[int, dict[str, str]]], *, user: User
    ) -> Iterator[tuple[dict[str, Any] | None, list[RowError]]]:
        """:meth:`clean_row` for every ``(row number, values)`` of a file, in order. Override to read
        what the rows refer to (organizations, regions) in a few queries for the whole file."""
        for number, values in rows:
            yield self.clean_row(values, row=number, user=user)

    def check_rows(self, rows: list[tuple[int, dict[str, Any]]], *, user: User) -> list[RowError]:
        """Checks across rows (e.g. the same ID number twice). Rows are (row number, cleaned)."""
        return []

    @abc.abstractmethod
    def preview(self, cleaned: dict[str, Any]) -> list[str]:
        """How one record shows in the preview table. Mask sensitive values."""

    def preview_headers(self) -> list[str]:
        return [column.chinese_header() for column in self.columns]

    @property
    def headers(self) -> dict[str, str]:
        """Each column's Chinese header by key: what row errors name."""
        return {column.key: column.chinese_header() for column in self.columns}

    @abc.abstractmethod
    def commit(self, rows: list[dict[str, Any]], *, user: User, progress: Callable[[int], None]) -> int:
        """Write every record. Runs inside one transaction; raise to abort it all."""


_REGISTRY: dict[str, ImportSpec] = {}


def register(spec: ImportSpec) -> None:
    _REGISTRY[spec.kind] = spec


def unregister(kind: str) -> None:
    _REGISTRY.pop(kind, None)


def get_spec(kind: str) -> ImportSpec | None:
    return _REGISTRY.get(kind)


def registered_specs() -> list[ImportSpec]:
    """Every kind of import there is (the import API asks which of them a user may use)."""
    return list(_REGISTRY.values())


# --- templates and exports ---------------------------------------------------
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1D5F8A")


def template_workbook(spec: ImportSpec) -> bytes:
    """A blank template: headers (required ones marked *) and a sheet of instructions. Always in
    Chinese, the same for everyone: built once per kind (its 15,000 text cells take ~0.5 s)."""
    return _template_bytes(spec, spec.kind, repr(spec.columns))


@functools.lru_cache(maxsize=32)
def _template_bytes(spec: ImportSpec, _kind: str, _columns: str) -> bytes:
    workbook = XlsxWorkbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)  # noqa: S101 - a new workbook always has one sheet
    with translation.override("zh-hans"):
        sheet.title = str(spec.title)[:31]
        for index, column in enumerate(spec.columns, start=1):
            cell = sheet.cell(row=1, column=index, value=column.chinese_header() + ("*" if column.required else ""))
            cell.font = HEADER_FONT
            cell.fill = HEADER_FILL
            if column.help:
                cell.comment = Comment(str(column.help), "Referral Hub")
            sheet.column_dimensions[get_column_letter(index)].width = max(12, len(column.chinese_header()) * 2 + 4)
            # Text format keeps ID numbers and phone numbers from turning into floats.
            for row in range(2, 1002):
                sheet.cell(row=row, column=index).number_format = "@"
        sheet.freeze_panes = "A2"
        notes = workbook.create_sheet(str(_("Instructions")))
        notes.append(
            [str(_("Column")), str(_("Required")), str(_("Example")), str(_("Notes")), str(_("Also accepted as"))]
        )
        for column in spec.columns:
            others = [name for name in column_names(column) if name not in (column.chinese_header(), column.key)]
            notes.append(
                [
                    column.chinese_header(),
                    str(_("Yes")) if column.required else "",
                    column.example,
                    str(column.help),
                    "、".join(others),
                ]
            )
        notes.append([])
        for line in (
            _("Fill in the first sheet from row 2. Keep the header row unchanged."),
            _(
                "Your own sheet works too: .xlsx, .xls or .csv (UTF-8 or GBK); title rows above the header row "
                "are skipped; the sheet whose header row names every required column is read; a column may "
                "have any of the names in the last column above."
            ),
            _("Format ID-number columns as Text before typing or pasting: Excel keeps only 15 digits of a number."),
            _("Dates: 2024-03-05, 2024/3/5, 2024.3.5 or 2024年3月5日. Amounts: 1200, 1,200.50, 1200元 or 1.2万元."),
        ):
            notes.append([str(line)])
        for letter, width in zip("ABCDE", (18, 8, 26, 60, 40), strict=True):
            notes.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# A text starting with one of these is a formula (or becomes one) in Excel, WPS and LibreOffice.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    """Text that no spreadsheet runs as a formula: '=HYPERLINK(…) stays the letters the person typed."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def export_workbook(*, title: str, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """The one writer of every .xlsx export: streaming (write-only), every text cell stored as text.

    A name like ``=HYPERLINK("http://…","点击")`` must not become a live link or a formula in the
    office's copy: text is escaped (see :func:`safe_text`) and typed as a string, never a formula.
    """
    workbook = XlsxWorkbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.freeze_panes = "A2"
    sheet.append([_cell(str(header), sheet) for header in headers])
    for row in rows:
        sheet.append([_cell(value, sheet) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell(value: object, sheet: Any = None) -> object:
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)  # Excel has no time zones; values are already local
    if value is not None and not isinstance(value, (int, float, Decimal, datetime.date, datetime.time)):
        text = safe_text(str(value))
        if sheet is None:
            return text
        cell = WriteOnlyCell(sheet, value=text)
        cell.data_type = "s"  # openpyxl would otherwise store a leading = as a formula
        return cell
    return value


# --- reading uploads ----------------------------------------------------------
def check_upload(name: str, head: bytes, size: int, *, max_bytes: int) -> None:
    """Refuse a file that is not a spreadsheet we read, or is too large, before anything reads it."""
    if size > max_bytes:
        raise ImportFileError(
            _("The file is %(size).1f MB; the limit is %(limit).0f MB. Split it into smaller files.")
            % {"size": size / 1_048_576, "limit": max_bytes / 1_048_576},
            code="import_file_too_large",
        )
    kind = file_format(name, head)
    if kind == "html":
        raise ImportFileError(
            _(
                "This file is a web page named like an Excel file, as some systems export their tables. Open it "
                "in Excel or WPS, save it as .xlsx, and upload that."
            ),
            code="import_file_html",
        )
    if kind is None:
        raise ImportFileError(
            _(
                "Only Excel files (.xlsx, .xls) and .csv files can be imported. Download the template, fill it "
                "in and upload it again."
            ),
            code="import_file_type",
        )


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value) if abs(value) < 1e15 else normalise.excel_number(value)
    return normalise.text(value)


# How far down a sheet the header row is looked for (below a title, a unit line, a date line).
HEADER_SEARCH_ROWS = 30
# A row after the data that only signs the sheet off (合计, 制表人：…) is not a data row.
_FOOTER = ("合计", "总计", "小计", "制表", "填表", "审核", "负责人", "备注：", "说明：", "注：")


def column_names(column: Column) -> list[str]:
    """Every header that names this column: the template's, the English one, the key, the synonyms."""
    names = [column.chinese_header(), str(column.header), column.key, *column.synonyms]
    return list(dict.fromkeys(name for name in names if name))


def _header_variants(value: object) -> list[str]:
    name = normalise.header(value)
    bare = re.sub(r"\([^()]*\)$", "", name)  # 金额(元) also answers to 金额
    return [name] if bare == name or not bare else [name, bare]


def _header_table(spec: ImportSpec) -> dict[str, str]:
    table: dict[str, str] = {}
    clashes: set[str] = set()
    for column in spec.columns:
        for name in column_names(column):
            for variant in _header_variants(name):
                if table.get(variant, column.key) != column.key:
                    clashes.add(variant)
                table.setdefault(variant, column.key)
    return {name: key for name, key in table.items() if name not in clashes}


def _match_header(row: Sequence[object], table: Mapping[str, str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, cell in enumerate(row):
        for variant in _header_variants(cell):
            found = table.get(variant)
            if found and found not in positions:
                positions[found] = index
                break
    return positions


@dataclass
class SheetRead:
    """Where the rows came from: shown on the batch page ("read sheet 花名册, header in row 3")."""

    format: str
    sheet: str
    header_row: int
    encoding: str
    positions: dict[str, int]
    headers: list[str]
    rows: list[tuple[int, list[Cell]]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "sheet": self.sheet,
            "header_row": self.header_row,
            "encoding": self.encoding,
            "columns": {key: self.headers[index] for key, index in self.positions.items()},
        }


def read_sheet(file: IO[bytes], spec: ImportSpec, *, name: str) -> SheetRead:
    """Find the sheet and the row whose headers name every required column; return its data rows.

    Raises ImportFileError for a damaged or oversized file, missing required columns, or too many rows.
    """
    workbook = read_workbook(file, name)
    table = _header_table(spec)
    required = [column for column in spec.columns if column.required]
    best: tuple[int, Sheet, int, dict[str, int]] | None = None
    for sheet in workbook.sheets:
        for offset, row in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
            positions = _match_header(row, table)
            if all(column.key in positions for column in required):
                return _data_rows(workbook, sheet, offset, positions, spec)
            if best is None or len(positions) > best[0]:
                best = (len(positions), sheet, offset, positions)
    if not any(sheet.rows for sheet in workbook.sheets):
        raise ImportFileError(_("The file has no data rows."), code="import_file_empty")
    found = best[3] if best is not None and best[0] >= 2 else {}
    missing = [column.chinese_header() for column in required if column.key not in found]
    raise ImportFileError(
        _(
            "No sheet has a header row with these required columns: %(columns)s. Check the column names: the "
            "names each column may have are listed on the template's instructions sheet."
        )
        % {"columns": "、".join(missing)},
        code="import_file_columns",
    )


def _data_rows(workbook: Workbook, sheet: Sheet, offset: int, positions: dict[str, int], spec: ImportSpec) -> SheetRead:
    header_cells = sheet.rows[offset]
    rows: list[tuple[int, list[Cell]]] = []
    for index, raw in enumerate(sheet.rows[offset + 1 :], start=offset + 1):
        mapped = [raw[position] for position in positions.values() if position < len(raw)]
        filled = [_text(value) for value in mapped if _text(value)]
        if not filled:
            continue
        if len(filled) == 1 and filled[0].startswith(_FOOTER):
            continue
        rows.append((sheet.first_row + index, raw))
        if len(rows) > spec.max_rows:
            raise ImportFileError(
                _("The file has more than %(max)d rows. Split it into smaller files.") % {"max": spec.max_rows},
                code="import_file_too_many_rows",
            )
    return SheetRead(
        format=workbook.format,
        sheet=sheet.name,
        header_row=sheet.first_row + offset,
        encoding=workbook.encoding,
        positions=positions,
        headers=[_text(cell) for cell in header_cells],
        rows=rows,
    )


def row_values(read: SheetRead, raw: Sequence[Cell], spec: ImportSpec) -> tuple[dict[str, str], dict[str, str]]:
    """The row as text by column key, and the text-only columns that held a number (key → as Excel shows it)."""
    text_only = {column.key for column in spec.columns if column.text_only}
    values: dict[str, str] = {}
    numeric: dict[str, str] = {}
    for key, index in read.positions.items():
        value = raw[index] if index < len(raw) else None
        if key in text_only and isinstance(value, (int, float)) and not isinstance(value, bool):
            numeric[key] = normalise.excel_number(value)
            values[key] = numeric[key]
        else:
            values[key] = _text(value)
    return values, numeric


def read_rows(file: IO[bytes], spec: ImportSpec, *, name: str = ".xlsx") -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (row number, values by column key) for every non-empty data row."""
    read = read_sheet(file, spec, name=name)
    for number, raw in read.rows:
        yield number, row_values(read, raw, spec)[0]


@dataclass
class CheckedFile:
    rows: list[tuple[int, dict[str, Any]]]
    errors: list[RowError]
    total: int
    source: dict[str, Any] = field(default_factory=dict)

    @property
    def valid(self) -> int:
        """Rows with no error at all, the checks across rows (duplicates) included."""
        failed = {error.row for error in self.errors}
        return sum(1 for number, _record in self.rows if number not in failed)


def zeroed_id_cells(
    spec: ImportSpec, rows: Sequence[tuple[dict[str, str], dict[str, str]]]
) -> tuple[set[str], dict[int, set[str]]]:
    """The text-only (ID number) columns where the file shows Excel's loss of digits, and the cells
    that read like what is left (451029196711093000: 15 digits, then zeros) by row position (0, 1, …).

    A column shows the loss when a cell of it held a number or its scientific spelling, or when two or
    more such values make at least a tenth of it: real ID numbers end in 000 about once in 1,100, a
    column Excel turned into numbers nearly always (all but those ending in X)."""
    columns: set[str] = set()
    cells: dict[int, set[str]] = {}
    for key in (column.key for column in spec.columns if column.text_only):
        filled = cut = 0
        for position, (values, numeric) in enumerate(rows):
            value = values.get(key, "")
            if key in numeric or normalise.scientific(value):
                columns.add(key)
            elif normalise.zeroed_id(value):
                cells.setdefault(position, set()).add(key)
                cut += 1
            filled += bool(value.strip())
        if cut >= 2 and cut * 10 >= filled:
            columns.add(key)
    return columns, cells


def check_file(
    file: IO[bytes],
    spec: ImportSpec,
    *,
    user: User,
    name: str = ".xlsx",
    progress: Callable[[int], None] | None = None,
) -> CheckedFile:
    """Check every row of the file; nothing is written."""
    read = read_sheet(file, spec, name=name)
    headers = {column.key: column.chinese_header() for column in spec.columns}
    cleaned: list[tuple[int, dict[str, Any]]] = []
    errors: list[RowError] = []
    total = len(read.rows)
    rows = [(number, *row_values(read, raw, spec)) for number, raw in read.rows]
    lost_columns, zeroed = zeroed_id_cells(spec, [(values, numeric) for _number, values, numeric in rows])
    results = spec.clean_rows([(number, values) for number, values, _numeric in rows], user=user)
    for done, ((number, values, numeric), (record, row_errors)) in enumerate(zip(rows, results, strict=True), start=1):
        for key in zeroed.get(done - 1, ()):
            # 451029196711093000 (a number column saved as .csv): Excel's loss when the column shows it
            # or the ID check refused the value, even if the check digit happens to match.
            if key in lost_columns or any(error.column == headers[key] for error in row_errors):
                numeric[key] = normalise.code(values[key]).replace(" ", "")
        if numeric:
            # A number in an ID column lost its last digits; whatever the row check made of it, say that.
            flagged = {headers[key] for key in numeric}
            row_errors = [error for error in row_errors if error.column not in flagged]
            for key, shown in numeric.items():
                message = normalise.numeric_id_error(normalise.excel_general(float(shown))).messages[0]
                row_errors.append(RowError(number, headers[key], message))
        errors.extend(row_errors)
        if record is not None and not row_errors:
            cleaned.append((number, record))
        if progress is not None and (done % 500 == 0 or done == total):
            progress(int(done * 100 / max(total, 1)))
    errors.extend(spec.check_rows(cleaned, user=user))
    if total == 0:
        errors.append(RowError(0, "", _("The file has no data rows.")))
    errors.sort(key=lambda error: error.row)
    return CheckedFile(rows=cleaned, errors=errors, total=total, source=read.as_dict())


def error_report(file: IO[bytes] | None, spec: ImportSpec, *, name: str, errors: Sequence[Mapping[str, Any]]) -> bytes:
    """The user's own rows, each with its problems beside it, as an .xlsx to correct and upload again."""
    by_row: dict[int, list[str]] = {}
    for error in errors:
        text = f"{error['column']}：{error['message']}" if error.get("column") else str(error["message"])
        by_row.setdefault(int(error.get("row") or 0), []).append(text)
    headers: list[str] = []
    rows: list[tuple[int, list[Cell]]] = []
    if file is not None:
        try:
            read = read_sheet(file, spec, name=name)
            headers, rows = read.headers, read.rows
        except ImportFileError:
            pass  # the file itself was refused: the report has its one error
    with translation.override("zh-hans"):
        report_headers = [str(_("Problems")), str(_("Row")), *headers]
        general = [[" ".join(by_row.pop(0)), "", *([""] * len(headers))]] if 0 in by_row else []
        body = (["；".join(by_row.get(number, [])), number, *raw] for number, raw in rows)
        return export_workbook(title=str(_("Problems")), headers=report_headers, rows=[*general, *body])


# --- reading coded values ---------------------------------------------------------
_CHOICE_LOOKUPS: dict[tuple[tuple[str, ...], tuple[tuple[str, str], ...], str | None], dict[str, str]] = {}


def choice_lookup(
    choices: Sequence[tuple[str, Any]], *, short_names: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Map what people type in a spreadsheet cell to a code.

    Accepted: the code itself, the label in the active language or in Chinese, each part
    of a Chinese label split at （…） or “/”, and the short names a sheet commonly uses
    (e.g. 低保, 低边, 失能). Keys are as normalise.key makes them. Cached per code list and language,
    because imports call it for every row.
    """
    names = tuple(sorted((short_names or {}).items()))
    key = (tuple(code for code, _label in choices), names, translation.get_language())
    table = _CHOICE_LOOKUPS.get(key)
    if table is None:
        codes = {code for code, _label in choices}
        table = {normalise.key(name): code for name, code in names if code in codes}
        for code, label in choices:
            table[normalise.key(code)] = code
            table[normalise.key(label)] = code
            with translation.override("zh-hans"):
                chinese = str(label)
            table[normalise.key(chinese)] = code
            for part in chinese.replace("（", "/").replace("）", "/").split("/"):
                if part.strip():
                    table.setdefault(normalise.key(part), code)
        _CHOICE_LOOKUPS[key] = table
    return table


_CODE_TABLES: dict[tuple[object, ...], dict[str, str]] = {}


def code_table(choices: type[Choices], *synonyms: Mapping[str, str]) -> dict[str, str]:
    """:func:`choice_lookup` for a code list and synonym tables, built once per language.

    ``synonyms`` must be module-level constants (they are cached by identity); later tables win.
    """
    key = (choices, *map(id, synonyms), translation.get_language())
    table = _CODE_TABLES.get(key)
    if table is None:
        merged: dict[str, str] = {}
        for names in synonyms:
            merged.update(names)
        table = _CODE_TABLES[key] = choice_lookup(choices.choices, short_names=merged)
    return table


def lookup_code(table: Mapping[str, str], value: object) -> str | None:
    """The code a cell names in a :func:`choice_lookup` table (full-width, spaces and case ignored)."""
    return table.get(normalise.key(value))


LIST_SEPARATORS = ",，、;；/"


def split_list(value: str) -> list[str]:
    """Split a cell holding several values: 医疗、康复 / 低保，残疾 / living; medical."""
    value = normalise.text(value)
    for separator in LIST_SEPARATORS:
        value = value.replace(separator, ",")
    return [part.strip() for part in value.split(",") if part.strip()]
