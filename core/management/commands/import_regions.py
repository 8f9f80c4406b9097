from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from core.services import regions_import_csv


class Command(BaseCommand):
    help = "Import a 行政区划 code table from a UTF-8 CSV file with columns code,name[,parent]."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Check the file and report, write nothing.")

    def handle(self, *args: Any, path: Path, dry_run: bool, **options: Any) -> None:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError as missing:
            raise CommandError(_("File not found: %(path)s") % {"path": path}) from missing
        except UnicodeDecodeError as undecodable:
            raise CommandError(_("The file is not UTF-8 text; save the CSV as UTF-8 and try again.")) from undecodable
        result = regions_import_csv(text=text, dry_run=dry_run)
        if not result.ok:
            for error in result.errors:
                self.stderr.write(_("Line %(line)d: %(message)s") % {"line": error.line, "message": error.message})
            raise CommandError(
                _("Nothing was imported: %(count)d line(s) have errors.") % {"count": len(result.errors)}
            )
        summary = _("%(created)d created, %(updated)d updated, %(unchanged)d unchanged.") % {
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
        }
        self.stdout.write((_("Dry run, nothing written: ") if dry_run else "") + summary)
