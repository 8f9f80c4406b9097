import pytest
from django.db import OperationalError

from core import health


def test_it_is_up_on_embedded_defaults(client, db, settings):
    settings.REDIS_URL = ""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "up", "redis": "not_configured", "worker": "in_process"}


def test_it_is_503_when_the_database_is_down(client, db, monkeypatch, settings):
    settings.REDIS_URL = ""
    settings.CELERY_TASK_ALWAYS_EAGER = True

    class Unreachable:
        def cursor(self):
            raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(health, "connection", Unreachable())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "down"
    assert response.json()["status"] == "degraded"


def test_it_is_503_when_redis_is_unreachable(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["redis"] == "down"
    assert response.json()["worker"] == "down"


def test_it_is_503_when_no_worker_answers(client, db, settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setattr(health, "redis_state", lambda: "up")
    monkeypatch.setattr(health.celery_app.control, "ping", lambda timeout: [])
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["worker"] == "down"


def test_it_is_never_cached(client, db):
    assert "no-cache" in client.get("/healthz")["Cache-Control"]


@pytest.mark.redis
@pytest.mark.worker
def test_it_is_up_with_real_redis_and_a_worker(client, db, celery_worker_process):
    response = client.get("/healthz")
    assert response.json() == {"status": "ok", "database": "up", "redis": "up", "worker": "up"}
    assert response.status_code == 200
