"""Persona fixtures and service markers.

The world: 陕西省 › 延安市 › 延川县 (our county, townships 永坪镇 and 文安驿镇) and
延长县 (the other county). Personas: our caseworker, station worker and supervisor;
the other county's caseworker; our charity's staff and another charity's staff;
an administrator; and the anonymous public.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test.signals import setting_changed
from rest_framework.test import APIClient

from accounts.models import Role, User
from accounts.tokens import api_token_issue
from core.models import Organization, OrganizationKind, Region
from tests.e2e.browser import CHROMIUM
from tests.factories import OrganizationFactory, UserFactory, region

BASE_DIR = Path(__file__).resolve().parent.parent


# --- speed: a fast password hasher, a Redis cache per xdist worker, serial tests -------------
PRODUCTION_PASSWORD_HASHERS = list(settings.PASSWORD_HASHERS)
FAST_PASSWORD_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"
# Tests that must not run beside another test (`make test` runs them after the parallel part, in one
# process): they start and kill workers, servers and browsers, or watch the shared CI worker.
SERIAL_MARKERS = ("serial", "worker", "browser")
SERIAL_FOLDERS = (BASE_DIR / "tests" / "faults", BASE_DIR / "tests" / "e2e")
SERIAL_FIXTURES = ("celery_worker_process",)
# The longest tests of the parallel half (tens of seconds each) go first, so that the two workers of
# `make test` (pytest-xdist, --dist worksteal) share them out and finish together.
LONGEST_FIRST = (BASE_DIR / "tests" / "security" / "test_fuzz.py", BASE_DIR / "tests" / "core" / "test_seed_demo.py")


def pytest_configure(config: pytest.Config) -> None:
    # Persona passwords are hashed for nearly every test: PBKDF2 at full strength cost minutes of CI.
    # The production hashers stay listed after it, so their hashes still verify; a test of the
    # production hasher itself asks for it with @pytest.mark.production_hasher.
    settings.PASSWORD_HASHERS = [FAST_PASSWORD_HASHER, *PRODUCTION_PASSWORD_HASHERS]
    setting_changed.send(sender=type(settings), setting="PASSWORD_HASHERS", value=settings.PASSWORD_HASHERS, enter=True)
    _cache_per_xdist_worker()
    _empty_tables_with_delete_on_postgres()


# Tables PostgreSQL refuses DELETE on (audit/migrations/0002: the audit log is append-only): these
# are still emptied with TRUNCATE, which the row trigger does not see.
APPEND_ONLY_TABLES = ("audit_auditentry",)


def _empty_tables_with_delete_on_postgres() -> None:
    """A transactional test (live server, real worker, races) is undone by emptying every table.

    Django does it with one ``TRUNCATE`` of all the tables: about 2 s on PostgreSQL even when they are
    empty, as every table and index gets new files; the browser journeys and the worker tests pay it
    after each test. ``DELETE`` of the few rows a test leaves takes milliseconds, in the same one
    transaction (Django's foreign keys are deferred to its end). Only tests use it; sequences are not
    reset, as with Django's own teardown; a flush that asks for more (``reset_sequences``,
    ``allow_cascade``) keeps Django's ``TRUNCATE``.
    """
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate_all = DatabaseOperations.sql_flush

    def sql_flush(
        self: DatabaseOperations,
        style: Any,
        tables: Sequence[str],
        *,
        reset_sequences: bool = False,
        allow_cascade: bool = False,
    ) -> list[str]:
        if reset_sequences or allow_cascade:
            return truncate_all(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        deletes = [
            f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(table))};"
            for table in tables
            if table not in APPEND_ONLY_TABLES
        ]
        return deletes + truncate_all(self, style, [table for table in tables if table in APPEND_ONLY_TABLES])

    DatabaseOperations.sql_flush = sql_flush  # type: ignore[method-assign,assignment]


def _cache_per_xdist_worker() -> None:
    """Under pytest-xdist each worker gets a Redis database of its own for the cache, so one worker's
    cache.clear() (before and after every test) never wipes another's throttle counters. The broker
    and result backend stay on REDIS_URL: the worker tests (serial) use the CI worker there."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    location = settings.CACHES["default"].get("LOCATION")
    if not worker.startswith("gw") or not settings.REDIS_URL or not isinstance(location, str):
        return
    base, _, db = location.rpartition("/")
    if not (db.isdigit() or db == "") or not worker.removeprefix("gw").isdigit():
        return
    # Databases 8-15, never 0-7 (CI's broker on 0, a developer's REDIS_URL on 1-7): CI gets 8 and 9.
    settings.CACHES["default"]["LOCATION"] = f"{base}/{8 + (int(db or 0) + int(worker[2:])) % 8}"
    setting_changed.send(sender=type(settings), setting="CACHES", value=settings.CACHES, enter=True)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if (
            any(item.get_closest_marker(name) for name in SERIAL_MARKERS)
            or any(folder in item.path.parents for folder in SERIAL_FOLDERS)
            or any(name in getattr(item, "fixturenames", ()) for name in SERIAL_FIXTURES)
        ):
            item.add_marker(pytest.mark.serial)
    items.sort(key=lambda item: item.path not in LONGEST_FIRST)


