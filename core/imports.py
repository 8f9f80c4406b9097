"""Services for spreadsheet import batches: start, check, confirm, write.

Writes follow STYLE.md: every state change is a conditional update whose row
count says who won; slow work (reading the file) happens in Celery tasks queued
on commit; the final write and the batch's ``imported`` status go in one
transaction, so a retried task can see the import already happened.
"""

from __future__ import annotations

import io
import logging
import time
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import ReferralHubError
from core.models import ImportBatch, ImportStatus
from core.spreadsheets import ImportFileError, ImportSpec, check_file, check_upload, error_report, get_spec
from core.statistics import analyze_after_commit

if TYPE_CHECKING:
    from celery import Task

logger = logging.getLogger(__name__)

PREVIEW_ROWS = 50
# The page lists this many errors and says so; the downloadable report has every one.
ERRORS_ON_PAGE = 200


def _progress_key(batch_id: object) -> str:
    return f"import-progress:{batch_id}"


def import_progress(batch: ImportBatch) -> int:
    if batch.status in (ImportStatus.READY, ImportStatus.INVALID, ImportStatus.IMPORTED, ImportStatus.FAILED):
        return 100
    value = cache.get(_progress_key(batch.pk))
    return int(value) if value is not None else 0


def _set_progress(batch_id: object, value: int) -> None:
    cache.set(_progress_key(batch_id), max(0, min(100, value)), timeout=3600)


def _write_progress(batch_id: object, value: int) -> None:
    _set_progress(batch_id, value)
    if settings.IMPORT_WRITE_DELAY_SECONDS:
        time.sleep(settings.IMPORT_WRITE_DELAY_SECONDS)  # only the killed-worker fault test sets it


def spec_for_user(kind: str, user: User) -> ImportSpec:
    spec = get_spec(kind)
    if spec is None:
        raise Http404(_("No such import."))
    if not spec.can_use(user):
        raise PermissionDenied(_("Your role cannot import this kind of spreadsheet."))
    return spec


def import_batch_for_user(user: User, pk: uuid.UUID | str) -> ImportBatch:
    """Only the person who uploaded a batch (or an administrator) sees it."""
    batches = ImportBatch.objects.all()
    if not user.is_admin_role:
        batches = batches.filter(created_by=user)
    batch = batches.filter(pk=pk).first()
    if batch is None:
        raise Http404(_("No such import."))
    return batch


# --- the stored upload: encrypted, deleted when done -----------------------------------------------
# An upload holds full ID numbers and phones: it is kept encrypted (Fernet, the register's keys) under
# a random name, only while the batch may still need it (check, confirm, error report), and deleted
# once imported or failed, or IMPORT_FILE_KEEP_HOURS after its last change (import_batches_sweep).
def _cipher() -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in settings.FIELD_ENCRYPTION_KEYS])


def _sealed(upload: UploadedFile) -> ContentFile[bytes]:
    content = b"".join(upload.chunks())
    return ContentFile(_cipher().encrypt(content), name=f"{uuid.uuid4().hex}.bin")


def _upload_bytes(batch: ImportBatch) -> io.BytesIO:
    """The upload as the user sent it, decrypted in memory. Raises ImportFileError once it was deleted."""
    if not batch.file:
        raise ImportFileError(
            _("The uploaded file is no longer kept (it is deleted after a while); upload it again."),
            code="import_file_gone",
        )
    try:
        with batch.file.open("rb") as handle:
            sealed = handle.read()
    except (OSError, ValueError):
        raise ImportFileError(
            _("The uploaded file is no longer kept (it is deleted after a while); upload it again."),
            code="import_file_gone",
        ) from None
    try:
        return io.BytesIO(_cipher().decrypt(sealed))
    except InvalidToken:
        if sealed.startswith(b"gAAAAA"):
            raise  # encrypted under a key no longer configured: say so loudly, never read it as a sheet
        return io.BytesIO(sealed)  # stored before uploads were encrypted


def _discard_file(batch_id: uuid.UUID | str) -> None:
    """Delete the stored upload (after the transaction that ended the batch, so a rollback keeps it)."""
    batch = ImportBatch.objects.filter(pk=batch_id).only("pk", "file").first()
    if batch is None or not batch.file:
        return
    try:
        batch.file.delete(save=False)
    except OSError:
        logger.warning("import batch %s: could not delete the stored upload", batch_id, exc_info=True)
        return
    ImportBatch.objects.filter(pk=batch_id).update(file="")


