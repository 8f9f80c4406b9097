"""The Redis cache, degrading instead of failing requests while Redis is away.

The cache holds nothing that must not be lost: API throttle counters, the public complaint form's
hourly counter, import progress and a cached public summary. Notifications wait in PostgreSQL
(the outbox in cases.notifications), sessions are in PostgreSQL too. So while Redis is stopped
or restarting, a cache read answers "not cached", a write is dropped, and the request goes on:
throttling is not enforced for that while (logged once per outage), rather than every API
request failing with a 500. tests/faults/test_redis_outage.py drives requests through an outage.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
LOG_EVERY_SECONDS = 60.0
T = TypeVar("T")


class ResilientRedisCache(RedisCache):
    _last_logged = 0.0

    def _safely(self, operation: Callable[[], T], default: T) -> T:
        try:
            return operation()
        except UNREACHABLE as error:
            now = time.monotonic()
            if now - ResilientRedisCache._last_logged > LOG_EVERY_SECONDS:
                ResilientRedisCache._last_logged = now
                logger.warning("Redis cache unreachable; going on without it: %s", error)
            return default

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._safely(lambda: super(ResilientRedisCache, self).get(key, default, version), default)

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        return self._safely(lambda: super(ResilientRedisCache, self).get_many(keys, version), {})

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._safely(lambda: super(ResilientRedisCache, self).has_key(key, version), False)

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        self._safely(lambda: super(ResilientRedisCache, self).set(key, value, timeout, version=version), None)

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._safely(lambda: super(ResilientRedisCache, self).add(key, value, timeout, version=version), False)

    def set_many(self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> list[Any]:
        return self._safely(lambda: super(ResilientRedisCache, self).set_many(data, timeout, version=version), [])

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._safely(lambda: super(ResilientRedisCache, self).touch(key, timeout, version=version), False)

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._safely(lambda: super(ResilientRedisCache, self).delete(key, version), False)

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        self._safely(lambda: super(ResilientRedisCache, self).delete_many(keys, version), None)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        # As if the counter had just started: a limit counted in Redis is not enforced while it is away.
        return self._safely(lambda: super(ResilientRedisCache, self).incr(key, delta, version), delta)

    def clear(self) -> None:
        self._safely(lambda: super(ResilientRedisCache, self).clear(), None)
