"""What ``/healthz`` checks: the database, Redis and a Celery worker."""

from __future__ import annotations

import logging
from typing import Literal

import redis
from django.conf import settings
from django.db import connection

from referral_hub.celery import app as celery_app

logger = logging.getLogger(__name__)

State = Literal["up", "down", "not_configured", "in_process"]


def database_state() -> State:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("healthz: database check failed")
        return "down"
    return "up"


def redis_state() -> State:
    if not settings.REDIS_URL:
        return "not_configured"
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
        client.ping()
    except Exception:
        logger.warning("healthz: redis ping failed", exc_info=True)
        return "down"
    return "up"


def worker_state() -> State:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "in_process"
    try:
        replies = celery_app.control.ping(timeout=settings.HEALTHZ_WORKER_TIMEOUT)
    except Exception:
        logger.warning("healthz: worker ping failed", exc_info=True)
        return "down"
    return "up" if replies else "down"


def health_report() -> tuple[bool, dict[str, str]]:
    report: dict[str, str] = {"database": database_state(), "redis": redis_state()}
    # No point asking workers through a broker that is not there.
    report["worker"] = "down" if report["redis"] == "down" else worker_state()
    healthy = all(state in ("up", "not_configured", "in_process") for state in report.values())
    return healthy, report
