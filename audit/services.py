"""The one way other apps write to the audit log."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from audit.chain import chain_entries, lock_chain_head
from audit.models import AuditEntry
from core.client_address import client_address

PERSON_LABEL = "beneficiaries.person"


def _actor_fields(actor: Any) -> dict[str, Any]:
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    if user is None:
        return {"actor": None, "actor_name": "", "actor_region_code": ""}
    region = getattr(user, "jurisdiction_id", None) or ""
    if not region and getattr(user, "organization_id", None):
        region = user.organization.region_id or ""
    return {
        "actor": user,
        "actor_name": (getattr(user, "display_name", "") or getattr(user, "username", ""))[:150],
        "actor_region_code": region,
    }


def _subjects(targets: Sequence[models.Model]) -> list[tuple[str, int | None]]:
    """(region code, person pk) of each target, with one query for persons' regions at most."""
    found: list[tuple[str, int | None]] = []
    for target in targets:
        person_pk = target.pk if target._meta.label_lower == PERSON_LABEL else getattr(target, "person_id", None)
        region = getattr(target, "region_id", None) or getattr(target, "jurisdiction_id", None) or ""
        found.append((str(region), person_pk))
    lacking = {person_pk for region, person_pk in found if not region and person_pk is not None}
    if lacking:
        person_model = apps.get_model("beneficiaries", "Person")
        regions = dict(person_model.objects.filter(pk__in=lacking).values_list("pk", "region_id"))
        found = [(region or regions.get(person_pk, ""), person_pk) for region, person_pk in found]
    return found


def _append(entries: list[AuditEntry]) -> None:
    """Chain and insert entries under the chain lock (held until the caller's transaction ends)."""
    with transaction.atomic():
        head = lock_chain_head()
        now = timezone.now()
        for entry in entries:
            entry.at = now
        head.last_hash = chain_entries(entries, head=head)
        if len(entries) == 1:
            entries[0].save(force_insert=True)
        else:
            AuditEntry.objects.bulk_create(entries, batch_size=2000)
        head.last_entry_id = entries[-1].pk
        head.length += len(entries)
        head.save(update_fields=["last_hash", "last_entry_id", "length"])


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
    ((region_code, person_pk),) = _subjects([target])
    entry = AuditEntry(
        **_actor_fields(actor),
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_repr=str(target)[:200],
        changes=changes or {},
        reason=reason,
        region_code=region_code,
        person_pk=person_pk,
    )
    if request is not None:
        entry.ip_address = client_address(request)
        entry.user_agent = request.META.get("HTTP_USER_AGENT", "")[:300]
        entry.path = request.path[:300]
    _append([entry])
    return entry


def audit_record_many(
    *, actor: Any, action: str, targets: Sequence[models.Model], changes: dict[str, Any] | None = None
) -> int:
    """One entry per target, inserted in batches (bulk imports)."""
    if not targets:
        return 0
    actor_fields = _actor_fields(actor)
    entries = [
        AuditEntry(
            **actor_fields,
            action=action,
            target_type=target._meta.label_lower,
            target_id=str(target.pk),
            target_repr=str(target)[:200],
            changes=changes or {},
            region_code=region_code,
            person_pk=person_pk,
        )
        for target, (region_code, person_pk) in zip(targets, _subjects(targets), strict=True)
    ]
    _append(entries)
    return len(entries)