@pytest.fixture(autouse=True)
def _production_hasher(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("production_hasher"):
        request.getfixturevalue("settings").PASSWORD_HASHERS = PRODUCTION_PASSWORD_HASHERS


# --- service markers --------------------------------------------------------
def _service_missing(marker: str) -> str | None:
    if marker == "postgres" and settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return "PostgreSQL is not configured (set DATABASE_URL=postgres://…)"
    if marker in ("redis", "worker") and not settings.REDIS_URL:
        return "Redis is not configured (set REDIS_URL=redis://…)"
    if marker == "browser" and shutil.which(CHROMIUM) is None:
        return f"Chromium is not installed at {CHROMIUM} (apt-get install chromium; or set E2E_CHROMIUM)"
    return None


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker in ("postgres", "redis", "worker", "browser"):
        if item.get_closest_marker(marker) is None:
            continue
        reason = _service_missing(marker)
        if reason is None:
            continue
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def celery_worker_process() -> Iterator[None]:
    """A real Celery worker on REDIS_URL: the one CI started, or one started here."""
    from referral_hub.celery import app

    if app.control.ping(timeout=2.0):
        yield
        return
    celery = shutil.which("celery", path=str(Path(sys.executable).parent)) or "celery"
    process = subprocess.Popen(  # noqa: S603 - fixed argv, our own worker
        [celery, "-A", "referral_hub", "worker", "--pool=solo", "--loglevel=WARNING", "-n", "pytest@%h"],
        cwd=BASE_DIR,
    )
    try:
        deadline = time.monotonic() + 30
        while not app.control.ping(timeout=1.0):
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail("The Celery worker did not start within 30 seconds", pytrace=False)
        yield
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(autouse=True)
def _clean_cache() -> Iterator[None]:
    # Throttle counters live in the cache; one test must not throttle the next.
    cache.clear()
    yield
    cache.clear()


# --- the world ----------------------------------------------------------------
OUR_COUNTY = "610622000000"
OUR_TOWNSHIP = "610622100000"
OUR_VILLAGE = "610622100201"
OTHER_TOWNSHIP = "610622102000"
OTHER_COUNTY = "610621000000"


@dataclass
class World:
    province: Region
    our_county: Region
    our_township: Region
    our_village: Region
    other_township: Region
    other_county: Region
    bureau: Organization
    station: Organization
    charity: Organization
    other_bureau: Organization
    other_charity: Organization


@pytest.fixture
def world(db: None) -> World:
    province = region("610000000000", "陕西省")
    region("610600000000", "延安市")
    our_county = region(OUR_COUNTY, "延川县")
    our_township = region(OUR_TOWNSHIP, "永坪镇")
    our_village = region(OUR_VILLAGE, "永坪村")
    other_township = region(OTHER_TOWNSHIP, "文安驿镇")
    region("610622102201", "文安驿村")
    other_county = region(OTHER_COUNTY, "延长县")
    region("610621001000", "七里村街道")
    return World(
        province=province,
        our_county=our_county,
        our_township=our_township,
        our_village=our_village,
        other_township=other_township,
        other_county=other_county,
        bureau=OrganizationFactory.create(
            kind=OrganizationKind.CIVIL_AFFAIRS_BUREAU, name="延川县民政局", region=our_county
        ),
        station=OrganizationFactory.create(
            kind=OrganizationKind.SERVICE_STATION, name="永坪镇民政服务站", credit_code="", region=our_township
        ),
        charity=OrganizationFactory.create(kind=OrganizationKind.CHARITY, name="延川县慈善协会", region=our_county),
        other_bureau=OrganizationFactory.create(
            kind=OrganizationKind.CIVIL_AFFAIRS_BUREAU, name="延长县民政局", region=other_county
        ),
        other_charity=OrganizationFactory.create(
            kind=OrganizationKind.CHARITY, name="延长县阳光助困基金会", region=other_county
        ),
    )


@pytest.fixture
def caseworker(world: World) -> User:
    return UserFactory.create(
        username="caseworker", role=Role.CASEWORKER, organization=world.bureau, jurisdiction=world.our_county
    )


@pytest.fixture
def other_county_caseworker(world: World) -> User:
    return UserFactory.create(
        username="other_caseworker",
        role=Role.CASEWORKER,
        organization=world.other_bureau,
        jurisdiction=world.other_county,
    )


@pytest.fixture
def station_worker(world: World) -> User:
    return UserFactory.create(
        username="station", role=Role.STATION_WORKER, organization=world.station, jurisdiction=world.our_township
    )


@pytest.fixture
def supervisor(world: World) -> User:
    return UserFactory.create(
        username="supervisor", role=Role.SUPERVISOR, organization=world.bureau, jurisdiction=world.our_county
    )


@pytest.fixture
def charity_staff(world: World) -> User:
    return UserFactory.create(username="charity", role=Role.CHARITY_STAFF, organization=world.charity)


@pytest.fixture
def other_charity_staff(world: World) -> User:
    return UserFactory.create(username="charity2", role=Role.CHARITY_STAFF, organization=world.other_charity)


@pytest.fixture
def admin_user(world: World) -> User:
    return UserFactory.create(username="admin", role=Role.ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def api_as(user: User) -> APIClient:
    client = APIClient()
    key = api_token_issue(user=user, with_second_step=True).key
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def tasks_in_process() -> Iterator[None]:
    """Run Celery tasks in-process even when REDIS_URL points at a real broker: for tests of
    what a task does inside the test's transaction, not of the queue (that is the worker mark)."""
    from referral_hub.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before
