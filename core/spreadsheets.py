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
import io
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import IO, TYPE_CHECKING, Any, ClassVar

from django.utils import translation
from django.utils.translation import gettext as _
from django_stubs_ext import StrOrPromise
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from core.errors import ReferralHubError

if TYPE_CHECKING:
    from accounts.models import User

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIP_SIGNATURE = b"PK\x03\x04"


class ImportFileError(ReferralHubError):
    """The file as a whole cannot be read (wrong type, damaged, too large, wrong columns)."""

    code = "import_file"


@dataclass(frozen=True)
class Column:
    key: str
    header: StrOrPromise
    required: bool = False
    example: str = ""
    help: StrOrPromise = ""

    def chinese_header(self) -> str:
        with translation.override("zh-hans"):
            return str(self.header)


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

    @abc.abstractmethod
    def can_use(self, user: User) -> bool:
        """Whether this user may import this kind at all."""

    @abc.abstractmethod
    def clean_row(
        self, values: dict[str, str], *, row: int, user: User
    ) -> tuple[dict[str, Any] | None, list[RowError]]:
        """Check one row; return the cleaned record (or None) and its errors."""

    def check_rows(self, rows: list[tuple[int, dict[str, Any]]], *, user: User) -> list[RowError]:
        """Checks across rows (e.g. the same ID number twice). Rows are (row number, cleaned)."""
        return []

    @abc.abstractmethod
    def preview(self, cleaned: dict[str, Any]) -> list[str]:
        """How one record shows in the preview table. Mask sensitive values."""

    def preview_headers(self) -> list[str]:
        return [column.chinese_header() for column in self.columns]

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


# --- templates and exports ---------------------------------------------------
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1D5F8A")


