"""Settings for Referral Hub.

Everything that differs between a laptop, CI and production comes from the
environment. With no variables set the app runs on embedded defaults (SQLite
under ``var/``, Celery tasks in-process, DEBUG on) so a newcomer needs no servers.
"""

from __future__ import annotations

import base64
import hashlib
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
import django_stubs_ext
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

# Lets ModelAdmin[Model], QuerySet[Model] etc. be subscripted at run time, as the stubs allow.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("REFERRAL_HUB_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)

_DEV_SECRET = "dev-only-insecure-secret-key-do-not-use-in-production-0123456789"  # noqa: S105
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        # Production must never fall back to a secret that is in the repository.
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off")
    SECRET_KEY = _DEV_SECRET

# Field encryption (beneficiaries.crypto): Fernet keys, first = current, the others
# still decrypt (rotation); and the HMAC key of the blind index for exact lookups.
# Like the secret key, production must set them; development derives its own.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS", [])
BLIND_INDEX_KEY = os.environ.get("BLIND_INDEX_KEY", "")
if not FIELD_ENCRYPTION_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be set when DJANGO_DEBUG is off")
    FIELD_ENCRYPTION_KEYS = [
        base64.urlsafe_b64encode(hashlib.sha256(f"field-encryption:{SECRET_KEY}".encode()).digest()).decode()
    ]
if not BLIND_INDEX_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("BLIND_INDEX_KEY must be set when DJANGO_DEBUG is off")
    BLIND_INDEX_KEY = hashlib.sha256(f"blind-index:{SECRET_KEY}".encode()).hexdigest()

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "django_htmx",
    "core",
    "accounts",
    "beneficiaries",
    "audit",
    "charities",
    "cases",
    "matching",
    "dashboards",
    "supervision",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.SecurityHeadersMiddleware",
    # PostgreSQL down or restarting: a Chinese 503 page / JSON error instead of a 500 (core/unavailable.py).
    "core.unavailable.DatabaseUnavailableMiddleware",
    # A body too large to read: a Chinese 413 before anything reads it (core/uploads.py).
    "core.uploads.RequestTooLargeMiddleware",
    # A NUL byte in the path, a query parameter or a form field: a Chinese 400 (core/middleware.py).
    "core.middleware.InputGuardMiddleware",
    # Search forms post; ID numbers come back as blind-index tokens, never in an address (beneficiaries/search.py).
    "beneficiaries.search.IdSearchMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.AbsoluteSessionTimeoutMiddleware",
    "accounts.middleware.PasswordChangeRequiredMiddleware",
    # The footer's language choice is kept on the account for e-mails and text messages.
    "accounts.middleware.LanguageChoiceMiddleware",
    # With a read replica: a user who just changed something reads the primary for a while (core/replica.py).
    "core.replica.ReplicaStickyMiddleware",
]

ROOT_URLCONF = "referral_hub.urls"
WSGI_APPLICATION = "referral_hub.wsgi.application"
ASGI_APPLICATION = "referral_hub.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.navigation",
                "cases.context_processors.unread_notifications",
                "core.replica.replica_context",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