def import_batch_start(*, kind: str, upload: UploadedFile, user: User) -> ImportBatch:
    spec = spec_for_user(kind, user)
    head = upload.read(64)
    upload.seek(0)
    check_upload(upload.name or "", head, upload.size or 0, max_bytes=settings.IMPORT_MAX_UPLOAD_BYTES)
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            kind=spec.kind, created_by=user, file=_sealed(upload), original_name=(upload.name or "")[:255]
        )
        batch_id = str(batch.pk)
        transaction.on_commit(lambda: _queue_check(batch_id))
    return batch


def _queue(task: Task, batch_id: str) -> bool:
    """Queue a check or write; a broker outage is logged, never raised (the import sweeper catches up).

    The batch row is already committed: failing the request now would only hide that it exists.
    """
    if task.app.conf.task_always_eager:
        task.delay(batch_id)  # in-process: its own errors are its own
        return True
    try:
        task.apply_async(args=(batch_id,), retry=False)
    except Exception:
        logger.warning(
            "import batch %s: could not queue %s; the import sweeper will", batch_id, task.name, exc_info=True
        )
        return False
    return True


def _queue_check(batch_id: str) -> bool:
    from core.tasks import check_import_batch

    return _queue(check_import_batch, batch_id)


def _queue_write(batch_id: str) -> bool:
    from core.tasks import write_import_batch

    return _queue(write_import_batch, batch_id)


# A batch still being checked or written this long after its last change lost its task (a broker
# outage, a worker that died before the visibility timeout): queue it again. Both tasks are
# idempotent, so a batch whose task is merely slow only gets a duplicate that does nothing.
IMPORT_STUCK_AFTER = timedelta(minutes=10)


def import_files_expire(*, now: datetime | None = None) -> int:
    """Delete the uploads of batches left alone for IMPORT_FILE_KEEP_HOURS; returns how many.

    A batch checked and never confirmed is closed as not imported (confirming it later would find
    no file); a batch with errors keeps its error list, and its report then lists the errors alone.
    """
    now = now or timezone.now()
    before = now - timedelta(hours=settings.IMPORT_FILE_KEEP_HOURS)
    idle = ImportBatch.objects.exclude(file="").filter(
        status__in=(ImportStatus.READY, ImportStatus.INVALID, ImportStatus.IMPORTED, ImportStatus.FAILED),
        updated_at__lt=before,
    )
    expired = 0
    for pk in list(idle.values_list("pk", flat=True)):
        ImportBatch.objects.filter(pk=pk, status=ImportStatus.READY).update(
            status=ImportStatus.INVALID,
            errors=[
                {
                    "row": 0,
                    "column": "",
                    "message": _(
                        "This file was not imported within %(hours)d hours of being checked, and it has been "
                        "deleted. Upload it again to import it."
                    )
                    % {"hours": settings.IMPORT_FILE_KEEP_HOURS},
                }
            ],
            updated_at=timezone.now(),
        )
        _discard_file(pk)
        expired += 1
    return expired


def import_batches_sweep(*, now: datetime | None = None) -> int:
    """Re-queue batches stuck in ``validating`` or ``importing``; returns how many were queued.

    It also deletes the uploads of batches left alone too long (:func:`import_files_expire`).
    """
    now = now or timezone.now()
    import_files_expire(now=now)
    stuck = ImportBatch.objects.filter(
        status__in=(ImportStatus.VALIDATING, ImportStatus.IMPORTING), updated_at__lt=now - IMPORT_STUCK_AFTER
    ).values_list("pk", "status")
    queued = 0
    for pk, status in list(stuck):
        with transaction.atomic():
            # A batch locked by a write in progress is not stuck; skip it rather than wait for it.
            free = ImportBatch.objects.select_for_update(skip_locked=True, no_key=True).filter(pk=pk, status=status)
            if free.only("pk").first() is None:
                continue
            # Touch it, so the next sweep leaves it alone for another while.
            ImportBatch.objects.filter(pk=pk).update(updated_at=timezone.now())
        queue = _queue_check if status == ImportStatus.VALIDATING else _queue_write
        queued += queue(str(pk))
    return queued


