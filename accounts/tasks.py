from __future__ import annotations

from celery import shared_task
from django.core.management import call_command


@shared_task(name="accounts.tasks.clear_expired_sessions", max_retries=3)
def clear_expired_sessions() -> None:
    """Nightly: remove expired sessions (idempotent)."""
    call_command("clearsessions")
