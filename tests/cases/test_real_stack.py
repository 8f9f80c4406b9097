"""Acceptance 2 and 3 on the real stack: PostgreSQL row locks, and Redis going away under a real worker."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from accounts.models import User
from cases import notifications
from cases.models import DeliveryStatus, Notification, ReferralStatus
from cases.notifications import notifications_sweep
from cases.services import referral_accept
from cases.transitions import ReferralError
from referral_hub.celery import app
from tests.cases.conftest import Case
from tests.conftest import World, api_as
from tests.factories.cases import make_referral

BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_accepts_exactly_one_wins(world: World, case: Case, charity_staff: User) -> None:
    referral = make_referral(
        person=case.person, from_organization=world.bureau, to_organization=world.charity, consent=case.consent
    )
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def accept() -> None:
        try:
            barrier.wait(timeout=10)
            referral_accept(referral=referral, by=charity_staff)
            outcomes.append("accepted")
        except ReferralError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=accept) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["accepted", "referral_wrong_status"]
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED
    assert referral.events.filter(action="accept").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_accepts_over_the_api_give_one_409(world: World, case: Case, charity_staff: User) -> None:
    referral = make_referral(
        person=case.person, from_organization=world.bureau, to_organization=world.charity, consent=case.consent
    )
    api = api_as(charity_staff)
    barrier = threading.Barrier(2)
    codes: list[int] = []

    def accept() -> None:
        try:
            barrier.wait(timeout=10)
            codes.append(api.post(f"/api/v1/referrals/{referral.pk}/accept/").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=accept) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(codes) == [200, 409]


def _reset_producer_pool() -> None:
    # Producer pools are kept per broker URL; forget the app's so the next publish picks the URL again.
    app._pool = None  # type: ignore[attr-defined]
    app.amqp._producer_pool = None  # type: ignore[attr-defined]


@pytest.fixture
def own_worker(settings) -> Iterator[None]:
    """A real worker on a queue of its own, reading the test database (not the shared one)."""
    queue = f"cases-outage-{os.getpid()}"
    settings.NOTIFICATION_QUEUE = queue
    db = connection.settings_dict
    env = os.environ | {
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "NOTIFICATION_QUEUE": queue,
    }
    celery = shutil.which("celery", path=str(Path(sys.executable).parent)) or "celery"
    process = subprocess.Popen(  # noqa: S603 - fixed argv, our own worker
        [celery, "-A", "referral_hub", "worker", "--pool=solo", "--loglevel=WARNING", "-Q", queue, "-n", f"{queue}@%h"],
        cwd=BASE_DIR,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while not app.control.ping(destination=[f"{queue}@{os.uname().nodename}"], timeout=1.0):
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail("The Celery worker did not start within 30 seconds", pytrace=False)
        yield
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_redis_outage_delays_but_never_loses_notifications(
    world: World, case: Case, caseworker: User, charity_staff: User, own_worker: None, caplog
) -> None:
    charity_staff.email = "staff@charity.example"
    charity_staff.save(update_fields=["email"])
    caseworker.email = "office@bureau.example"
    caseworker.save(update_fields=["email"])
    office, charity = api_as(caseworker), api_as(charity_staff)

    notifications._broker_down_until = 0.0
    # Redis goes away: every publish is refused.
    app.conf["broker_write_url"] = "redis://127.0.0.1:1/0"
    _reset_producer_pool()
    try:
        pk = office.post(
            "/api/v1/referrals/",
            {"direction": "to_charity", "person": case.person.pk, "to_organization": world.charity.pk},
            format="json",
        ).json()["id"]
        assert office.post(f"/api/v1/referrals/{pk}/send/").status_code == 200
        assert charity.post(f"/api/v1/referrals/{pk}/accept/").status_code == 200
        assert charity.post(f"/api/v1/referrals/{pk}/start/").status_code == 200
        feedback = charity.post(
            f"/api/v1/referrals/{pk}/feedback/", {"outcome": "helped", "amount": "500"}, format="json"
        )
        assert feedback.status_code == 200
    finally:
        app.conf["broker_write_url"] = None
        _reset_producer_pool()
    rows = Notification.objects.all()
    assert rows.count() == 8  # 4 changes × (in-app + email) to the other side
    assert set(rows.values_list("status", flat=True)) == {DeliveryStatus.PENDING}
    assert "the sweeper will retry" in caplog.text

    # Redis is back: the sweeper re-queues; running it twice must not send anything twice.
    assert notifications_sweep() == 8
    notifications_sweep()
    deadline = time.monotonic() + 60
    while Notification.objects.exclude(status=DeliveryStatus.DELIVERED).exists():
        assert time.monotonic() < deadline, list(Notification.objects.values_list("status", "last_error"))
        time.sleep(0.3)
    time.sleep(1.5)  # let the duplicate tasks run too
    assert set(Notification.objects.values_list("attempts", flat=True)) == {1}
    assert Notification.objects.filter(status=DeliveryStatus.DELIVERED).count() == 8
