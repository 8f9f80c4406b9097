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


def test_it_is_never_cached(client, db, settings):
    settings.HEALTHZ_WORKER_TIMEOUT = 0.05  # up or down, the answer is never cached
    assert "no-cache" in client.get("/healthz")["Cache-Control"]


@pytest.mark.redis
@pytest.mark.worker
def test_it_is_up_with_real_redis_and_a_worker(client, db, celery_worker_process):
    response = client.get("/healthz")
    assert response.json() == {"status": "ok", "database": "up", "redis": "up", "worker": "up"}
    assert response.status_code == 200


# --- /healthz/live: liveness (the process answers), apart from readiness (/healthz) ---------
def test_liveness_answers_ok_without_the_database_or_redis(client, db, settings, django_assert_num_queries):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there: a ping would fail
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    with django_assert_num_queries(0):
        response = client.get("/healthz/live")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert "no-cache" in response["Cache-Control"]


def test_liveness_stays_up_while_readiness_reports_a_service_down(client, db, monkeypatch, settings):
    settings.REDIS_URL = ""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    monkeypatch.setattr(health, "database_state", lambda: "down")
    assert client.get("/healthz").status_code == 503
    assert client.get("/healthz/live").status_code == 200


def test_liveness_is_get_only(client, db):
    assert client.post("/healthz/live").status_code == 405


def test_liveness_answers_plain_http_in_production(tmp_path):
    # Container and load-balancer probes do not speak HTTPS: like /healthz, it is not redirected.
    from tests.core.test_settings import PRODUCTION_KEYS, run

    probe = (
        "import warnings, django; warnings.simplefilter('ignore'); django.setup(); from django.test import Client; "
        "r = Client().get('/healthz/live'); print(r.status_code, r.content.decode())"
    )
    result = run(
        probe,
        tmp_path,
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="x" * 60,
        DJANGO_ALLOWED_HOSTS="testserver",
        **PRODUCTION_KEYS,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "200 ok"
