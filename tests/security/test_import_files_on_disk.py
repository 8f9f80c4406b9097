"""Issue #12 acceptance 5 (disk): no plain ID number or phone is left on disk by an import.

An upload is stored encrypted under a random name while its batch may need it (check, confirm,
error report), deleted once imported or failed, and deleted by the import sweeper when left
alone for IMPORT_FILE_KEEP_HOURS. Each test scans every file under the private media folder, a
zip's members unpacked too (an .xlsx keeps its text deflated, so a raw byte search would miss it).
"""

from __future__ import annotations

import datetime
import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import InMemoryUploadedFile, SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook

from beneficiaries.imports import VisitRegisterImport
from core.imports import import_batches_sweep
from core.models import ImportBatch, ImportStatus
from tests.factories import valid_id_number

SPEC = VisitRegisterImport()


def workbook(rows: list[dict[str, str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append([column.chinese_header() for column in SPEC.columns])
    for row in rows:
        sheet.append([row.get(column.key, "") for column in SPEC.columns])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def person(**overrides: str) -> dict[str, str]:
    values = {
        "name": "贺金贵",
        "id_number": valid_id_number(datetime.date(1955, 8, 1)),
        "phone": "13991234567",
        "household": "YP-001",
        "relation": "户主",
        "region": "610622100201",
        "address": "永坪村4组7号",
    }
    values.update(overrides)
    return values


def contents(media: Path) -> list[bytes]:
    """Every file's bytes, and the unpacked members of those that are zips."""
    found = []
    for path in media.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        found.append(data)
        if zipfile.is_zipfile(io.BytesIO(data)):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                found.extend(archive.read(name) for name in archive.namelist())
    return found


def assert_no_plain_secrets(media: Path, secrets: list[str]) -> None:
    for data in contents(media):
        for secret in secrets:
            assert secret.encode() not in data, f"{secret[:4]}… is on disk in plain text"


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def upload(client, station_worker, world, media, django_capture_on_commit_callbacks, tasks_in_process):
    client.force_login(station_worker)

    def send(content: bytes) -> ImportBatch:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/imports/visit_register/", {"file": SimpleUploadedFile("走访台账.xlsx", content)})
        assert response.status_code == 302
        assert isinstance(response.wsgi_request.FILES["file"], InMemoryUploadedFile)  # never a temporary file
        return ImportBatch.objects.latest("created_at")

    return send


def test_a_checked_upload_is_kept_encrypted_and_deleted_once_imported(
    client, upload, media, django_capture_on_commit_callbacks
):
    row = person()
    batch = upload(workbook([row]))
    assert batch.status == ImportStatus.READY
    stored = list(media.rglob("*.bin"))
    assert len(stored) == 1 and "走访" not in stored[0].name  # a random name, not the user's
    assert_no_plain_secrets(media, [row["id_number"], row["phone"]])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/batch/{batch.pk}/confirm/")
    batch.refresh_from_db()
    assert batch.status == ImportStatus.IMPORTED
    assert not batch.file and not [path for path in media.rglob("*") if path.is_file()]


def test_a_refused_upload_keeps_its_error_report_then_is_deleted_by_the_sweeper(client, upload, media, settings):
    row = person(relation="邻居")
    batch = upload(workbook([row]))
    assert batch.status == ImportStatus.INVALID
    assert_no_plain_secrets(media, [row["id_number"], row["phone"]])
    report = client.get(f"/imports/batch/{batch.pk}/errors.xlsx")
    assert report.status_code == 200  # the rows are still there to correct
    later = timezone.now() + datetime.timedelta(hours=settings.IMPORT_FILE_KEEP_HOURS, minutes=1)
    import_batches_sweep(now=later)
    batch.refresh_from_db()
    assert not batch.file and not [path for path in media.rglob("*") if path.is_file()]
    assert batch.status == ImportStatus.INVALID and "邻居" in batch.errors[0]["message"]
    assert client.get(f"/imports/batch/{batch.pk}/errors.xlsx").status_code == 200  # errors alone now


def test_a_checked_upload_never_confirmed_is_closed_and_deleted(client, upload, media, settings):
    batch = upload(workbook([person()]))
    assert batch.status == ImportStatus.READY
    import_batches_sweep(now=timezone.now() + datetime.timedelta(hours=1))
    assert [path for path in media.rglob("*") if path.is_file()]  # not yet
    import_batches_sweep(now=timezone.now() + datetime.timedelta(hours=settings.IMPORT_FILE_KEEP_HOURS, minutes=1))
    batch.refresh_from_db()
    assert batch.status == ImportStatus.INVALID and not batch.file
    assert "小时内没有导入，文件已删除" in batch.errors[0]["message"]
    refused = client.post(f"/imports/batch/{batch.pk}/confirm/", follow=True).content.decode()
    assert "此文件现在不能导入" in refused


def test_a_failed_write_deletes_the_upload(client, upload, media, django_capture_on_commit_callbacks, monkeypatch):
    batch = upload(workbook([person()]))

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(VisitRegisterImport, "commit", broken)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/batch/{batch.pk}/confirm/")
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED
    assert not [path for path in media.rglob("*") if path.is_file()]
