"""The console says what happened in one line: a refusal without a traceback, a fault with one."""

from __future__ import annotations

import io
import logging
import logging.config
import sys

from django.conf import settings


def _console() -> tuple[logging.Logger, io.StringIO]:
    """The settings' LOGGING applied to a fresh stream: what an operator's terminal shows."""
    stream = io.StringIO()
    handlers: dict[str, dict[str, object]] = settings.LOGGING["handlers"]  # type: ignore[assignment]
    config = {**settings.LOGGING, "handlers": {k: {**v, "stream": stream} for k, v in handlers.items()}}
    logging.config.dictConfig(config)
    return logging.getLogger("django.request"), stream


def _exc_info() -> tuple:
    try:
        raise PermissionError("refused")
    except PermissionError:
        return sys.exc_info()


def test_a_refusal_is_one_line_and_a_fault_keeps_its_traceback() -> None:
    logger, stream = _console()
    try:
        logger.warning("Forbidden (Permission denied): /dashboards/", exc_info=_exc_info(), extra={"status_code": 403})
        assert stream.getvalue().count("\n") == 1 and "Traceback" not in stream.getvalue()
        logger.error("Internal Server Error: /x/", exc_info=_exc_info(), extra={"status_code": 500})
        assert "Traceback" in stream.getvalue()
    finally:
        logging.config.dictConfig(settings.LOGGING)
