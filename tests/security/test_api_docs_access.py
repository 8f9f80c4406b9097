"""Issue 14, finding 18 (part): with DEBUG off the API schema and docs need a sign-in.

The attacker read the whole API map at /api/schema/ and /api/docs/ of a production system, anonymously.
"""

import pytest

from tests.conftest import api_as
from tests.core.test_settings import PRODUCTION_KEYS, run


@pytest.fixture
def production(settings):
    settings.API_DOCS_PUBLIC = False


def test_the_public_cannot_read_the_schema(api, db, production):
    response = api.get("/api/schema/")
    assert response.status_code == 401
    assert b"openapi" not in response.content


def test_the_public_is_sent_to_sign_in_for_the_docs(client, db, production):
    response = client.get("/api/docs/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/api/docs/"


def test_a_signed_in_account_reads_both(client, caseworker, production):
    assert b"openapi" in api_as(caseworker).get("/api/schema/").content
    client.force_login(caseworker)
    assert client.get("/api/docs/").status_code == 200


def test_development_keeps_them_open(api, client, db, settings):
    settings.API_DOCS_PUBLIC = True
    assert api.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


def test_with_debug_off_they_are_closed_by_default(tmp_path):
    probe = "import django; from django.conf import settings; django.setup(); print(settings.API_DOCS_PUBLIC)"
    result = run(probe, tmp_path, DJANGO_DEBUG="0", DJANGO_SECRET_KEY="x" * 20 + "y" * 20 + "z" * 20, **PRODUCTION_KEYS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"
