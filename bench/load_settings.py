"""Settings of the load benchmark (bench/load.py): production settings plus the overrides below.

bench/load.py runs the app with ``DJANGO_DEBUG=0`` (production settings: template caching, no
query log, two-factor sign-in required for staff) and prints ``OVERRIDES`` before every run.
Nothing here is read by the app outside the benchmark.
"""

from __future__ import annotations

from referral_hub.settings import *  # noqa: F403
from referral_hub.settings import REST_FRAMEWORK, STORAGES

# Why each setting differs from production, printed by bench/load.py.
OVERRIDES = {
    "SESSION_COOKIE_SECURE": (
        False,
        "plain HTTP on loopback (no TLS proxy in front); production sends the cookies over HTTPS only",
    ),
    "CSRF_COOKIE_SECURE": (False, "same reason"),
    "SECURE_SSL_REDIRECT": (False, "same reason: no proxy to terminate TLS"),
    "API_THROTTLE_USER": (
        "100000/minute",
        "50 users share one address and sign in once; the per-user API limit (1200/minute) is not what is measured",
    ),
    "STORAGES['staticfiles']": (
        "StaticFilesStorage",
        "no collectstatic for the bench: the driver fetches no static files",
    ),
}

SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_SSL_REDIRECT = False
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {**REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "user": "100000/minute"},  # type: ignore[dict-item]
}
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