_DEFAULT_SQLITE = f"sqlite:///{VAR_DIR / 'referral_hub.sqlite3'}"
DATABASE_URL = os.environ.get("DATABASE_URL", "")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL or _DEFAULT_SQLITE,
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if not DATABASE_URL:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
# A read replica (PostgreSQL streaming replication): dashboards, evaluation, reports and exports read
# from it while it is up and no more than REPLICA_MAX_LAG_SECONDS behind; everything else, and every
# page of a user who changed something in the last REPLICA_STICKY_SECONDS, reads the primary
# (core/replica.py). Tests use the primary's test database on the replica (replication copies it).
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")), conn_health_checks=True
    )
    DATABASES["replica"]["OPTIONS"] = {"connect_timeout": 2}
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["core.replica.ReplicaRouter"]
REPLICA_MAX_LAG_SECONDS = float(os.environ.get("REPLICA_MAX_LAG_SECONDS", "30"))
REPLICA_STICKY_SECONDS = int(os.environ.get("REPLICA_STICKY_SECONDS", "60"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache and Celery ---------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")

if REDIS_URL:
    CACHES = {
        "default": {
            # Django's Redis cache, but a Redis outage degrades to "not cached" instead of 500s (core/cache.py).
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "referral_hub",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
# Without Redis there are no workers: tasks run in-process so the app still works.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_SOFT_TIME_LIMIT = int(os.environ.get("CELERY_TASK_SOFT_TIME_LIMIT", "300"))
CELERY_TASK_TIME_LIMIT = int(os.environ.get("CELERY_TASK_TIME_LIMIT", "360"))
# Tasks are idempotent, so a task is acknowledged only after it ran: a worker
# killed mid-task leaves it on the queue for another worker.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_RESULT_EXPIRES = timedelta(days=1)
# No task's return value is read (only referral_hub.ping's, which asks for it): not storing results keeps
# the result backend out of every publish, which during a Redis outage blocked a request ~20 s on its retries.
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# How long a task taken by a worker that died stays invisible before another worker gets it.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
    # Publishing while Redis is down fails at once (one quick retry) instead of after ~6 s of reconnecting;
    # callers keep the work in PostgreSQL and a sweeper queues it later (tests/faults/test_redis_outage.py).
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "clear-expired-sessions": {
        "task": "accounts.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=15),
    },
    "prune-api-tokens": {
        "task": "accounts.tasks.prune_api_tokens",
        "schedule": crontab(hour=3, minute=35),
    },
    "prune-failed-logins": {
        "task": "accounts.tasks.prune_failed_logins",
        "schedule": crontab(hour=3, minute=25),
    },
    "expire-consents": {
        "task": "beneficiaries.tasks.expire_consents",
        "schedule": crontab(minute=5),
    },
    "evaluate-warning-rules": {
        "task": "beneficiaries.tasks.evaluate_warning_rules",
        "schedule": crontab(hour=2, minute=30),
    },
    "text-message-receipts": {"task": "beneficiaries.tasks.poll_text_receipts", "schedule": 300.0},
}

# --- Auth -----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "accounts:login"
# A staff invite link (accounts/passwords.py) works once and for this long.
PASSWORD_RESET_TIMEOUT = int(os.environ.get("INVITE_LINK_HOURS", "72")) * 3600
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.MixedCharactersValidator"},
]
GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False
ANONYMOUS_USER_NAME = None  # no anonymous-user row: the public gets no object permissions

# --- Internationalisation ------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media ----------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Uploaded evidence (signed consent forms) is private: outside the web root and
# served only through views that check permissions.
MEDIA_ROOT = Path(os.environ.get("DJANGO_PRIVATE_MEDIA_ROOT", VAR_DIR / "private"))
MEDIA_URL = "/private-media/"

# --- Security -----------------------------------------------------------
# Idle timeout: the cookie's age, renewed on every request. Absolute timeout: a
# sign-in never lasts longer than SESSION_ABSOLUTE_SECONDS (accounts.middleware).
SESSION_COOKIE_AGE = int(os.environ.get("DJANGO_SESSION_IDLE_SECONDS", str(30 * 60)))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_ABSOLUTE_SECONDS = int(os.environ.get("DJANGO_SESSION_ABSOLUTE_SECONDS", str(10 * 3600)))
LOGIN_MAX_FAILURES_PER_ACCOUNT = int(os.environ.get("LOGIN_MAX_FAILURES_PER_ACCOUNT", "5"))
LOGIN_MAX_FAILURES_PER_ADDRESS = int(os.environ.get("LOGIN_MAX_FAILURES_PER_ADDRESS", "20"))
LOGIN_LOCKOUT_MINUTES = int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15"))
# Two-factor sign-in (authenticator app) is required for the roles that can reveal
# sensitive data. On by default in production; off for the local demo unless asked for.
TWO_FACTOR_REQUIRED_ROLES = (
    ["caseworker", "station_worker", "supervisor", "admin"] if env_bool("TWO_FACTOR_REQUIRED", not DEBUG) else []
)
TWO_FACTOR_PENDING_SECONDS = 300
# An API token lasts this long (then ask for a new one); a password change or a sign-out ends it sooner.
API_TOKEN_TTL_HOURS = int(os.environ.get("API_TOKEN_TTL_HOURS", "24"))
# Only behind a proxy that sets X-Forwarded-For (docs/deploy.md) is it trusted, and then only the
# entry the nearest TRUSTED_PROXY_COUNT proxies wrote (core/client_address.py).
TRUST_X_FORWARDED_FOR = env_bool("DJANGO_TRUST_X_FORWARDED_FOR", False)
TRUSTED_PROXY_COUNT = int(os.environ.get("DJANGO_TRUSTED_PROXY_COUNT", "1"))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy and Permissions-Policy: core/middleware.py. Report-only is for trying a
# stricter policy on a live system without breaking pages.
CSP_REPORT_ONLY = env_bool("DJANGO_CSP_REPORT_ONLY", False)
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    # Load balancers and container health checks probe over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^healthz/live$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- REST framework -----------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Expiring, hashed tokens that end with a password change or a sign-out (accounts/tokens.py).
        "accounts.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.rest.Pagination",
    # Strict JSON: too deep, overflowing numbers and NUL bytes are a 400, not a crash (core/rest.py).
    "DEFAULT_PARSER_CLASSES": [
        "core.rest.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        # DRF's own classes read X-Forwarded-For whatever the settings say: ours ask core.client_address.
        "core.rest.AnonRateThrottle",
        "core.rest.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_THROTTLE_ANON", "60/minute"),
        "user": os.environ.get("API_THROTTLE_USER", "1200/minute"),
        "token": os.environ.get("API_THROTTLE_TOKEN", "20/minute"),
        # Public complaints (投诉举报), per client address.
        "complaints": os.environ.get("API_THROTTLE_COMPLAINTS", "10/hour"),
        "applications": os.environ.get("API_THROTTLE_APPLICATIONS", "10/hour"),
        "status_lookup": os.environ.get("API_THROTTLE_STATUS_LOOKUP", "30/hour"),
    },
    "EXCEPTION_HANDLER": "core.rest.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# /api/schema/ and /api/docs/ are public only in development; with DEBUG off they need a sign-in.
API_DOCS_PUBLIC = env_bool("API_DOCS_PUBLIC", DEBUG)
SPECTACULAR_SETTINGS = {
    "TITLE": "Referral Hub API",
    "DESCRIPTION": "政府救助与慈善帮扶衔接平台 REST API (v1)",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a `status`; each choice set gets its own name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "ImportStatusEnum": "core.models.ImportStatus",
        "FormEnum": "charities.models.ResourceForm",
        "CategoryEnum": "core.codes.NeedCategory",
    },
}

