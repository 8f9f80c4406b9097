"""The one answer to "which address is this request from?".

Audit entries, sign-in lockout, the public forms' rate limits and the API throttles all ask
here, so a forged header cannot give one of them a different answer from the others.

``X-Forwarded-For`` is read only when ``DJANGO_TRUST_X_FORWARDED_FOR`` is on (the app sits
behind its own proxies). Each trusted proxy appends the address it received the request from,
so with ``DJANGO_TRUSTED_PROXY_COUNT`` = N the client is the N-th entry from the right; what
the client put to the left of it is its own claim and is ignored. A value that is not an IP
address (or a header shorter than the proxy chain) falls back to the connection's address.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _address(value: str | None) -> str | None:
    """The normalised IP address in ``value``, or None when it is not one."""
    if not value:
        return None
    candidate = value.strip()
    if candidate.startswith("[") and "]" in candidate:  # "[2001:db8::1]:443"
        candidate = candidate[1 : candidate.index("]")]
    elif candidate.count(":") == 1:  # "10.0.0.1:443"
        candidate = candidate.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


def client_address(request: HttpRequest | None) -> str | None:
    """The client's IP address, or None when it cannot be told (never raises)."""
    if request is None:
        return None
    meta = getattr(request, "META", {})
    remote = _address(meta.get("REMOTE_ADDR"))
    if not settings.TRUST_X_FORWARDED_FOR:
        return remote
    hops = [hop.strip() for hop in str(meta.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
    count = max(int(settings.TRUSTED_PROXY_COUNT), 1)
    if len(hops) < count or not hops[-count]:
        return remote
    return _address(hops[-count]) or remote
