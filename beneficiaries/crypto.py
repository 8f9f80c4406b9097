"""Encryption at rest and the blind index for sensitive person data.

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under a MultiFernet
built from ``settings.FIELD_ENCRYPTION_KEYS``(development derives one from the secret key,
production must set them): the first key encrypts, every key decrypts, so keys can be rotated (``manage.py rotate_encryption_keys``).

Exact lookup and uniqueness of the ID number use a blind index: HMAC-SHA256 of
the normalised value under ``settings.BLIND_INDEX_KEY``. The index reveals equality
only, never the value, and cannot be brute-forced without the key.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty")
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS must be comma-separated Fernet keys (Fernet.generate_key())"
        ) from exc


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "A stored value cannot be decrypted with any key in FIELD_ENCRYPTION_KEYS (was a key removed too early?)"
        ) from exc


def rotate(token: str) -> str:
    """Re-encrypt a stored token under the current (first) key."""
    return fernet().rotate(token.encode()).decode()


def blind_index(value: str) -> str:
    if not settings.BLIND_INDEX_KEY:
        raise ImproperlyConfigured("BLIND_INDEX_KEY is empty")
    return hmac.new(settings.BLIND_INDEX_KEY.encode(), value.strip().upper().encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """Text stored as a Fernet token; Python code sees the plain value.

    Empty strings stay empty (nothing to protect, and it keeps "not given" cheap).
    Never filter on this column: use a blind index.
    """

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))


def mask_id_number(value: str) -> str:
    """``610622199001011234`` → ``6106**********1234``."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    """``13812345678`` → ``138****5678``."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str) -> str:
    """``王秀英`` → ``王*英``, ``李明`` → ``李*``: enough to recognise the person one has just visited."""
    value = value.strip()
    if len(value) <= 1:
        return value
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]
