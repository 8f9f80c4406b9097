"""Fault: Redis is stopped during a burst of referral transitions, then started again (issue #8).

A private redis-server (no persistence, like a restart that loses its memory) is the broker, the
result backend and the cache of both the web side (this process, through the API) and a real worker.
Referrals move send → accept → start → feedback, each change notifying the other side in-app and by
email. Redis is stopped (the process terminated) half way; the actions go on and must all succeed;
Redis comes back empty on the same port; the sweeper (the periodic task, run by the worker) queues
what waited. Every notification is delivered exactly once: one attempt each, one email each.
A spreadsheet uploaded during the outage is kept too, and imported once after the import sweeper.
"""

from __future__ import annotations

import email
import email.header
import os
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from kombu import Connection
from rest_framework.test import APIClient

from accounts.models import User
from audit.models import AuditEntry
from beneficiaries.models import Person
from cases import notifications
from cases.models import Channel, DeliveryStatus, Notification
from core.imports import IMPORT_STUCK_AFTER, import_batches_sweep
from core.models import ImportBatch, ImportStatus
from referral_hub.celery import app
from tests.conftest import World, api_as
from tests.factories import make_consent, make_person
from tests.faults.conftest import PrivateRedis, broker, start_worker, stop, wait_for
from tests.faults.workbooks import good_workbook

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
]

REFERRALS = 4
IMPORTED = 5
WORKER = "outage@%h"


def sent_emails(folder: Path) -> Counter[tuple[str, str]]:
    """(recipient, subject) of every message the file-based email backend wrote."""
    found: Counter[tuple[str, str]] = Counter()
    for path in folder.glob("*.log"):
        for chunk in path.read_text().split("-" * 79 + "\n"):
            if not chunk.strip():
                continue
            message = email.message_from_string(chunk)
            subject = str(email.header.make_header(email.header.decode_header(message["Subject"])))
            found[(message["To"], subject)] += 1
    return found


