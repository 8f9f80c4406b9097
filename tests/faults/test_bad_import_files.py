"""Fault: an import file that is truncated, of the wrong format, or 50 MB (issue #8).

Through the real upload page and, where the file is read in Celery, a real worker (on a private
Redis): each gets a clear Chinese error and nothing is imported (row counts before and after).
The 50 MB upload is dropped unread by core.uploads.OversizedUploadHandler (no copy in memory or in a
temporary file) and answered with the size error. Stored uploads live under MEDIA_ROOT, which is
outside the web root and has no URL.
"""

from __future__ import annotations

import io
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEntry
from beneficiaries.models import Consent, Household, Need, Person
from core.models import ImportBatch, ImportStatus
from core.uploads import DiscardedUpload
from tests.conftest import World, api_as
from tests.factories import make_person
from tests.faults.conftest import REDIS_PORTS, PrivateRedis, broker, free_port, start_worker, stop, wait_for
from tests.faults.workbooks import good_workbook

DAMAGED = "无法读取该 Excel 文件，文件可能已损坏或不完整"
WRONG_TYPE = "只能导入 Excel 文件（.xlsx、.xls）或 .csv 文件"
FIFTY_MB = 50 * 1024 * 1024


@pytest.fixture(scope="module")
def media() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="faults-media-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def import_worker(media: Path) -> Iterator[PrivateRedis]:
    """One private Redis and one worker for the module: the uploads' files are read there."""
    redis = PrivateRedis(free_port(REDIS_PORTS))
    redis.start()
    worker = None
    try:
        with broker(redis.url):
            worker = start_worker(redis.url, "bad-files@%h", {"DJANGO_PRIVATE_MEDIA_ROOT": str(media)})
        yield redis
    finally:
        stop(worker)
        redis.stop()


@pytest.fixture
def browser(media: Path, station_worker: User, settings) -> Client:
    """The station worker signed in; what the pages refuse at once never reaches a worker."""
    settings.MEDIA_ROOT = media
    client = Client()
    client.force_login(station_worker)
    return client


@pytest.fixture
def uploader(import_worker: PrivateRedis, browser: Client) -> Iterator[Client]:
    """The same, with the checks queued to the real worker."""
    with broker(import_worker.url):
        yield browser


def counts() -> dict[str, int]:
    return {
        "households": Household.objects.count(),
        "people": Person.objects.count(),
        "needs": Need.objects.count(),
        "imported": AuditEntry.objects.filter(action="import").count(),
        "batches": ImportBatch.objects.count(),
    }


def stored_files(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file()]


