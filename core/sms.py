"""Text-message backends (``settings.SMS_BACKEND``): the one interface every SMS goes through.

Chinese SMS providers send only pre-approved templates under an approved signature (签名), so a
message is a template key (``settings.SMS_TEMPLATES``: key → the provider's template code and its
parameter names) plus parameters; ``text`` is the same message written out, for the logging
backend and for the record. A backend's ``send`` returns the provider's id for the message
(Aliyun's ``BizId``) and raises:

- ``SmsTemporaryError``: throttled by the provider, its system busy, the network down — worth
  trying again later (the caller retries with backoff);
- ``SmsPermanentError``: a wrong number, a template or signature the provider refuses, a wrong
  key, no balance — trying again changes nothing, so the message is marked failed with the code.

``receipts`` (optional) asks the provider what became of messages already sent (delivery
receipts): a list of ``Receipt`` for the ids it knows.

``LoggingSMSBackend`` (the default) only logs a line, so development and tests send nothing.
``core.sms_aliyun.AliyunSMSBackend`` sends through 阿里云短信服务 (dysmsapi).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("core.sms")


class SmsError(Exception):
    """A send that did not reach the provider, or that the provider refused; ``code`` is the
    provider's error code (or a transport name), ``meaning`` says in plain words what it means."""

    def __init__(self, code: str, meaning: str) -> None:
        super().__init__(f"{code}: {meaning}")
        self.code = code
        self.meaning = meaning


class SmsTemporaryError(SmsError):
    """Try again later: throttled, provider busy, network down."""


class SmsPermanentError(SmsError):
    """Trying again changes nothing: fix the number, the template, the signature or the account."""


@dataclass(frozen=True)
class Receipt:
    provider_id: str
    delivered: bool | None  # None: the provider has no answer from the phone yet
    code: str = ""
    at: datetime | None = None


class SMSBackend(Protocol):
    def send(self, *, phone: str, template: str, params: dict[str, str], text: str) -> str: ...


def mask_phone_for_log(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"


def template_code(template: str) -> tuple[str, list[str]]:
    """The provider's code of a template key and its parameter names; a key missing from
    ``SMS_TEMPLATES`` is a configuration error no retry fixes."""
    entry: dict[str, Any] | None = settings.SMS_TEMPLATES.get(template)
    if not entry or not entry.get("code"):
        raise SmsPermanentError(
            "template_not_configured",
            f"SMS_TEMPLATES has no provider template code for “{template}”; add the code the provider approved",
        )
    return str(entry["code"]), [str(name) for name in entry.get("params", [])]


def sms_backend() -> SMSBackend:
    backend: SMSBackend = import_string(settings.SMS_BACKEND)()
    return backend


class LoggingSMSBackend:
    """Development: one log line per message, with the masked number and the template, never the
    text (it may name the person, and logs are read by operators)."""

    def send(self, *, phone: str, template: str = "", params: dict[str, str] | None = None, text: str = "") -> str:
        logger.info("SMS to %s (template %s, %d characters)", mask_phone_for_log(phone), template or "-", len(text))
        return f"log-{uuid.uuid4().hex[:16]}"

    def receipts(self, *, items: list[tuple[str, str, datetime]]) -> list[Receipt]:
        return [Receipt(provider_id=provider_id, delivered=True, code="DELIVERED") for provider_id, _p, _s in items]


class FailingSMSBackend:
    """For tests and drills: every message fails as a network failure would."""

    def send(self, *, phone: str, template: str = "", params: dict[str, str] | None = None, text: str = "") -> str:
        raise SmsTemporaryError("transport", "SMS gateway unreachable")
