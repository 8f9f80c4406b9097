from __future__ import annotations

from celery import shared_task
from django.core.management import call_command


@shared_task(name="accounts.tasks.clear_expired_sessions", max_retries=3)
def clear_expired_sessions() -> None:
    """Nightly: remove expired sessions (idempotent)."""
    call_command("clearsessions")


@shared_task(name="accounts.tasks.prune_failed_logins", max_retries=3)
def prune_failed_logins() -> None:
    """Nightly: forget failed sign-ins older than 30 days (idempotent)."""
    from accounts.services import failed_logins_prune

    failed_logins_prune()


@shared_task(name="accounts.tasks.prune_api_tokens", max_retries=3)
def prune_api_tokens() -> None:
    """Nightly: delete expired API tokens (idempotent)."""
    from accounts.tokens import api_tokens_prune

    api_tokens_prune()
