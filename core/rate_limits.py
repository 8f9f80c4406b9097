"""Counters for the public forms' limits (per address, per phone, per reference), kept in the cache.

One fixed window per key: ``rate_limit_hit`` counts one more attempt and says whether the
limit is now passed. Keys hold no personal data in clear: a phone is passed as its blind index.
"""

from __future__ import annotations

import time

from django.core.cache import cache


def _key(scope: str, ident: str, window_seconds: int) -> str:
    return f"rate:{scope}:{ident}:{int(time.time() // window_seconds)}"


def rate_limit_hit(scope: str, ident: str, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt; True when this one is over ``limit`` within the window."""
    key = _key(scope, ident, window_seconds)
    cache.add(key, 0, timeout=window_seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window_seconds)
        count = 1
    return count > limit


def rate_limit_passed(scope: str, ident: str, *, limit: int, window_seconds: int) -> bool:
    """Whether the limit is already passed, without counting an attempt."""
    return int(cache.get(_key(scope, ident, window_seconds), 0)) >= limit