def test_a_redis_outage_mid_burst_loses_no_notification_and_sends_none_twice(
    world: World, caseworker: User, charity_staff: User, private_redis: PrivateRedis, settings, request
) -> None:
    person = make_person(world.our_village, name="王秀英", phone="13812345678")
    make_consent(person, fields=["name", "phone", "address"])
    mail = Path(tempfile.mkdtemp(prefix="faults-mail-"))
    media = Path(tempfile.mkdtemp(prefix="faults-media-"))
    for folder in (mail, media):
        request.addfinalizer(lambda folder=folder: shutil.rmtree(folder, ignore_errors=True))
    settings.MEDIA_ROOT = media
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": private_redis.url,
            "KEY_PREFIX": "referral_hub",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
    charity_staff.email = "staff@charity.example"
    charity_staff.save(update_fields=["email"])
    caseworker.email = "office@bureau.example"
    caseworker.save(update_fields=["email"])
    office, charity = api_as(caseworker), api_as(charity_staff)
    office_browser = Client()
    office_browser.force_login(caseworker)
    notifications._broker_down_until = 0.0
    request.addfinalizer(lambda: setattr(notifications, "_broker_down_until", 0.0))

    ids: list[int] = []

    def create(client: APIClient) -> int:
        response = client.post(
            "/api/v1/referrals/",
            {"direction": "to_charity", "person": person.pk, "to_organization": world.charity.pk},
            format="json",
        )
        assert response.status_code == 201, response.content
        ids.append(response.json()["id"])
        return response.status_code

    def step(client: APIClient, action: str, body: dict[str, str] | None = None) -> Callable[[int], int]:
        def run(pk: int) -> int:
            response = client.post(f"/api/v1/referrals/{pk}/{action}/", body or {}, format="json")
            assert response.status_code == 200, (action, response.status_code, response.content[:300])
            return response.status_code

        return run

    rounds = [
        step(office, "send"),
        step(charity, "accept"),
        step(charity, "start"),
        step(charity, "feedback", {"outcome": "helped", "amount": "500"}),
    ]
    worker_env = {
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail),
        "DJANGO_PRIVATE_MEDIA_ROOT": str(media),
    }
    with broker(private_redis.url):
        worker = start_worker(private_redis.url, WORKER, worker_env)
        try:
            for _ in range(REFERRALS):
                create(office)
            for pk in ids:
                rounds[0](pk)  # sent: the worker delivers these while Redis is up
            wait_for(
                lambda: Notification.objects.filter(status=DeliveryStatus.DELIVERED).count() == REFERRALS * 2,
                30,
                "the worker did not deliver the first round",
            )
            # Mid-burst, on the first accept of the second half: Redis goes away.
            for position, pk in enumerate(ids):
                if position == REFERRALS // 2:
                    private_redis.stop()
                rounds[1](pk)
            for pk in ids:
                rounds[2](pk)  # still down: every request succeeds, the rows wait in the outbox
            # A spreadsheet uploaded now is kept; its check waits for the import sweeper.
            upload = office_browser.post(
                "/imports/visit_register/", {"file": SimpleUploadedFile("走访.xlsx", good_workbook(IMPORTED))}
            )
            assert upload.status_code == 302
            assert ImportBatch.objects.get().status == ImportStatus.VALIDATING
            assert not private_redis.answers()

            private_redis.start()  # same port, empty
            with Connection(private_redis.url) as control:
                node = WORKER.replace("%h", os.uname().nodename)
                wait_for(
                    lambda: app.control.ping(destination=[node], timeout=0.5, connection=control),
                    45,
                    "the worker did not reconnect to Redis",
                )
            for pk in ids:
                rounds[3](pk)
            # Changes made while Redis was away (and just after, while the web side backs off) wait.
            waiting = Notification.objects.filter(status=DeliveryStatus.PENDING).count()
            assert waiting >= (REFERRALS // 2 + REFERRALS) * 2, waiting

            total = REFERRALS * 4 * 2  # 4 changes × (in-app + email) to the other side
            assert Notification.objects.count() == total
            # Beat's periodic sweeper, as the worker runs it: queues every row still waiting.
            app.send_task("cases.tasks.sweep_notifications")
            wait_for(
                lambda: not Notification.objects.exclude(status=DeliveryStatus.DELIVERED).exists(),
                60,
                f"not all delivered: {list(Notification.objects.values_list('status', 'attempts', 'last_error'))}",
                step=0.2,
            )
            # The sweeper running again (and late duplicates) must send nothing twice.
            app.send_task("cases.tasks.sweep_notifications")
            notifications.notifications_sweep()

            # The import sweeper (ten minutes on) queues the upload's check; it is then imported once.
            later = timezone.now() + IMPORT_STUCK_AFTER + timedelta(minutes=1)
            assert import_batches_sweep(now=later) == 1
            batch = ImportBatch.objects.get()
            wait_for(lambda: ImportBatch.objects.filter(status=ImportStatus.READY).exists(), 30, "never checked")
            assert office_browser.post(f"/imports/batch/{batch.pk}/confirm/").status_code == 302
            import_batches_sweep(now=later + IMPORT_STUCK_AFTER * 2)  # a duplicate write must do nothing
            wait_for(lambda: ImportBatch.objects.filter(status=ImportStatus.IMPORTED).exists(), 30, "never imported")
            time.sleep(1.5)
        finally:
            stop(worker)

    rows = Notification.objects.all()
    assert rows.count() == total
    assert Counter(rows.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED: total}
    assert set(rows.values_list("attempts", flat=True)) == {1}
    expected = Counter(
        (row.recipient.email, row.title) for row in rows.filter(channel=Channel.EMAIL).select_related("recipient")
    )
    assert sum(expected.values()) == total // 2
    assert sent_emails(mail) == expected
    batch.refresh_from_db()
    assert batch.imported_rows == IMPORTED
    assert Person.objects.filter(name__startswith="走访").count() == IMPORTED
    assert AuditEntry.objects.filter(action="import").count() == IMPORTED * 2  # a household and a person each
