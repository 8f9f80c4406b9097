from __future__ import annotations

from celery import shared_task

from core.imports import import_batch_check, import_batch_write


@shared_task(name="core.tasks.check_import_batch", max_retries=3)
def check_import_batch(batch_id: str) -> None:
    import_batch_check(batch_id=batch_id)


@shared_task(name="core.tasks.write_import_batch", max_retries=3)
def write_import_batch(batch_id: str) -> None:
    import_batch_write(batch_id=batch_id)