def not_a_workbook() -> bytes:
    """A real zip (starts like an .xlsx) holding a Word-like document, not a workbook."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document>走访排查</document>")
    return buffer.getvalue()


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "content",
    [
        pytest.param(lambda: good_workbook()[: len(good_workbook()) * 2 // 3], id="truncated"),
        pytest.param(not_a_workbook, id="zip-but-not-a-workbook"),
    ],
)
def test_a_damaged_workbook_is_reported_by_the_worker_and_nothing_is_imported(
    world: World, uploader: Client, content
) -> None:
    before = counts()
    response = uploader.post("/imports/visit_register/", {"file": SimpleUploadedFile("走访排查台账.xlsx", content())})
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    wait_for(
        lambda: ImportBatch.objects.filter(pk=batch.pk).exclude(status=ImportStatus.VALIDATING).exists(),
        30,
        "the worker did not check the file",
    )
    batch.refresh_from_db()
    assert batch.status == ImportStatus.INVALID
    page = uploader.get(f"/imports/batch/{batch.pk}/").content.decode()
    assert DAMAGED in page and "Traceback" not in page
    # Confirming anyway is refused, and nothing is written.
    refused = uploader.post(f"/imports/batch/{batch.pk}/confirm/", follow=True).content.decode()
    assert "此文件现在不能导入" in refused
    batch.refresh_from_db()
    assert batch.status == ImportStatus.INVALID
    assert counts() == before | {"batches": before["batches"] + 1}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content"),
    [
        pytest.param("走访排查台账.xlsx", "姓名,身份证号\n贺金贵,610622195508010011\n".encode(), id="csv-named-xlsx"),
        pytest.param("走访排查台账.docx", b"PK\x03\x04" + b"\0" * 2000, id="word"),
        pytest.param("走访排查台账.pdf", b"%PDF-1.7\n" + b"\0" * 2000, id="pdf"),
    ],
)
def test_the_wrong_format_is_refused_at_upload_and_nothing_is_stored(
    world: World, browser: Client, media: Path, name: str, content: bytes
) -> None:
    before, files = counts(), stored_files(media)
    response = browser.post("/imports/visit_register/", {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 200
    assert WRONG_TYPE in response.content.decode()
    assert counts() == before
    assert stored_files(media) == files


@pytest.mark.django_db
def test_a_50_mb_file_is_refused_unread_with_the_size_error(world: World, browser: Client, media: Path) -> None:
    before, files = counts(), stored_files(media)
    huge = SimpleUploadedFile("走访排查台账.xlsx", b"PK\x03\x04" + bytes(FIFTY_MB - 4))
    response = browser.post("/imports/visit_register/", {"file": huge})
    assert response.status_code == 200
    page = response.content.decode()
    assert "文件大小为 50.0 MB，超过 10 MB 的上限" in page
    # The upload handler counted the bytes and kept none: no temporary file, no copy in memory.
    upload = response.wsgi_request.FILES["file"]
    assert isinstance(upload, DiscardedUpload) and upload.size == FIFTY_MB
    assert counts() == before
    assert stored_files(media) == files


@pytest.mark.django_db
def test_a_50_mb_consent_evidence_is_refused_with_a_chinese_error(
    world: World, station_worker: User, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    person = make_person(world.our_village)
    now = timezone.now()
    response = api_as(station_worker).post(
        "/api/v1/consents/",
        {
            "person": person.pk,
            "purposes": ["charity_referral"],
            "recipient_scope": "organization",
            "recipient_organization": world.charity.pk,
            "fields": ["name", "phone"],
            "method": "signed_form",
            "granted_at": (now - timedelta(hours=1)).isoformat(),
            "expires_at": (now + timedelta(days=365)).isoformat(),
            "evidence": SimpleUploadedFile(
                "同意书.pdf", b"%PDF-1.7\n" + bytes(FIFTY_MB), content_type="application/pdf"
            ),
        },
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["evidence"] == ["文件超过 10 MB，请降低扫描分辨率后重新上传。"]
    assert not Consent.objects.exists()
    assert not stored_files(tmp_path)


@pytest.mark.django_db
def test_uploads_are_stored_outside_the_web_root_and_have_no_url(world: World, browser: Client, media: Path) -> None:
    response = browser.post("/imports/visit_register/", {"file": SimpleUploadedFile("走访.xlsx", good_workbook(2))})
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    stored = Path(batch.file.path).resolve()
    assert stored.is_file() and stored.is_relative_to(media.resolve())
    web_roots = [Path(django_settings.STATIC_ROOT), *map(Path, django_settings.STATICFILES_DIRS)]
    assert not any(stored.is_relative_to(root.resolve()) for root in web_roots)
    # Neither the media URL nor the static URL serves it; only the uploader's batch page mentions it.
    assert browser.get(django_settings.MEDIA_URL + batch.file.name).status_code == 404
    assert browser.get(django_settings.STATIC_URL + batch.file.name).status_code == 404
    # And the default place is the private var/ folder, not under static/.
    default = Path(django_settings.BASE_DIR) / "var" / "private"
    assert not any(default.resolve().is_relative_to(root.resolve()) for root in web_roots)


@pytest.mark.django_db
def test_a_50_mb_body_that_is_not_a_form_with_files_gets_a_chinese_413(world: World, browser: Client) -> None:
    before = counts()
    body = b"file=" + bytes(FIFTY_MB)
    page = browser.generic("POST", "/imports/visit_register/", body, "application/x-www-form-urlencoded")
    html = page.content.decode()
    assert page.status_code == 413 and "您提交的数据太大（50.0 MB）" in html and "503" not in html
    assert "Bad Request" not in page.content.decode()
    api = browser.generic("POST", "/api/v1/needs/", b'{"description": "' + bytes(FIFTY_MB) + b'"}', "application/json")
    assert api.status_code == 413 and api.json()["code"] == "request_too_large"
    assert counts() == before
