"""Moved to ``core.sms`` (every app sends through it); these names stay for settings that name them."""

from core.sms import FailingSMSBackend, LoggingSMSBackend

__all__ = ["FailingSMSBackend", "LoggingSMSBackend"]
