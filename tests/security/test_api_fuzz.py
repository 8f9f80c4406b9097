"""Fuzzing the API from its own OpenAPI schema (schemathesis), in-process through the WSGI app.

Every operation of /api/schema/ gets a few generated requests as a signed-in caseworker and as
charity staff: no answer may be a 500, and every documented answer must match its schema. Bounded:
FUZZ_EXAMPLES generated requests per operation and persona (default 1, derandomized so CI is repeatable);
`FUZZ_EXAMPLES=200 pytest tests/security/test_api_fuzz.py` digs deeper by hand.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from accounts.models import User
from tests.factories import ResourceFactory, make_consent, make_need, make_person, make_referral

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "1"))

# Loaded when the module is collected, through the app itself (no network, no database).
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    # Like Django's test client: the app must not close the connection that holds the test's
    # transaction at the end of each request (PostgreSQL would lose it).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def some_data(world: Any) -> None:
    """A person, need, consent, resource and referral, so ids 1… point at real rows now and then."""
    person = make_person(world.our_village)
    need = make_need(person)
    consent = make_consent(person)
    ResourceFactory.create(organization=world.charity)
    make_referral(
        person=person, from_organization=world.bureau, to_organization=world.charity, consent=consent, needs=[need]
    )


def _token_header(user: User) -> dict[str, str]:
    from accounts.tokens import api_token_issue

    return {"Authorization": f"Token {api_token_issue(user=user, with_second_step=True).key}"}


FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.mark.django_db
@schema.parametrize()
@FUZZ
def test_no_server_error_and_answers_match_the_schema(
    case: Any, caseworker: User, charity_staff: User, some_data: None
) -> None:
    # Both personas in one test: the world is built once per operation, not once per persona.
    for user in (caseworker, charity_staff):
        case.call_and_validate(headers=_token_header(user), checks=CHECKS)
