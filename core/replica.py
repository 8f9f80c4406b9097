"""Read scale-out (issue #18): pages that only read a lot (dashboards, evaluation, reports, exports)
read from a PostgreSQL streaming replica when one is configured (``DATABASE_REPLICA_URL``); the rest
of the product, and every page of a user who changed something in the last
``REPLICA_STICKY_SECONDS``, reads the primary. The replica is used only while it answers and is no
more than ``REPLICA_MAX_LAG_SECONDS`` behind; otherwise the page reads the primary and says so.

- ``replica_reads`` (a view decorator) decides once per request and routes that request's reads;
- ``ReplicaRouter`` (``DATABASE_ROUTERS``) sends those reads to ``replica`` and every write, and
  every other read, to ``default``; migrations run on the primary only;
- ``ReplicaStickyMiddleware`` remembers in the session that the user just wrote;
- ``replica_state`` in the template context says where the page read from and how far behind.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

REPLICA = "replica"
_SESSION_KEY = "replica_primary_until"
_use_replica: contextvars.ContextVar[bool] = contextvars.ContextVar("use_replica", default=False)


@dataclass(frozen=True)
class ReplicaState:
    used: bool
    lag_seconds: float | None = None
    reason: str = ""  # why the primary answered: "down", "behind", "wrote", "" (no replica)


def configured() -> bool:
    return REPLICA in settings.DATABASES


def replica_lag_seconds() -> float | None:
    """How far the replica is behind the primary, in seconds (0 when it has replayed everything it
    received); ``None`` when it does not answer or is not a standby."""
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(
                "SELECT pg_is_in_recovery(), CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() "
                "THEN 0 ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END"
            )
            row = cursor.fetchone()
    except DatabaseError:
        connections[REPLICA].close()
        return None
    if row is None or not row[0]:
        return None
    return max(0.0, float(row[1]))


def decide(request: HttpRequest) -> ReplicaState:
    if not configured():
        return ReplicaState(used=False)
    session = getattr(request, "session", None)
    if session is not None and float(session.get(_SESSION_KEY, 0)) > time.time():
        return ReplicaState(used=False, reason="wrote")
    lag = replica_lag_seconds()
    if lag is None:
        logger.warning("read replica unavailable: reading from the primary")
        return ReplicaState(used=False, reason="down")
    if lag > settings.REPLICA_MAX_LAG_SECONDS:
        logger.warning(
            "read replica %.1f s behind (bound %s s): reading from the primary", lag, settings.REPLICA_MAX_LAG_SECONDS
        )
        return ReplicaState(used=False, lag_seconds=lag, reason="behind")
    return ReplicaState(used=True, lag_seconds=lag)


def replica_reads(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """This view only reads (or writes nothing the reader must see at once): its reads may come from
    the replica."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # The session and the user come from the primary (a sign-in the replica has not replayed yet).
        getattr(request, "user", None) and request.user.is_authenticated
        state = decide(request)
        request.replica_state = state  # type: ignore[attr-defined]
        token = _use_replica.set(state.used)
        try:
            return view(request, *args, **kwargs)
        finally:
            _use_replica.reset(token)

    return wrapper


class ReplicaRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        return REPLICA if _use_replica.get() and configured() else None

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db != REPLICA


class ReplicaStickyMiddleware:
    """After a request that may have changed something, the user's pages read the primary for a
    while, so nobody misses what they just did because the replica has not replayed it yet."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if configured() and request.method not in ("GET", "HEAD", "OPTIONS") and hasattr(request, "session"):
            request.session[_SESSION_KEY] = time.time() + settings.REPLICA_STICKY_SECONDS
        return response


def replica_context(request: HttpRequest) -> dict[str, Any]:
    """Template context: ``replica_state`` on pages that asked for the replica."""
    return {"replica_state": getattr(request, "replica_state", None)}
