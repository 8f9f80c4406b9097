"""Writes for regions and organizations."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.models import Region
from core.validators import normalize_region_code, parent_region_code, region_level_from_code


@dataclass
class RowError:
    line: int
    message: str


@dataclass
class RegionImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _first_message(error: ValidationError) -> str:
    return str(error.messages[0]) if error.messages else str(error)


def regions_import_csv(*, text: str, dry_run: bool = False) -> RegionImportResult:
    """Import a region code table (CSV with ``code,name`` and optional ``parent``).

    All or nothing: with any bad row nothing is written and every bad row is
    reported with its line number. Re-importing the same table changes nothing.
    Parents come from the code itself; a ``parent`` column, when given, must agree.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    result = RegionImportResult()
    headers = {name.strip().lower() for name in (reader.fieldnames or [])}
    if not {"code", "name"} <= headers:
        result.errors.append(RowError(1, _("The first line must name the columns “code” and “name”.")))
        return result

    rows: dict[str, tuple[int, str, int, str | None]] = {}
    for line, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        name = row.get("name", "")
        try:
            code = normalize_region_code(row.get("code", ""))
            level = region_level_from_code(code)
        except ValidationError as error:
            result.errors.append(RowError(line, _first_message(error)))
            continue
        if not name:
            result.errors.append(RowError(line, _("Region %(code)s has no name.") % {"code": code}))
            continue
        if len(name) > 100:
            result.errors.append(
                RowError(line, _("The name of region %(code)s is longer than 100 characters.") % {"code": code})
            )
            continue
        parent = parent_region_code(code)
        declared = row.get("parent", "")
        if declared:
            try:
                declared_code = normalize_region_code(declared)
            except ValidationError as error:
                result.errors.append(RowError(line, _first_message(error)))
                continue
            if declared_code != parent:
                result.errors.append(
                    RowError(
                        line,
                        _("Region %(code)s cannot sit under %(parent)s: its code says its parent is %(expected)s.")
                        % {"code": code, "parent": declared_code, "expected": parent},
                    )
                )
                continue
        if code in rows:
            result.errors.append(
                RowError(
                    line,
                    _("Region %(code)s appears twice (first on line %(first)d).")
                    % {"code": code, "first": rows[code][0]},
                )
            )
            continue
        rows[code] = (line, name, level, parent)

    existing = {r.code: r for r in Region.objects.filter(code__in=[*rows, *(p for *_, p in rows.values() if p)])}
    for code, (line, _name, _level, parent) in rows.items():
        if parent and parent not in rows and parent not in existing:
            result.errors.append(
                RowError(
                    line,
                    _("The parent region %(parent)s of %(code)s is neither in the file nor in the system.")
                    % {"parent": parent, "code": code},
                )
            )
    if result.errors:
        result.errors.sort(key=lambda e: e.line)
        return result

    with transaction.atomic():
        # Parents first: sorting by level guarantees a parent row exists before its children.
        for code, (_line, name, level, parent) in sorted(rows.items(), key=lambda item: item[1][2]):
            current = existing.get(code)
            if current is None:
                Region.objects.create(code=code, name=name, level=level, parent_id=parent)
                result.created += 1
            elif current.name != name or current.level != level or current.parent_id != parent:
                Region.objects.filter(code=code).update(name=name, level=level, parent_id=parent)
                result.updated += 1
            else:
                result.unchanged += 1
        if dry_run:
            transaction.set_rollback(True)
    return result