# --- Logging --------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"refusals_without_traceback": {"()": "core.logs.RefusalsWithoutTraceback"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["refusals_without_traceback"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own default adds a second console handler (DEBUG only) without our filter: every
        # refusal printed twice, once with its traceback. None of its own: the root's console prints it.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        **(
            {}
            if REDIS_URL
            else {
                # Tasks run in-process (no REDIS_URL): one INFO line per task and kombu's "no
                # hostname" warning for the in-memory broker say nothing to someone trying the demo.
                "celery.app.trace": {"level": "WARNING"},
                "kombu.connection": {"level": "ERROR"},
            }
        ),
    },
}

# --- Product settings ------------------------------------------------------
# Spreadsheet uploads larger than this are refused before anything reads them.
IMPORT_MAX_UPLOAD_BYTES = int(os.environ.get("IMPORT_MAX_UPLOAD_BYTES", str(10 * 1024 * 1024)))
# A zip (.xlsx) expands: refuse one whose members unpack to more than this, or whose sheets span more
# cells than this, before any reader lays them out in memory (issue #14, finding 3).
IMPORT_MAX_EXPANDED_BYTES = int(os.environ.get("IMPORT_MAX_EXPANDED_BYTES", str(100 * 1024 * 1024)))
IMPORT_MAX_CELLS = int(os.environ.get("IMPORT_MAX_CELLS", str(2_000_000)))
# Uploads are stored encrypted and deleted once imported or failed; one checked (or refused) and then
# left alone is deleted this many hours after its last change (the import sweeper, every 5 minutes).
IMPORT_FILE_KEEP_HOURS = int(os.environ.get("IMPORT_FILE_KEEP_HOURS", "24"))
# A request body larger than this has its files dropped unread and answered with the size error
# (core/uploads.py): the largest allowed file (import, consent evidence: 10 MB) plus room for the form.
UPLOAD_MAX_REQUEST_BYTES = int(os.environ.get("UPLOAD_MAX_REQUEST_BYTES", str(IMPORT_MAX_UPLOAD_BYTES + 1024 * 1024)))
# Uploads up to the request limit stay in memory: an import's plain ID numbers never touch a temporary file.
FILE_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_REQUEST_BYTES
FILE_UPLOAD_HANDLERS = [
    "core.uploads.OversizedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Only for the test of a worker killed mid-import (tests/faults/): slows every step of the write down.
IMPORT_WRITE_DELAY_SECONDS = float(os.environ.get("IMPORT_WRITE_DELAY_SECONDS", "0"))
# A bulk write of at least this many rows (an import, a region table) re-samples the planner's
# statistics of the tables it wrote once committed (core/statistics.py): autovacuum waits for a
# tenth of a table to change, and lists filtered by region would plan from the old sample.
ANALYZE_AFTER_ROWS = int(os.environ.get("ANALYZE_AFTER_ROWS", "1000"))
# The public complaint form accepts at most this many complaints per hour from one address.
COMPLAINT_FORM_RATE_PER_HOUR = int(os.environ.get("COMPLAINT_FORM_RATE_PER_HOUR", "5"))
# The public online application (在线申请, docs/public-api.md): at most this many applications an
# hour from one address and a day from one phone; a request body above the byte limit is refused unread.
APPLICATION_RATE_PER_ADDRESS_PER_HOUR = int(os.environ.get("APPLICATION_RATE_PER_ADDRESS_PER_HOUR", "5"))
APPLICATION_RATE_PER_PHONE_PER_DAY = int(os.environ.get("APPLICATION_RATE_PER_PHONE_PER_DAY", "3"))
APPLICATION_MAX_BODY_BYTES = int(os.environ.get("APPLICATION_MAX_BODY_BYTES", str(16 * 1024)))
# The township station calls an applicant back within this many hours (SPEC rule 9: emergencies first).
APPLICATION_CALL_BACK_HOURS = {
    "emergency": int(os.environ.get("APPLICATION_CALL_BACK_HOURS_EMERGENCY", "2")),
    "urgent": int(os.environ.get("APPLICATION_CALL_BACK_HOURS_URGENT", "24")),
    "routine": int(os.environ.get("APPLICATION_CALL_BACK_HOURS_ROUTINE", "72")),
}
# An online consent lasts this long (it can be revoked at any time by calling the station).
APPLICATION_CONSENT_DAYS = int(os.environ.get("APPLICATION_CONSENT_DAYS", "365"))
# The public status lookup: tries an hour from one address, and wrong tries an hour for one reference.
STATUS_LOOKUP_RATE_PER_ADDRESS_PER_HOUR = int(os.environ.get("STATUS_LOOKUP_RATE_PER_ADDRESS_PER_HOUR", "20"))
STATUS_LOOKUP_FAILURES_PER_REFERENCE_PER_HOUR = int(
    os.environ.get("STATUS_LOOKUP_FAILURES_PER_REFERENCE_PER_HOUR", "5")
)
# Health check: how long to wait for a Celery worker to answer a ping.
HEALTHZ_WORKER_TIMEOUT = float(os.environ.get("HEALTHZ_WORKER_TIMEOUT", "1.5"))

# Reveal of a full ID number, phone etc. (issue 14 F17): at most this many per user per hour; the
# supervisors of the person's region hear when a user reaches the alert count within an hour.
REVEAL_MAX_PER_HOUR = int(os.environ.get("REVEAL_MAX_PER_HOUR", "30"))
REVEAL_ALERT_PER_HOUR = int(os.environ.get("REVEAL_ALERT_PER_HOUR", "15"))

# --- Referrals (cases) ---------------------------------------------------------
# How long the receiving organization has to answer, per urgency, and for fast-track
# referrals (the shorter one applies). SPEC rules 3 and 9.
REFERRAL_RESPONSE_HOURS = {
    "emergency": int(os.environ.get("REFERRAL_RESPONSE_HOURS_EMERGENCY", "24")),
    "urgent": int(os.environ.get("REFERRAL_RESPONSE_HOURS_URGENT", str(3 * 24))),
    "routine": int(os.environ.get("REFERRAL_RESPONSE_HOURS_ROUTINE", str(7 * 24))),
    "fast_track": int(os.environ.get("REFERRAL_RESPONSE_HOURS_FAST_TRACK", "48")),
}
# A reminder goes to the receiving organization this long before respond_by.
REFERRAL_REMINDER_HOURS_BEFORE = int(os.environ.get("REFERRAL_REMINDER_HOURS_BEFORE", "12"))
# After acceptance (SPEC state machine): help starts within these hours of accepting, and feedback is
# due within these days of starting, by urgency; a reminder goes REFERRAL_REMINDER_HOURS_BEFORE
# before each, an escalation (the referring office and the supervisors) after it.
REFERRAL_START_HOURS = {
    "emergency": int(os.environ.get("REFERRAL_START_HOURS_EMERGENCY", "24")),
    "urgent": int(os.environ.get("REFERRAL_START_HOURS_URGENT", str(3 * 24))),
    "routine": int(os.environ.get("REFERRAL_START_HOURS_ROUTINE", str(7 * 24))),
}
REFERRAL_FEEDBACK_DAYS = {
    "emergency": int(os.environ.get("REFERRAL_FEEDBACK_DAYS_EMERGENCY", "7")),
    "urgent": int(os.environ.get("REFERRAL_FEEDBACK_DAYS_URGENT", "15")),
    "routine": int(os.environ.get("REFERRAL_FEEDBACK_DAYS_ROUTINE", "30")),
}
# After a referral closes, the charity still sees it (and the consented data) this long.
REFERRAL_VISIBLE_AFTER_CLOSE_DAYS = int(os.environ.get("REFERRAL_VISIBLE_AFTER_CLOSE_DAYS", "30"))
# 抽样回访: the share of last week's completed referrals that get a follow-up visit.
FOLLOW_UP_SHARE = float(os.environ.get("FOLLOW_UP_SHARE", "0.2"))
FOLLOW_UP_DUE_DAYS = int(os.environ.get("FOLLOW_UP_DUE_DAYS", "14"))
# Text messages go through this backend (core/sms.py): the default only logs them;
# "core.sms_aliyun.AliyunSMSBackend" sends through 阿里云短信服务 (docs/public-api.md, "Text messages").
SMS_BACKEND = os.environ.get("SMS_BACKEND", "core.sms.LoggingSMSBackend")
SMS_ALIYUN_ACCESS_KEY_ID = os.environ.get("SMS_ALIYUN_ACCESS_KEY_ID", "")
SMS_ALIYUN_ACCESS_KEY_SECRET = os.environ.get("SMS_ALIYUN_ACCESS_KEY_SECRET", "")
SMS_ALIYUN_ENDPOINT = os.environ.get("SMS_ALIYUN_ENDPOINT", "https://dysmsapi.aliyuncs.com/")
SMS_ALIYUN_REGION_ID = os.environ.get("SMS_ALIYUN_REGION_ID", "cn-hangzhou")
# The signature (签名) the provider approved for the county, e.g. 延川县民政局.
SMS_SIGN_NAME = os.environ.get("SMS_SIGN_NAME", "")
SMS_TIMEOUT_SECONDS = float(os.environ.get("SMS_TIMEOUT_SECONDS", "10"))
SMS_MAX_ATTEMPTS = int(os.environ.get("SMS_MAX_ATTEMPTS", "5"))
# Each message the product sends, as the provider's approved template code and its parameter names.
# The approved wording is what the person reads; the suggested wording is in docs/public-api.md.
SMS_TEMPLATES: dict[str, dict[str, object]] = {
    "staff_notice": {"code": os.environ.get("SMS_TEMPLATE_STAFF_NOTICE", ""), "params": ["title"]},
    "application_received": {
        "code": os.environ.get("SMS_TEMPLATE_APPLICATION_RECEIVED", ""),
        "params": ["reference", "hours"],
    },
    "referral_accepted": {"code": os.environ.get("SMS_TEMPLATE_REFERRAL_ACCEPTED", ""), "params": ["reference"]},
}
NOTIFICATION_MAX_ATTEMPTS = int(os.environ.get("NOTIFICATION_MAX_ATTEMPTS", "5"))
NOTIFICATION_QUEUE = os.environ.get("NOTIFICATION_QUEUE", "celery")
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# For django.core.mail.backends.filebased.EmailBackend (a mail drop the fault tests count).
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "referral-hub@localhost")
CELERY_BEAT_SCHEDULE.update(
    {
        "referral-reminders": {"task": "cases.tasks.send_reminders", "schedule": crontab(minute="*/15")},
        "referral-expiry": {"task": "cases.tasks.expire_overdue", "schedule": crontab(minute="*/5")},
        "referral-deadlines-after-accept": {
            "task": "cases.tasks.deadlines_after_accept",
            "schedule": crontab(minute="*/15"),
        },
        "emergency-escalation": {"task": "cases.tasks.escalate_emergencies", "schedule": crontab(minute="*/5")},
        "referral-access-after-close": {
            "task": "cases.tasks.end_access_after_close",
            "schedule": crontab(hour=1, minute=40),
        },
        "notification-sweeper": {"task": "cases.tasks.sweep_notifications", "schedule": 60.0},
        "import-sweeper": {"task": "core.tasks.sweep_import_batches", "schedule": 300.0},
        "follow-up-sampling": {
            "task": "cases.tasks.sample_follow_ups",
            "schedule": crontab(day_of_week=1, hour=6, minute=0),
        },
    }
)

