"""Check the audit log's hash chain and name the first broken link (exit status 1 if any)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.chain import verify_chain


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; report the first broken link and exit non-zero."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=5000)

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain(batch_size=options["batch_size"])
        if report.broken is None:
            self.stdout.write(
                _("Audit log intact: %(count)s entries, chain head %(head)s.")
                % {"count": report.checked, "head": report.head_hash}
            )
            return
        broken = report.broken
        when = timezone.localtime(broken.at).strftime("%Y-%m-%d %H:%M:%S") if broken.at else "—"
        raise CommandError(
            _("Audit log broken at entry #%(id)s (%(at)s), after %(count)s intact entries: %(problem)s.")
            % {"id": broken.entry_id, "at": when, "count": report.checked, "problem": broken.problem}
        )