def template_workbook(spec: ImportSpec) -> bytes:
    """A blank template: headers (required ones marked *) and a sheet of instructions."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # noqa: S101 - a new workbook always has one sheet
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
        notes.append([str(_("Column")), str(_("Required")), str(_("Example")), str(_("Notes"))])
        for column in spec.columns:
            notes.append(
                [column.chinese_header(), str(_("Yes")) if column.required else "", column.example, str(column.help)]
            )
        notes.append([])
        notes.append([str(_("Fill in the first sheet from row 2. Keep the header row unchanged."))])
        for letter, width in zip("ABCD", (18, 8, 26, 60), strict=True):
            notes.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_workbook(*, title: str, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """Write rows to an .xlsx in streaming (write-only) mode, so large exports stay small in memory."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.freeze_panes = "A2"
    sheet.append(list(headers))
    for row in rows:
        sheet.append([_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell(value: object) -> object:
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)  # Excel has no time zones; values are already local
    return value


# --- reading uploads ----------------------------------------------------------
def check_upload(name: str, head: bytes, size: int, *, max_bytes: int) -> None:
    """Refuse a file that is not an .xlsx or is too large, before anything reads it."""
    if size > max_bytes:
        raise ImportFileError(
            _("The file is %(size).1f MB; the limit is %(limit).0f MB. Split it into smaller files.")
            % {"size": size / 1_048_576, "limit": max_bytes / 1_048_576},
            code="import_file_too_large",
        )
    if not name.lower().endswith(".xlsx") or not head.startswith(ZIP_SIGNATURE):
        raise ImportFileError(
            _("Only Excel .xlsx files can be imported. Download the template, fill it in and upload it again."),
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
        if value.is_integer():
            return str(int(value))
        return repr(value)
    return str(value).strip()


def read_rows(file: IO[bytes], spec: ImportSpec) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (row number, values by column key) for every non-empty data row.

    Raises ImportFileError for a damaged file, missing required columns, or too many rows.
    """
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, EOFError) as error:
        raise ImportFileError(
            _("The file cannot be read as an Excel workbook; it may be damaged or incomplete. Save it again as .xlsx."),
            code="import_file_damaged",
        ) from error
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        try:
            header_row = next(rows)
        except StopIteration:
            raise ImportFileError(_("The first sheet is empty."), code="import_file_empty") from None
        positions = _header_positions(header_row, spec)
        count = 0
        for number, raw in enumerate(rows, start=2):
            values = {key: _text(raw[index]) if index < len(raw) else "" for key, index in positions.items()}
            if not any(values.values()):
                continue
            count += 1
            if count > spec.max_rows:
                raise ImportFileError(
                    _("The file has more than %(max)d rows. Split it into smaller files.") % {"max": spec.max_rows},
                    code="import_file_too_many_rows",
                )
            yield number, values
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError) as error:
        # A truncated file can open and then fail half way through the rows.
        raise ImportFileError(
            _("The file cannot be read as an Excel workbook; it may be damaged or incomplete. Save it again as .xlsx."),
            code="import_file_damaged",
        ) from error
    finally:
        workbook.close()


def _header_positions(header_row: Sequence[object], spec: ImportSpec) -> dict[str, int]:
    def normalise(value: object) -> str:
        return _text(value).rstrip("*＊ ").strip().lower()

    by_header = {normalise(cell): index for index, cell in enumerate(header_row) if _text(cell)}
    positions: dict[str, int] = {}
    missing: list[str] = []
    for column in spec.columns:
        for candidate in (column.chinese_header(), str(column.header), column.key):
            if normalise(candidate) in by_header:
                positions[column.key] = by_header[normalise(candidate)]
                break
        else:
            if column.required:
                missing.append(column.chinese_header())
    if missing:
        raise ImportFileError(
            _("These required columns are missing from the first row: %(columns)s. Use the template.")
            % {"columns": "、".join(missing)},
            code="import_file_columns",
        )
    return positions


@dataclass
class CheckedFile:
    rows: list[tuple[int, dict[str, Any]]]
    errors: list[RowError]
    total: int


def check_file(
    file: IO[bytes], spec: ImportSpec, *, user: User, progress: Callable[[int], None] | None = None
) -> CheckedFile:
    """Check every row of the file; nothing is written."""
    raw_rows = list(read_rows(file, spec))
    cleaned: list[tuple[int, dict[str, Any]]] = []
    errors: list[RowError] = []
    total = len(raw_rows)
    for done, (number, values) in enumerate(raw_rows, start=1):
        record, row_errors = spec.clean_row(values, row=number, user=user)
        errors.extend(row_errors)
        if record is not None and not row_errors:
            cleaned.append((number, record))
        if progress is not None and (done % 500 == 0 or done == total):
            progress(int(done * 100 / max(total, 1)))
    errors.extend(spec.check_rows(cleaned, user=user))
    if total == 0:
        errors.append(RowError(0, "", _("The file has no data rows.")))
    errors.sort(key=lambda error: error.row)
    return CheckedFile(rows=cleaned, errors=errors, total=total)


# --- reading coded values ---------------------------------------------------------
_CHOICE_LOOKUPS: dict[tuple[tuple[str, ...], tuple[tuple[str, str], ...], str | None], dict[str, str]] = {}


def choice_lookup(
    choices: Sequence[tuple[str, Any]], *, short_names: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Map what people type in a spreadsheet cell to a code.

    Accepted: the code itself, the label in the active language or in Chinese, each part
    of a Chinese label split at （…） or “/”, and the short names a sheet commonly uses
    (e.g. 低保, 低边, 失能). Keys are lower-cased. Cached per code list and language,
    because imports call it for every row.
    """
    names = tuple(sorted((short_names or {}).items()))
    key = (tuple(code for code, _label in choices), names, translation.get_language())
    table = _CHOICE_LOOKUPS.get(key)
    if table is None:
        codes = {code for code, _label in choices}
        table = {name.lower(): code for name, code in names if code in codes}
        for code, label in choices:
            table[code.lower()] = code
            table[str(label).lower()] = code
            with translation.override("zh-hans"):
                chinese = str(label)
            table[chinese.lower()] = code
            for part in chinese.replace("（", "/").replace("）", "/").split("/"):
                if part.strip():
                    table.setdefault(part.strip().lower(), code)
        _CHOICE_LOOKUPS[key] = table
    return table


LIST_SEPARATORS = ",，、;；/"


def split_list(value: str) -> list[str]:
    """Split a cell holding several values: 医疗、康复 / 低保，残疾 / living; medical."""
    for separator in LIST_SEPARATORS:
        value = value.replace(separator, ",")
    return [part.strip() for part in value.split(",") if part.strip()]
