"""One-time form tokens: a form that creates a record carries a signed random token, and the
token is remembered in the session once its record is saved, so Back + resubmit (or a double
tap) of the same page creates the record once and leads to the one already saved.

A post without a token (an older page, a script) is not refused: the token guards a person's
browser, not the API. A token that does not verify is treated like none (a fresh one is issued
when the page is shown again).

A used token is remembered in the cache too, for as long as it verifies: the station phone's
offline queue (docs/offline.md) may send a record again after its session ended (signed out, or
idle too long while there was no signal), and the record saved the first time must still be found.
"""

from __future__ import annotations

import uuid

from django import forms
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest

FIELD_NAME = "form_token"
_SALT = "core.form_tokens"
_SESSION_KEY = "form_tokens_used"
_REMEMBERED = 50  # the last tokens used by this session; older ones have long left the browser's history
_MAX_AGE = 24 * 3600  # a token older than this is treated like none


class FormTokenField(forms.CharField):
    """The hidden one-time token; add it to a form that creates a record."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(required=False, widget=forms.HiddenInput, **kwargs)  # type: ignore[arg-type]


def issue() -> str:
    return signing.dumps(uuid.uuid4().hex, salt=_SALT)


def _token_id(token: str) -> str | None:
    try:
        value = signing.loads(token, salt=_SALT, max_age=_MAX_AGE)
    except signing.BadSignature:
        return None
    return value if isinstance(value, str) else None


def already_used(request: HttpRequest, token: str | None) -> str | None:
    """Where the record saved with this token is (its page), or ``None`` if the token is unused."""
    token_id = _token_id(token or "")
    if token_id is None:
        return None
    used: dict[str, str] = request.session.get(_SESSION_KEY, {})
    return used.get(token_id) or cache.get(f"{_SALT}:used:{token_id}")


def claim(token: str | None) -> bool:
    """Hold the token while its record is being saved: ``False`` when another request (a double tap
    that reached the server before the first one finished) holds it already. Release with
    ``release`` if nothing was saved; ``mark_used`` keeps it. A post without a valid token is
    never held back."""
    token_id = _token_id(token or "")
    return token_id is None or bool(cache.add(f"{_SALT}:{token_id}", "1", timeout=60))


def release(token: str | None) -> None:
    token_id = _token_id(token or "")
    if token_id is not None:
        cache.delete(f"{_SALT}:{token_id}")


def mark_used(request: HttpRequest, token: str | None, url: str) -> None:
    """Remember that the record saved with this token is at ``url``."""
    token_id = _token_id(token or "")
    if token_id is None:
        return
    used: dict[str, str] = dict(request.session.get(_SESSION_KEY, {}))
    used[token_id] = url
    request.session[_SESSION_KEY] = dict(list(used.items())[-_REMEMBERED:])
    cache.set(f"{_SALT}:used:{token_id}", url, timeout=_MAX_AGE)


def issue_many(count: int) -> list[str]:
    """Tokens for records made where the server cannot be asked: the offline queue takes one per record."""
    return [issue() for _ in range(count)]


def fresh_initial(initial: dict[str, object] | None = None) -> dict[str, object]:
    """``initial`` with a new token, for a page shown for the first time."""
    return {**(initial or {}), FIELD_NAME: issue()}
