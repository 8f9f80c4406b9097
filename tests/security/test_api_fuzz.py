"""Fuzzing the API from its own OpenAPI schema (schemathesis), in-process through the WSGI app.

Every operation of /api/schema/ gets generated requests as a signed-in caseworker and as charity
staff: no answer may be a 500, and every documented answer must match its schema. Bounded so CI
stays fast and repeatable (derandomized): for each operation its schema examples, FUZZ_EXAMPLES
generated requests (default 1), and every FUZZ_COVERAGE_EVERY-th (default 24) of the coverage
phase's boundary and invalid values, in their fixed order. The schema is built when the test runs
(a fixture), not when pytest collects the suite. By hand, to dig deeper:
`FUZZ_EXAMPLES=200 FUZZ_COVERAGE_EVERY=1 pytest tests/security/test_api_fuzz.py` (all ~9,000
coverage cases: a few minutes).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.meta import TestPhase
from schemathesis.specs.openapi.checks import response_schema_conformance

from accounts.models import User
from tests.factories import ResourceFactory, make_consent, make_need, make_person, make_referral

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "1"))
COVERAGE_EVERY = max(1, int(os.environ.get("FUZZ_COVERAGE_EVERY", "24")))


@pytest.fixture
def api_schema() -> Any:
    """Through the app itself (no network, no database): built when the test runs, not at collection."""
    return schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request: pytest.FixtureRequest) -> None:
    # schemathesis 4.32's lazy schemas read and set `node._nodeid`, which pytest 9 no longer has.
    request.node._nodeid = request.node.nodeid


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    # Like Django's test client: the app must not close the connection that holds the test's
    # transaction at the end of each request (PostgreSQL would lose it).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


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
_coverage_seen: Counter[str] = Counter()


def _sampled_out(case: Any) -> bool:
    """The coverage phase lists ~130 cases per operation in a fixed order: keep every COVERAGE_EVERY-th."""
    if case.meta is None or case.meta.phase.name != TestPhase.COVERAGE:
        return False
    _coverage_seen[case.operation.label] += 1
    return (_coverage_seen[case.operation.label] - 1) % COVERAGE_EVERY != 0


@pytest.mark.django_db
@schema.parametrize()
@FUZZ
def test_no_server_error_and_answers_match_the_schema(
    case: Any, caseworker: User, charity_staff: User, some_data: None
) -> None:
    # Both personas in one test: the world is built once, not once per persona.
    if _sampled_out(case):
        return
    for user in (caseworker, charity_staff):
        case.call_and_validate(headers=_token_header(user), checks=CHECKS)
