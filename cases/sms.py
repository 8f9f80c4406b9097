"""Pluggable text-message backends (``settings.SMS_BACKEND``).

A backend is a class with ``send(*, phone, text)`` that raises on failure. The default
only logs, so development and tests send nothing; a county plugs in its SMS gateway.
"""

from __future__ import annotations

import logging

logger = logging.getLogger("cases.sms")


class LoggingSMSBackend:
    def send(self, *, phone: str, text: str) -> None:
        masked = f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"
        # Never the text itself: it may name the person, and logs are read by operators.
        logger.info("SMS to %s (%d characters)", masked, len(text))


class FailingSMSBackend:
    """For tests and drills: every message fails."""

    def send(self, *, phone: str, text: str) -> None:
        raise ConnectionError("SMS gateway unreachable")
