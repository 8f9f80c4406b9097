from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditEntry


def audit_entries_for(target: models.Model) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(target_type=target._meta.label_lower, target_id=str(target.pk))


def can_read_audit_log(user: Any) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_admin_role or (user.role == Role.SUPERVISOR and user.jurisdiction_id))
    )


def audit_entries_visible_to(user: Any) -> QuerySet[AuditEntry]:
    """Administrators read the whole log. A supervisor reads the entries whose object lies in their
    jurisdiction (the region copied when written: the object's own, or its person's) or whose actor
    works there (the actor's jurisdiction or organization region when written); nobody else reads it."""
    if not can_read_audit_log(user):
        return AuditEntry.objects.none()
    if user.is_admin_role:
        return AuditEntry.objects.all()
    prefix = user.jurisdiction.subtree_prefix
    return AuditEntry.objects.filter(Q(region_code__startswith=prefix) | Q(actor_region_code__startswith=prefix))


@dataclass(frozen=True)
class AuditFilters:
    actor: int | None = None
    person: int | None = None
    action: str = ""
    since: date | None = None
    until: date | None = None


def audit_entries_filtered(user: Any, filters: AuditFilters) -> QuerySet[AuditEntry]:
    entries = audit_entries_visible_to(user)
    if filters.actor is not None:
        entries = entries.filter(actor_id=filters.actor)
    if filters.person is not None:
        entries = entries.filter(person_pk=filters.person)
    if filters.action:
        entries = entries.filter(action=filters.action)
    if filters.since is not None:
        entries = entries.filter(at__gte=_day_start(filters.since))
    if filters.until is not None:
        entries = entries.filter(at__lt=_day_start(filters.until + timedelta(days=1)))
    return entries.order_by("-at", "-id")


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))
