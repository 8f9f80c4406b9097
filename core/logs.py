"""Logging filters that keep the console readable (settings.LOGGING).

A refused request (403, 404, 400) is an ordinary answer, not a fault: Django logs it with the
exception's traceback, which buries the one line an operator needs. `RefusalsWithoutTraceback`
keeps the warning line and drops the traceback for client errors; a 500 keeps its traceback.
"""

from __future__ import annotations

import logging


class RefusalsWithoutTraceback(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
