"""Fresh planner statistics after a bulk write (issue #17, "stable plans").

PostgreSQL re-samples a table by itself (autovacuum) once about a tenth of it has changed: an
import of 10,000 people into a register of 1,000,000 never gets there, and the lists that filter
by region then plan from a sample taken before the import (e.g. a township that grew from 300 to
3,000 needs still estimated at 300). So a write of at least ``settings.ANALYZE_AFTER_ROWS`` rows
asks for ANALYZE of the tables it wrote, once it has committed. SQLite: nothing to do.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import DatabaseError, connection, transaction

logger = logging.getLogger(__name__)


def analyze_now(tables: Iterable[str]) -> None:
    """ANALYZE these tables (a failure is logged: the data is written, only the plans may lag)."""
    if connection.vendor != "postgresql":
        return
    for table in tables:
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
        except DatabaseError:
            logger.warning("ANALYZE %s failed; the planner keeps its older statistics", table, exc_info=True)


def analyze_after_commit(tables: Iterable[str], *, rows: int) -> None:
    """After the current transaction commits, ANALYZE ``tables`` if ``rows`` rows were written."""
    if rows < settings.ANALYZE_AFTER_ROWS:
        return
    chosen = list(tables)
    transaction.on_commit(lambda: analyze_now(chosen))
