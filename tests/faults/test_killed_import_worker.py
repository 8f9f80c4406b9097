"""Fault: the Celery worker writing a spreadsheet import is killed with SIGKILL half way (issue #8).

The import is uploaded and confirmed through the real pages; a real worker on a private Redis checks
and writes it. Every step of the write sleeps (``IMPORT_WRITE_DELAY_SECONDS``) so the worker can be
killed inside the write's transaction, after the households and people were inserted and before
the commit. Nothing is visible then: PostgreSQL rolls the transaction back when the connection dies.
The message was taken with ``acks_late`` and never acknowledged, so after the (shortened) visibility
timeout the broker gives it to the next worker, which imports every row, exactly once.
"""

from __future__ import annotations

import io
import shutil
import signal
import tempfile
import time
from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook

from accounts.models import User
from audit.models import AuditEntry
from beneficiaries.imports import VisitRegisterImport
from beneficiaries.models import Household, Need, Person
from core.imports import import_progress
from core.models import ImportBatch, ImportStatus
from tests.conftest import World
from tests.factories import valid_id_number
from tests.faults.conftest import PrivateRedis, broker, start_worker, stop, wait_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
]

HOUSEHOLDS = 6
PEOPLE_PER_HOUSEHOLD = 3


def visit_register() -> SimpleUploadedFile:
    spec = VisitRegisterImport()
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([column.chinese_header() for column in spec.columns])
    for household in range(HOUSEHOLDS):
        for member in range(PEOPLE_PER_HOUSEHOLD):
            values = {
                "name": f"走访{household}{member}",
                "id_number": valid_id_number(date(1950 + household, 1 + member, 10 + household), male=member == 0),
                "phone": f"1399123{household:02d}{member:02d}",
                "household": f"YP-K{household:02d}",
                "relation": "户主" if member == 0 else "子女",
                "region": "610622100201",
                "address": f"永坪村{household}组",
                "assistance_statuses": "低保",
                "need_category": "医疗" if member == 0 else "",
                "need_description": "住院费用缺口" if member == 0 else "",
                "urgency": "紧急" if member == 0 else "",
            }
            sheet.append([values.get(column.key, "") for column in spec.columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("走访排查台账.xlsx", buffer.getvalue())


def test_an_import_whose_worker_is_killed_mid_write_is_imported_once_by_the_next_worker(
    world: World, station_worker: User, private_redis: PrivateRedis, settings, request
) -> None:
    people = HOUSEHOLDS * PEOPLE_PER_HOUSEHOLD
    media = Path(tempfile.mkdtemp(prefix="faults-media-"))
    request.addfinalizer(lambda: shutil.rmtree(media, ignore_errors=True))
    settings.MEDIA_ROOT = media
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": private_redis.url,
            "KEY_PREFIX": "referral_hub",
        }
    }
    env = {"DJANGO_PRIVATE_MEDIA_ROOT": str(media)}
    browser = Client()
    browser.force_login(station_worker)
    with broker(private_redis.url):
        first = start_worker(private_redis.url, "import-first@%h", env | {"IMPORT_WRITE_DELAY_SECONDS": "1.5"})
        try:
            assert browser.post("/imports/visit_register/", {"file": visit_register()}).status_code == 302
            batch = ImportBatch.objects.get()
            wait_for(
                lambda: ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.READY).exists(),
                30,
                f"the first worker did not check the file: {ImportBatch.objects.values('status', 'errors').first()}",
            )
            assert browser.post(f"/imports/batch/{batch.pk}/confirm/").status_code == 302
            batch.refresh_from_db()
            # 80 %: households and people inserted (not committed); the needs and audit entries still to come.
            wait_for(lambda: import_progress(batch) >= 80, 30, "the first worker never got half way")
            assert not Person.objects.exists(), "rows of an uncommitted import are visible"
            first.send_signal(signal.SIGKILL)  # no warm shutdown, no chance to acknowledge or roll back itself
            first.wait(timeout=10)
        finally:
            stop(first, sig=signal.SIGKILL)
        batch.refresh_from_db()
        assert batch.status == ImportStatus.IMPORTING
        assert (Household.objects.count(), Person.objects.count(), Need.objects.count()) == (0, 0, 0)
        assert not AuditEntry.objects.filter(action="import").exists()

        second = start_worker(private_redis.url, "import-second@%h", env | {"CELERY_VISIBILITY_TIMEOUT": "1"})
        try:
            wait_for(
                lambda: ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.IMPORTED).exists(),
                60,
                "the broker did not hand the killed import to the next worker",
                step=0.2,
            )
            time.sleep(1.5)  # a duplicate delivery, if any, has time to run (and must do nothing)
        finally:
            stop(second)
    batch.refresh_from_db()
    assert batch.imported_rows == people
    assert Household.objects.count() == HOUSEHOLDS
    assert Person.objects.count() == people
    assert Person.objects.values("id_number_index").distinct().count() == people
    assert Need.objects.count() == HOUSEHOLDS
    assert AuditEntry.objects.filter(action="import").count() == HOUSEHOLDS + people
    # The batch page says so, as the user sees it.
    page = browser.get(f"/imports/batch/{batch.pk}/")
    assert page.status_code == 200 and str(people) in page.content.decode()