def import_batch_check(*, batch_id: str) -> None:
    """Check every row and store errors and a preview. Idempotent: only a batch still being checked."""
    batch = ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.VALIDATING).first()
    if batch is None:
        return
    spec = get_spec(batch.kind)
    try:
        if spec is None:
            raise ImportFileError(_("This kind of import is no longer available."))
        checked = check_file(
            _upload_bytes(batch),
            spec,
            user=batch.created_by,
            name=batch.original_name,
            progress=lambda value: _set_progress(batch_id, value),
        )
    except ImportFileError as error:
        ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.VALIDATING).update(
            status=ImportStatus.INVALID,
            errors=[{"row": 0, "column": "", "message": error.message}],
            updated_at=timezone.now(),
        )
        return
    except Exception:
        logger.exception("import batch %s: check failed", batch_id)
        ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.VALIDATING).update(
            status=ImportStatus.FAILED,
            failure_reason=_("The check stopped because of an internal error; nothing was imported. Please try again."),
            updated_at=timezone.now(),
        )
        _discard_file(batch_id)
        return
    ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.VALIDATING).update(
        status=ImportStatus.INVALID if checked.errors else ImportStatus.READY,
        total_rows=checked.total,
        valid_rows=checked.valid,
        errors=[error.as_dict() for error in checked.errors],
        source=checked.source,
        preview=[[number, *spec.preview(record)] for number, record in checked.rows[:PREVIEW_ROWS]],
        updated_at=timezone.now(),
    )


def import_batch_error_report(*, batch: ImportBatch, spec: ImportSpec) -> bytes:
    """The batch's errors beside the user's rows (read again from the stored upload, if it is still kept)."""
    try:
        upload: io.BytesIO | None = _upload_bytes(batch)
    except ImportFileError:
        upload = None  # deleted by now: the report still lists every error
    return error_report(upload, spec, name=batch.original_name, errors=batch.errors)


def import_batch_confirm(*, batch: ImportBatch, user: User) -> None:
    """The user says "import": only a checked batch without errors, only once."""
    if batch.created_by_id != user.pk and not user.is_admin_role:
        raise Http404(_("No such import."))
    spec_for_user(batch.kind, user)
    with transaction.atomic():
        won = ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.READY).update(
            status=ImportStatus.IMPORTING, confirmed_at=timezone.now(), updated_at=timezone.now()
        )
        if not won:
            raise ReferralHubError(
                _("This file cannot be imported now: it has errors, or it is already being imported or was imported."),
                code="import_not_ready",
            )
        batch_id = str(batch.pk)
        transaction.on_commit(lambda: _queue_write(batch_id))
    _set_progress(batch.pk, 0)


def import_batch_write(*, batch_id: str) -> None:
    """Check again (the register may have changed) and write everything in one transaction."""
    batch = ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.IMPORTING).first()
    if batch is None:
        return  # already imported, or not confirmed: nothing to do
    spec = get_spec(batch.kind)
    try:
        if spec is None:
            raise ImportFileError(_("This kind of import is no longer available."))
        checked = check_file(
            _upload_bytes(batch),
            spec,
            user=batch.created_by,
            name=batch.original_name,
            progress=lambda value: _set_progress(batch_id, value // 2),
        )
        if checked.errors:
            ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.IMPORTING).update(
                status=ImportStatus.INVALID,
                errors=[error.as_dict() for error in checked.errors],
                valid_rows=checked.valid,
                updated_at=timezone.now(),
            )
            return
        with transaction.atomic():
            locked = (
                ImportBatch.objects.select_for_update(no_key=True)
                .filter(pk=batch_id, status=ImportStatus.IMPORTING)
                .first()
            )
            if locked is None:
                return
            count = spec.commit(
                [record for _number, record in checked.rows],
                user=batch.created_by,
                progress=lambda value: _write_progress(batch_id, 50 + value // 2),
            )
            ImportBatch.objects.filter(pk=batch_id).update(
                status=ImportStatus.IMPORTED, imported_rows=count, updated_at=timezone.now()
            )
            transaction.on_commit(lambda: _discard_file(batch_id))
            analyze_after_commit(spec.analyze_tables, rows=count)
    except ImportFileError as error:
        ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.IMPORTING).update(
            status=ImportStatus.INVALID,
            errors=[{"row": 0, "column": "", "message": error.message}],
            updated_at=timezone.now(),
        )
    except ReferralHubError as error:
        ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.IMPORTING).update(
            status=ImportStatus.FAILED, failure_reason=error.message, updated_at=timezone.now()
        )
        _discard_file(batch_id)
    except Exception:
        logger.exception("import batch %s: write failed", batch_id)
        ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.IMPORTING).update(
            status=ImportStatus.FAILED,
            failure_reason=_(
                "The import stopped because of an internal error; nothing was imported. Please try again."
            ),
            updated_at=timezone.now(),
        )
        _discard_file(batch_id)
