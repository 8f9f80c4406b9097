"""Import tasks: keyed by batch id and idempotent (each service checks the batch's status first).

A database that goes away mid-task (PostgreSQL restarting) makes the task retry with backoff; a
task lost with the broker is queued again by ``sweep_import_batches`` (every 5 minutes, beat).
"""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from core.imports import import_batch_check, import_batch_write, import_batches_sweep

DATABASE_DOWN = (OperationalError, InterfaceError)


@shared_task(
    name="core.tasks.check_import_batch",
    autoretry_for=DATABASE_DOWN,
    retry_backoff=5,
    retry_backoff_max=120,
    max_retries=5,
)
def check_import_batch(batch_id: str) -> None:
    import_batch_check(batch_id=batch_id)


@shared_task(
    name="core.tasks.write_import_batch",
    autoretry_for=DATABASE_DOWN,
    retry_backoff=5,
    retry_backoff_max=120,
    max_retries=5,
)
def write_import_batch(batch_id: str) -> None:
    import_batch_write(batch_id=batch_id)


@shared_task(name="core.tasks.sweep_import_batches")
def sweep_import_batches() -> int:
    return import_batches_sweep()
