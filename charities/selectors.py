"""Reads of the supply list, filtered by what the user may see, and the figures pages show.

Who sees which resources:
- administrators: all;
- caseworkers, station workers and supervisors: published resources (not drafts)
  serving their jurisdiction: a service region in their subtree or above it, or a
  designated county (以强带弱) in or above it;
- charity staff: their own organization's resources, drafts included;
- the public: nothing here; the transparency page shows aggregates only.

Every figure ("people helped", "money delivered", "services delivered") is
computed in SQL from ``ResourceUsage`` delivery rows, so a page costs a fixed
number of queries however many resources there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import JURISDICTION_ROLES, Role, User
from charities.models import PUBLISHED_STATUSES, Complaint, Resource, ResourceStatus, ResourceUsage, UsageKind
from core.codes import AssistanceStatus
from core.models import FocusGroup, Organization, Region

# Published statuses the public transparency page lists (SPEC rule 11: open and finished projects).
PUBLIC_STATUSES = PUBLISHED_STATUSES
LOW_INCOME_STATUSES = (
    AssistanceStatus.DIBAO,
    AssistanceStatus.TEKUN,
    AssistanceStatus.DIBAO_EDGE,
    AssistanceStatus.EXPENDITURE_HARDSHIP,
    AssistanceStatus.RELAPSE_MONITORING,
)


def json_list_has(field: str, code: str) -> Q:
    """``field`` (a JSON list of codes) contains ``code``.

    PostgreSQL answers ``@>`` on jsonb; SQLite has no containment, so there we
    match the quoted code in the JSON text (codes are plain snake_case, so a
    quoted code cannot match anything else).
    """
    if connection.vendor == "postgresql":
        return Q(**{f"{field}__contains": [code]})
    return Q(**{f"{field}__icontains": f'"{code}"'})


def serving_region_q(root: Region) -> Q:
    """Resources whose service regions or designated counties reach ``root``'s subtree.

    A region serves ``root`` when it lies in root's subtree (part of it) or above it
    (all of it). Both many-to-many tables are searched by region code prefix, which
    an index range scan answers without joining regions.
    """
    ancestors = root.ancestor_codes()
    touching = Q(region__code__startswith=root.subtree_prefix) | Q(region_id__in=[*ancestors, root.code])
    service = Resource.service_regions.through.objects.filter(touching).values("resource_id")
    designated = Resource.designated_counties.through.objects.filter(touching).values("resource_id")
    return Q(id__in=service) | Q(id__in=designated)


def resources_visible_to(user: User) -> QuerySet[Resource]:
    resources = Resource.objects.select_related("organization", "organization__region")
    if not user.is_authenticated or not user.is_active:
        return resources.none()
    if user.is_admin_role:
        return resources
    if user.role in JURISDICTION_ROLES:
        if user.jurisdiction is None:
            return resources.none()
        return resources.filter(serving_region_q(user.jurisdiction), status__in=PUBLISHED_STATUSES)
    if user.role == Role.CHARITY_STAFF and user.organization_id:
        return resources.filter(organization_id=user.organization_id)
    return resources.none()


def with_help_figures(resources: QuerySet[Resource]) -> QuerySet[Resource]:
    """``people_helped``, ``amount_delivered`` and ``deliveries`` are running totals on the row
    (kept from the delivery records by ``resource_record_delivery``): nothing to add per page."""
    return resources


@dataclass
class SupplyFilters:
    q: str = ""
    category: str = ""
    region: Region | None = None
    focus_group: str = ""
    available_only: bool = False
    kind: str = ""
    status: str = ""
    organization_id: int | None = None


def available_q(today: date | None = None) -> Q:
    today = today or timezone.localdate()
    return (
        Q(status=ResourceStatus.OPEN)
        & (Q(people_left__isnull=True) | Q(people_left__gt=0))
        & (Q(starts_on__isnull=True) | Q(starts_on__lte=today))
        & (Q(ends_on__isnull=True) | Q(ends_on__gte=today))
    )


def focus_group_q(group: str) -> Q:
    if group == FocusGroup.LOW_INCOME:
        condition = Q()
        for status in LOW_INCOME_STATUSES:
            condition |= json_list_has("assistance_statuses", status)
        return condition
    return json_list_has("vulnerabilities", group)


def filter_resources(resources: QuerySet[Resource], filters: SupplyFilters) -> QuerySet[Resource]:
    if filters.q:
        resources = resources.filter(Q(name__icontains=filters.q) | Q(organization__name__icontains=filters.q))
    if filters.category:
        resources = resources.filter(json_list_has("categories", filters.category))
    if filters.region is not None:
        resources = resources.filter(serving_region_q(filters.region))
    if filters.focus_group:
        resources = resources.filter(focus_group_q(filters.focus_group))
    if filters.available_only:
        resources = resources.filter(available_q())
    if filters.kind:
        resources = resources.filter(kind=filters.kind)
    if filters.status:
        resources = resources.filter(status=filters.status)
    if filters.organization_id:
        resources = resources.filter(organization_id=filters.organization_id)
    return resources


def supply_list(user: User, filters: SupplyFilters) -> QuerySet[Resource]:
    """The supply list page and API: visible resources, filtered, with help figures."""
    resources = filter_resources(resources_visible_to(user), filters)
    return with_help_figures(resources).prefetch_related("service_regions", "designated_counties")


# --- the public transparency page ----------------------------------------------------


def public_projects(filters: SupplyFilters) -> QuerySet[Resource]:
    """Every published resource of every active supplying organization, with figures; no person."""
    resources = Resource.objects.filter(status__in=PUBLIC_STATUSES, organization__is_active=True).select_related(
        "organization"
    )
    resources = filter_resources(resources, filters)
    return (
        with_help_figures(resources)
        .prefetch_related("service_regions", "designated_counties")
        .order_by("-updated_at", "-id")
    )


@dataclass
class PublicSummary:
    organizations: int
    projects: int
    open_projects: int
    budget: Decimal
    people_helped: int
    amount_delivered: Decimal
    deliveries: int


def public_summary() -> PublicSummary:
    """Totals over every published resource: one aggregate query."""
    published = Resource.objects.filter(status__in=PUBLIC_STATUSES, organization__is_active=True)
    totals = published.aggregate(
        organizations=Count("organization", distinct=True),
        projects=Count("id"),
        open_projects=Count("id", filter=Q(status=ResourceStatus.OPEN)),
        budget=Coalesce(Sum("capacity_amount"), Value(Decimal(0))),
        people=Coalesce(Sum("people_helped"), Value(0)),
        amount=Coalesce(Sum("amount_delivered"), Value(Decimal(0))),
        deliveries=Coalesce(Sum("deliveries"), Value(0)),
    )
    return PublicSummary(
        organizations=totals["organizations"],
        projects=totals["projects"],
        open_projects=totals["open_projects"],
        budget=totals["budget"],
        people_helped=totals["people"],
        amount_delivered=totals["amount"],
        deliveries=totals["deliveries"],
    )


def public_organization(pk: int) -> Organization | None:
    """A supplying organization as the public sees it (only one that has published something)."""
    return (
        Organization.objects.select_related("region")
        .filter(pk=pk, is_active=True, resources__status__in=PUBLIC_STATUSES)
        .distinct()
        .first()
    )


def public_organizations_for_complaints() -> QuerySet[Organization]:
    return (
        Organization.objects.filter(is_active=True, resources__status__in=PUBLIC_STATUSES)
        .distinct()
        .order_by("name")
        .only("id", "name")
    )


# --- the organization dashboard ------------------------------------------------------


@dataclass
class DashboardFigures:
    resources: int
    open_resources: int
    places: int
    places_used: int
    budget: Decimal
    budget_used: Decimal
    people_helped_this_month: int
    amount_delivered_this_month: Decimal
    deliveries_this_month: int
    referrals_waiting: int


def organization_dashboard(organization: Organization, *, today: date | None = None) -> DashboardFigures:
    today = today or timezone.localdate()
    month_start = datetime(today.year, today.month, 1, tzinfo=timezone.get_current_timezone())
    own = Resource.objects.filter(organization=organization)
    totals: dict[str, Any] = own.aggregate(
        resources=Count("id"),
        open_resources=Count("id", filter=Q(status=ResourceStatus.OPEN)),
        places=Coalesce(Sum("capacity_people"), Value(0)),
        places_left=Coalesce(Sum("people_left"), Value(0)),
        budget=Coalesce(Sum("capacity_amount"), Value(Decimal(0))),
        budget_left=Coalesce(Sum("amount_left"), Value(Decimal(0))),
    )
    month: dict[str, Any] = ResourceUsage.objects.filter(
        resource__organization=organization, kind=UsageKind.DELIVERY, occurred_at__gte=month_start
    ).aggregate(
        people=Coalesce(Sum("people"), Value(0)),
        amount=Coalesce(Sum("amount"), Value(Decimal(0))),
        deliveries=Count("id"),
    )
    # Referrals sent to the organization and not yet accepted or declined (its inbox, issue #5).
    from cases.models import Referral, ReferralStatus

    waiting = Referral.objects.filter(to_organization=organization, status=ReferralStatus.SENT).count()
    return DashboardFigures(
        referrals_waiting=waiting,
        resources=totals["resources"],
        open_resources=totals["open_resources"],
        places=totals["places"],
        places_used=totals["places"] - totals["places_left"],
        budget=totals["budget"],
        budget_used=totals["budget"] - totals["budget_left"],
        people_helped_this_month=month["people"],
        amount_delivered_this_month=month["amount"],
        deliveries_this_month=month["deliveries"],
    )


# --- complaints ------------------------------------------------------------------------


def complaints_visible_to(user: User) -> QuerySet[Complaint]:
    """Supervisors read complaints about their jurisdiction; administrators read all.

    "About their jurisdiction": the region complained about, or the organization's registration
    region (``Organization.region``) in it. Never the organization's ``service_regions``: a charity
    edits those itself and could choose its own supervisors (issue 14, finding 11).
    """
    complaints = Complaint.objects.select_related("about_organization", "region")
    if not user.is_authenticated or not user.is_active:
        return complaints.none()
    if user.is_admin_role:
        return complaints
    if user.role != Role.SUPERVISOR or user.jurisdiction is None:
        return complaints.none()
    root = user.jurisdiction
    return complaints.filter(root.subtree_q("region__code") | root.subtree_q("about_organization__region__code"))
