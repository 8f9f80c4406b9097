"""ID numbers never travel in a page address (issue 14, finding 14).

A search form posts its fields (``_search=1``); :class:`IdSearchMiddleware` answers with a
redirect to the same page whose query string carries, in place of an ID number, a token:
``idx:<masked number>:<blind index>``. The blind index is an HMAC under ``BLIND_INDEX_KEY``
(``beneficiaries.crypto``), so the token finds the person without revealing the number, and the
mask is what the page shows back. An old link or bookmark with ``?q=<ID number>`` is swapped for
the token the same way (that one request is still in the access log; no page makes such a link).
The API takes ID-number searches by POST (``persons/search/``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict

from beneficiaries.crypto import blind_index, mask_id_number
from beneficiaries.validators import ID_PATTERN, normalize_id_number

ID_SEARCH_PREFIX = "idx:"
SEARCH_FLAG = "_search"
NOT_FORWARDED = {SEARCH_FLAG, "csrfmiddlewaretoken"}


@dataclass(frozen=True)
class IdSearch:
    index: str
    masked: str


def looks_like_id_number(text: str) -> bool:
    return bool(ID_PATTERN.match(normalize_id_number(text)))


def id_search_token(number: str) -> str:
    normalized = normalize_id_number(number)
    return f"{ID_SEARCH_PREFIX}{mask_id_number(normalized)}:{blind_index(normalized)}"


def parse_id_search(text: str) -> IdSearch | None:
    """The token, or an ID number typed as such (the API's POST search), as what to look up."""
    text = text.strip()
    if text.startswith(ID_SEARCH_PREFIX):
        masked, _sep, index = text[len(ID_SEARCH_PREFIX) :].rpartition(":")
        return IdSearch(index=index, masked=masked[:18]) if len(index) == 64 else None
    if looks_like_id_number(text):
        number = normalize_id_number(text)
        return IdSearch(index=blind_index(number), masked=mask_id_number(number))
    return None


def _tokenized(params: QueryDict) -> tuple[str, bool]:
    pairs, changed = [], False
    for key, values in params.lists():
        if key in NOT_FORWARDED:
            changed = True
            continue
        for value in values:
            if looks_like_id_number(value):
                value, changed = id_search_token(value), True
            pairs.append((key, value))
    return urlencode(pairs), changed


class IdSearchMiddleware:
    """Search forms post; the answer is a redirect whose address carries no ID number."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(("/api/", "/admin/")):
            return self.get_response(request)
        if request.method == "POST" and request.POST.get(SEARCH_FLAG):
            query, _changed = _tokenized(request.POST)
            return HttpResponseRedirect(f"{request.path}?{query}" if query else request.path)
        if request.method == "GET" and request.GET:
            query, changed = _tokenized(request.GET)
            if changed:
                return HttpResponseRedirect(f"{request.path}?{query}")
        return self.get_response(request)


def search_for_log(text: str) -> str:
    """What an audit entry or a log line may keep of a search: a masked number, never the number."""
    found = parse_id_search(text)
    return found.masked if found else text.strip()
