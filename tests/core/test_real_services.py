"""Proof that CI runs on the real stack: PostgreSQL, Redis and a real worker."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from referral_hub.celery import ping


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_database_is_postgresql():
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        assert int(cursor.fetchone()[0]) >= 130000


@pytest.mark.redis
def test_the_cache_is_redis():
    assert settings.CACHES["default"]["BACKEND"] == "core.cache.ResilientRedisCache"  # Django's, outage-tolerant
    cache.set("round-trip", "往返", 10)
    assert cache.get("round-trip") == "往返"


@pytest.mark.redis
@pytest.mark.worker
def test_a_task_makes_a_round_trip_through_a_real_worker(celery_worker_process):
    assert not settings.CELERY_TASK_ALWAYS_EAGER
    result = ping.delay()
    assert result.get(timeout=30) == "pong"
    assert result.status == "SUCCESS"


def test_without_redis_tasks_run_in_process(settings):
    if settings.REDIS_URL:
        assert not settings.CELERY_TASK_ALWAYS_EAGER
    else:
        assert settings.CELERY_TASK_ALWAYS_EAGER
        assert ping.delay().get() == "pong"
