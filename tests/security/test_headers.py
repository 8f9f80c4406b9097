"""Security headers on pages, API answers and the API docs; HSTS and secure cookies in production."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.test import Client

from accounts.models import User
from tests.conftest import api_as
from tests.core.test_settings import PRODUCTION_KEYS, run

BASE_DIR = Path(__file__).resolve().parents[2]


def directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] for part in policy.split("; ")}


def assert_common_headers(response) -> None:
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]


def test_a_page_forbids_inline_script_framing_and_plugins(client: Client, db: None) -> None:
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    csp = directives(response)
    assert csp["script-src"] == "'self'"
    assert csp["default-src"] == "'self'"
    assert csp["object-src"] == "'none'"
    assert csp["frame-ancestors"] == "'none'"
    assert csp["form-action"] == "'self'"
    assert response["X-Frame-Options"] == "DENY"
    assert_common_headers(response)


def test_a_signed_in_page_is_not_kept_in_caches(client: Client, caseworker: User) -> None:
    client.force_login(caseworker)
    response = client.get("/register/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert directives(response)["script-src"] == "'self'"
    assert_common_headers(response)


def test_an_api_answer_carries_the_same_headers(caseworker: User) -> None:
    response = api_as(caseworker).get("/api/v1/me/")
    assert response.status_code == 200
    assert directives(response)["script-src"] == "'self'"
    assert response["Cache-Control"] == "no-store"
    assert_common_headers(response)


def test_the_swagger_page_alone_may_run_its_inline_starter(client: Client, db: None) -> None:
    response = client.get("/api/docs/")
    assert response.status_code == 200
    csp = directives(response)
    assert csp["script-src"] == "'self' 'unsafe-inline'"
    assert csp["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in directives(client.get("/api/schema/"))["script-src"]


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


@pytest.mark.parametrize("template", sorted((BASE_DIR / "templates").rglob("*.html")), ids=str)
def test_no_template_needs_inline_script(template: Path) -> None:
    # The policy forbids them: a page with one would silently lose that behaviour.
    text = template.read_text(encoding="utf-8")
    assert not INLINE_SCRIPT.search(text), f"{template}: inline <script> (move it to a static .js file)"
    assert not EVENT_HANDLER.search(text), f"{template}: on…= handler attribute (bind it in a static .js file)"
    assert "javascript:" not in text.lower(), f"{template}: javascript: URL"


PRODUCTION_PROBE = (
    "import json, warnings, django; warnings.simplefilter('ignore'); django.setup(); from django.conf import settings; from django.test import Client; "
    "r = Client().get('/healthz', secure=True); "
    "plain = Client().get('/accounts/login/'); "
    "print(json.dumps({'hsts': r.get('Strict-Transport-Security', ''), 'csp': r.get('Content-Security-Policy', ''), "
    "'redirect': [plain.status_code, plain.get('Location', '')], "
    "'session_secure': settings.SESSION_COOKIE_SECURE, 'csrf_secure': settings.CSRF_COOKIE_SECURE, "
    "'session_httponly': settings.SESSION_COOKIE_HTTPONLY}))"
)


def test_production_sends_hsts_and_marks_cookies_secure(tmp_path: Path) -> None:
    result = run(
        PRODUCTION_PROBE,
        tmp_path,
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="x" * 60,
        DJANGO_ALLOWED_HOSTS="testserver",
        **PRODUCTION_KEYS,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert "script-src 'self';" in seen["csp"]
    assert seen["redirect"] == [301, "https://testserver/accounts/login/"]
    assert seen["session_secure"] is True and seen["csrf_secure"] is True and seen["session_httponly"] is True
