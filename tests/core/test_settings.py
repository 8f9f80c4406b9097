"""Settings read the environment: embedded defaults, and a fail-fast production."""

import json
import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
OUR_VARIABLES = (
    "DATABASE_URL",
    "REDIS_URL",
    "DJANGO_SECRET_KEY",
    "DJANGO_DEBUG",
    "DJANGO_ALLOWED_HOSTS",
    "FIELD_ENCRYPTION_KEYS",
    "BLIND_INDEX_KEY",
)
# Production also needs the field-encryption keys (beneficiaries); any well-formed ones do here.
PRODUCTION_KEYS = {
    "FIELD_ENCRYPTION_KEYS": "8Yl1vYBq1b0x3WcB0p3YBqzYk0m8m3Q2Zf4d7o9nZ2c=",
    "BLIND_INDEX_KEY": "test-blind-index-key-0123456789abcdef",
}
PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'debug': settings.DEBUG, 'engine': settings.DATABASES['default']['ENGINE'], "
    "'name': str(settings.DATABASES['default']['NAME']), 'eager': settings.CELERY_TASK_ALWAYS_EAGER, "
    "'broker': settings.CELERY_BROKER_URL, 'lang': settings.LANGUAGE_CODE, 'tz': settings.TIME_ZONE, "
    "'secure': settings.SESSION_COOKIE_SECURE, 'cache': settings.CACHES['default']['BACKEND']}))"
)


def run(code_or_args, tmp_path, **env):
    clean = {k: v for k, v in os.environ.items() if k not in OUR_VARIABLES}
    clean.update(DJANGO_SETTINGS_MODULE="referral_hub.settings", REFERRAL_HUB_VAR_DIR=str(tmp_path), **env)
    args = code_or_args if isinstance(code_or_args, list) else ["-c", code_or_args]
    return subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, *args], cwd=BASE_DIR, env=clean, capture_output=True, text=True, timeout=120
    )


def test_with_nothing_set_it_runs_on_embedded_defaults(tmp_path):
    result = run(PROBE, tmp_path)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["debug"] is True
    assert seen["engine"] == "django.db.backends.sqlite3"
    assert seen["name"] == str(tmp_path / "referral_hub.sqlite3")
    assert seen["eager"] is True and seen["broker"] == "memory://"
    assert seen["lang"] == "zh-hans" and seen["tz"] == "Asia/Shanghai"
    assert seen["cache"].endswith("LocMemCache")


def test_the_environment_selects_postgres_and_redis(tmp_path):
    result = run(PROBE, tmp_path, DATABASE_URL="postgres://u:p@db.internal:5432/hub", REDIS_URL="redis://cache:6379/0")
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["engine"] == "django.db.backends.postgresql" and seen["name"] == "hub"
    assert seen["eager"] is False and seen["broker"] == "redis://cache:6379/0"
    assert seen["cache"].endswith("RedisCache")


def test_production_without_a_secret_fails_fast(tmp_path):
    result = run(PROBE, tmp_path, DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_a_nonsense_debug_value_fails_fast(tmp_path):
    result = run(PROBE, tmp_path, DJANGO_DEBUG="maybe")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be a boolean" in result.stderr


def test_production_uses_secure_cookies(tmp_path):
    result = run(PROBE, tmp_path, DJANGO_DEBUG="0", DJANGO_SECRET_KEY="x" * 20 + "y" * 20 + "z" * 20, **PRODUCTION_KEYS)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["secure"] is True


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        tmp_path,
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="k3J9-q!wZ8r$Lx2@pV7nT4mB6cY1hF5dG0sA-eU9iO3yR8tW2zQ6",
        DJANGO_ALLOWED_HOSTS="hub.example.gov.cn",
        DATABASE_URL="postgres://hub:secret@127.0.0.1:5432/hub",
        REDIS_URL="redis://127.0.0.1:6379/0",
        **PRODUCTION_KEYS,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
