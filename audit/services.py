"""The one way other apps write to the audit log."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import models
from django.http import HttpRequest

from audit.models import AuditEntry


def _client_ip(request: HttpRequest) -> str | None:
    # Behind the county's reverse proxy the first X-Forwarded-For hop is the client.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    candidate = forwarded.split(",")[0].strip() if forwarded else request.META.get("REMOTE_ADDR", "")
    return candidate or None


def audit_record(
    *,
    actor: Any,
    action: str,
    target: models.Model,
    changes: dict[str, Any] | None = None,
    reason: str = "",
    request: HttpRequest | None = None,
) -> AuditEntry:
    """Append one entry. ``changes`` must never hold full sensitive values (mask them).

    ``actor`` is a user, or None for the system's own periodic jobs.
    """
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    entry = AuditEntry(
        actor=user,
        actor_name=(getattr(user, "display_name", "") or getattr(user, "username", ""))[:150] if user else "",
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_repr=str(target)[:200],
        changes=changes or {},
        reason=reason,
    )
    if request is not None:
        entry.ip_address = _client_ip(request)
        entry.user_agent = request.META.get("HTTP_USER_AGENT", "")[:300]
        entry.path = request.path[:300]
    entry.save()
    return entry


def audit_record_many(
    *, actor: Any, action: str, targets: Sequence[models.Model], changes: dict[str, Any] | None = None
) -> int:
    """One entry per target in one insert (bulk imports)."""
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    name = (getattr(user, "display_name", "") or getattr(user, "username", ""))[:150] if user else ""
    entries = [
        AuditEntry(
            actor=user,
            actor_name=name,
            action=action,
            target_type=target._meta.label_lower,
            target_id=str(target.pk),
            target_repr=str(target)[:200],
            changes=changes or {},
        )
        for target in targets
    ]
    AuditEntry.objects.bulk_create(entries, batch_size=2000)
    return len(entries)