# --- matching (issue #6) -----------------------------------------------------
# Points for each part of a score, laid over matching.problem.Weights (e.g. {"amount_fit": 5.0}).
MATCHING_WEIGHTS: dict[str, object] = {}
# Help of a category received within this many days (the ledger) rules out a proposal of it.
MATCHING_RECEIVED_PERIOD_DAYS = int(os.environ.get("MATCHING_RECEIVED_PERIOD_DAYS", "90"))
MATCHING_QUEUE = os.environ.get("MATCHING_QUEUE", "celery")
# Seconds the budget-exact stage of a run may take (LP with budgets in yuan); at the limit the
# min-cost flow's assignment stands. A county of ~5,000 needs takes 3–9 s (docs/performance.md).
MATCHING_EXACT_SECONDS = float(os.environ.get("MATCHING_EXACT_SECONDS", "60"))
# Only for the test of a worker killed half way: slows every progress step down.
MATCHING_PROGRESS_DELAY_SECONDS = float(os.environ.get("MATCHING_PROGRESS_DELAY_SECONDS", "0"))
CELERY_BEAT_SCHEDULE["matching-nightly"] = {
    "task": "matching.tasks.start_nightly_runs",
    "schedule": crontab(hour=2, minute=50),
}

# --- county aggregates (issue #18 item 5) --------------------------------------------------------
# The city and province pages read per-county aggregate rows; this refreshes the counties changed
# since its last runs (dashboards/aggregates.py), on the heavy queue so it never delays a notification.
CELERY_BEAT_SCHEDULE["county-aggregates"] = {
    "task": "dashboards.tasks.refresh_county_aggregates",
    "schedule": float(os.environ.get("AGGREGATES_REFRESH_SECONDS", "300")),
    "options": {"queue": MATCHING_QUEUE},
}
