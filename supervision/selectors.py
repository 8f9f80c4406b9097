"""Supervision reads, each filtered by what the user may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, QuerySet
from django.utils import timezone

from accounts.models import Role, User
from charities.models import Complaint, ComplaintStatus
from charities.selectors import complaints_visible_to
from supervision.models import ApprovalStatus, ConflictFlag, Declaration, ReferralApproval


@dataclass(frozen=True)
class ComplaintFilters:
    status: str = ""
    since: date | None = None
    until: date | None = None
    q: str = ""


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def complaints_filtered(user: User, filters: ComplaintFilters) -> QuerySet[Complaint]:
    complaints = complaints_visible_to(user)
    if filters.since is not None:
        complaints = complaints.filter(received_at__gte=_day_start(filters.since))
    if filters.until is not None:
        complaints = complaints.filter(received_at__lt=_day_start(filters.until + timedelta(days=1)))
    if filters.q:
        complaints = complaints.filter(reference__iexact=filters.q) | complaints.filter(content__contains=filters.q)
    return complaints


def complaint_counts(complaints: QuerySet[Complaint]) -> dict[str, int]:
    """Complaints per status (before the status filter), every status present."""
    counts = dict(complaints.order_by().values_list("status").annotate(n=Count("id")))
    return {status: counts.get(status, 0) for status in ComplaintStatus.values}


def flags_visible_to(user: User) -> QuerySet[ConflictFlag]:
    """Supervisors and caseworkers read the alerts of their jurisdiction; administrators all."""
    flags = ConflictFlag.objects.select_related("person", "declaration__declarant", "by", "region")
    if not (user.is_authenticated and user.is_active):
        return flags.none()
    if user.is_admin_role:
        return flags
    if user.role not in (Role.SUPERVISOR, Role.CASEWORKER) or user.jurisdiction is None:
        return flags.none()
    return flags.filter(user.jurisdiction.subtree_q("region__code"))


def approvals_visible_to(user: User) -> QuerySet[ReferralApproval]:
    """Caseworkers see the approvals of referrals in their jurisdiction."""
    approvals = ReferralApproval.objects.select_related(
        "referral__person", "referral__to_organization", "requested_by", "approved_by"
    )
    if not (user.is_authenticated and user.is_active) or user.role != Role.CASEWORKER or user.jurisdiction is None:
        return approvals.none()
    return approvals.filter(user.jurisdiction.subtree_q("referral__region__code"))


def approvals_waiting_for(user: User) -> QuerySet[ReferralApproval]:
    return approvals_visible_to(user).filter(status=ApprovalStatus.PENDING).exclude(requested_by=user)


def declarations_of(user: User) -> QuerySet[Declaration]:
    return Declaration.objects.filter(declarant=user)
