"""Writes of the supply list: resources, their capacity and the help delivered from them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.models import AuditAction
from audit.services import audit_record, audit_record_many
from charities.models import (
    DeliveredService,
    Resource,
    ResourceForm,
    ResourceKind,
    ResourceStatus,
    ResourceUsage,
    UsageKind,
)
from charities.services.checks import RegionTable, region_code_or_raw, resolve_region_codes, unknown_codes
from core.codes import AssistanceStatus, NeedCategory, Vulnerability
from core.errors import ReferralHubError
from core.models import Organization, Region


@dataclass
class ResourceData:
    """Everything a resource is made of, as the form, the API and the import give it.

    Regions are codes (6, 9 or 12 digits) so that every entry point gets the same
    checks and the same messages.
    """

    name: str
    kind: str
    form: str
    categories: list[str] = field(default_factory=list)
    purpose: str = ""
    service_region_codes: list[str] = field(default_factory=list)
    designated_county_codes: list[str] = field(default_factory=list)
    min_age: int | None = None
    max_age: int | None = None
    assistance_statuses: list[str] = field(default_factory=list)
    vulnerabilities: list[str] = field(default_factory=list)
    income_ceiling: Decimal | None = None
    conditions: list[str] = field(default_factory=list)
    eligibility_notes: str = ""
    capacity_people: int | None = None
    capacity_amount: Decimal | None = None
    per_person_limit: Decimal | None = None
    starts_on: date | None = None
    ends_on: date | None = None

    @classmethod
    def from_resource(cls, resource: Resource) -> ResourceData:
        data = {f.name: getattr(resource, f.name) for f in fields(cls) if hasattr(resource, f.name)}
        return cls(
            **data,
            service_region_codes=[r.code for r in resource.service_regions.all()],
            designated_county_codes=[r.code for r in resource.designated_counties.all()],
        )


def _validate_resource(
    data: ResourceData, *, instance: Resource | None, regions: RegionTable | None = None
) -> tuple[list[Region], list[Region]]:
    """Check ``data``; raise ValidationError with every problem at once. ``regions``: the regions
    read once for many resources (an import), instead of a query per resource."""
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if not data.name.strip():
        add("name", _("Give the resource a name."))
    elif len(data.name) > 200:
        add("name", _("The name is longer than 200 characters."))
    if data.kind not in ResourceKind.values:
        add("kind", _("Choose the kind: project, fund, service or goods."))
    if data.form not in ResourceForm.values:
        add("form", _("Choose the form of help: money, goods or service."))
    if not data.categories:
        add("categories", _("Choose at least one need category this resource helps with."))
    elif bad := unknown_codes(data.categories, NeedCategory.values):
        add("categories", _("Unknown need categories: %(codes)s.") % {"codes": ", ".join(bad)})
    if bad := unknown_codes(data.assistance_statuses, AssistanceStatus.values):
        add("assistance_statuses", _("Unknown assistance statuses: %(codes)s.") % {"codes": ", ".join(bad)})
    if bad := unknown_codes(data.vulnerabilities, Vulnerability.values):
        add("vulnerabilities", _("Unknown vulnerabilities: %(codes)s.") % {"codes": ", ".join(bad)})
    for name in ("min_age", "max_age"):
        value = getattr(data, name)
        if value is not None and not 0 <= value <= 150:
            add(name, _("An age is between 0 and 150."))
    if data.min_age is not None and data.max_age is not None and data.max_age < data.min_age:
        add("max_age", _("The maximum age cannot be below the minimum age."))
    for name, label in (
        ("income_ceiling", _("The household income ceiling")),
        ("capacity_amount", _("The budget")),
        ("per_person_limit", _("The limit per person")),
    ):
        value = getattr(data, name)
        if value is not None and value < 0:
            add(name, _("%(what)s cannot be negative.") % {"what": label})
    if data.capacity_people is not None and data.capacity_people < 0:
        add("capacity_people", _("The number of people cannot be negative."))
    if (
        data.per_person_limit is not None
        and data.capacity_amount is not None
        and data.per_person_limit > data.capacity_amount
    ):
        add("per_person_limit", _("The limit per person cannot be larger than the whole budget."))
    if data.starts_on and data.ends_on and data.ends_on < data.starts_on:
        add(
            "ends_on",
            _("The end date %(end)s is before the start date %(start)s.")
            % {
                "end": data.ends_on.isoformat(),
                "start": data.starts_on.isoformat(),
            },
        )
    if instance is not None:
        used_people = instance.people_used or 0
        if data.capacity_people is not None and data.capacity_people < used_people:
            add(
                "capacity_people",
                _("%(used)d places are already taken; the capacity cannot go below that.") % {"used": used_people},
            )
        if instance.capacity_amount is not None and instance.amount_left is not None:
            used_amount = instance.capacity_amount - instance.amount_left
            if data.capacity_amount is not None and data.capacity_amount < used_amount:
                add(
                    "capacity_amount",
                    _("%(used)s yuan is already committed; the budget cannot go below that.") % {"used": used_amount},
                )
    service_regions = resolve_region_codes(
        data.service_region_codes, field_name="service_regions", errors=errors, table=regions
    )
    designated = resolve_region_codes(
        data.designated_county_codes, field_name="designated_counties", errors=errors, county_only=True, table=regions
    )
    if not errors and not service_regions and not designated:
        add("service_regions", _("Say where the help is given: a service region or a designated county."))
    if errors:
        raise ValidationError(errors)
    return service_regions, designated


_PLAIN_FIELDS = (
    "name",
    "purpose",
    "kind",
    "form",
    "categories",
    "min_age",
    "max_age",
    "assistance_statuses",
    "vulnerabilities",
    "income_ceiling",
    "conditions",
    "eligibility_notes",
    "capacity_people",
    "capacity_amount",
    "per_person_limit",
    "starts_on",
    "ends_on",
)


def _clean_lists(data: ResourceData) -> None:
    data.name = data.name.strip()
    data.categories = list(dict.fromkeys(data.categories))
    data.assistance_statuses = list(dict.fromkeys(data.assistance_statuses))
    data.vulnerabilities = list(dict.fromkeys(data.vulnerabilities))
    data.conditions = [c.strip() for c in data.conditions if c.strip()]


def _new_resource(*, organization: Organization, data: ResourceData, by: User | None) -> Resource:
    resource = Resource(organization=organization, created_by=by, status=ResourceStatus.DRAFT)
    for name in _PLAIN_FIELDS:
        setattr(resource, name, getattr(data, name))
    resource.people_left = data.capacity_people
    resource.amount_left = data.capacity_amount
    return resource


def resource_check(*, data: ResourceData, regions: RegionTable | None = None) -> None:
    """Check a new resource without saving it (the supply-list import checks every row first;
    it passes one :class:`RegionTable` for the whole file)."""
    _clean_lists(data)
    _validate_resource(data, instance=None, regions=regions)


def resource_region_codes(items: Iterable[ResourceData]) -> list[str]:
    """Every region code the resources name, as the checks read them (to load a RegionTable at once)."""
    return [
        region_code_or_raw(code)
        for data in items
        for code in (*data.service_region_codes, *data.designated_county_codes)
    ]


def resources_create_many(
    *,
    items: list[tuple[Organization, ResourceData, bool]],
    by: User | None,
    batch_size: int = 500,
    regions: RegionTable | None = None,
) -> int:
    """Create many resources at once (the supply-list import): ``(organization, data, publish)`` each.

    Every item is checked first, with the same checks as one resource (its regions read once for all
    items); the caller's transaction makes it all or nothing. Each gets an audit entry.
    """
    if regions is None:
        regions = RegionTable()
    regions.load(resource_region_codes(data for _organization, data, _publish in items))
    resources: list[Resource] = []
    chosen: list[tuple[list[Region], list[Region]]] = []
    for organization, data, publish in items:
        if organization.is_government:
            raise ValidationError(
                {"organization": [_("Only supplying organizations keep resources on the supply list.")]}
            )
        _clean_lists(data)
        chosen.append(_validate_resource(data, instance=None, regions=regions))
        resource = _new_resource(organization=organization, data=data, by=by)
        if publish:
            resource.status = ResourceStatus.FULL if resource.people_left == 0 else ResourceStatus.OPEN
        resources.append(resource)
    Resource.objects.bulk_create(resources, batch_size=batch_size)
    service_through = Resource.service_regions.through
    designated_through = Resource.designated_counties.through
    service_through.objects.bulk_create(
        [
            service_through(resource_id=resource.pk, region_id=region.pk)
            for resource, (served, _designated) in zip(resources, chosen, strict=True)
            for region in served
        ],
        batch_size=batch_size,
    )
    designated_through.objects.bulk_create(
        [
            designated_through(resource_id=resource.pk, region_id=region.pk)
            for resource, (_served, designated) in zip(resources, chosen, strict=True)
            for region in designated
        ],
        batch_size=batch_size,
    )
    audit_record_many(actor=by, action=AuditAction.IMPORT, targets=resources)
    return len(resources)


def resource_create(
    *, organization: Organization, data: ResourceData, by: User | None, publish: bool = False
) -> Resource:
    with transaction.atomic():
        if organization.is_government:
            raise ValidationError(
                {"organization": [_("Only supplying organizations keep resources on the supply list.")]}
            )
        _clean_lists(data)
        service_regions, designated = _validate_resource(data, instance=None)
        resource = _new_resource(organization=organization, data=data, by=by)
        if publish:
            resource.status = ResourceStatus.OPEN if resource.people_left != 0 else ResourceStatus.FULL
        resource.save()
        resource.service_regions.set(service_regions)
        resource.designated_counties.set(designated)
        audit_record(actor=by, action=AuditAction.CREATE, target=resource, changes={"status": resource.status})
        return resource


def resource_update(*, resource: Resource, data: ResourceData, by: User) -> Resource:
    """Change a resource. Capacity left moves by as much as the capacity moves."""
    with transaction.atomic():
        locked = Resource.objects.select_for_update(no_key=True).get(pk=resource.pk)
        if locked.status == ResourceStatus.CLOSED:
            raise ReferralHubError(_("This resource is closed and can no longer be changed."), code="resource_closed")
        _clean_lists(data)
        service_regions, designated = _validate_resource(data, instance=locked)
        used_people = locked.people_used or 0
        used_amount = (
            locked.capacity_amount - locked.amount_left
            if locked.capacity_amount is not None and locked.amount_left is not None
            else Decimal(0)
        )
        before = {name: getattr(locked, name) for name in _PLAIN_FIELDS}
        for name in _PLAIN_FIELDS:
            setattr(locked, name, getattr(data, name))
        locked.people_left = None if data.capacity_people is None else data.capacity_people - used_people
        locked.amount_left = None if data.capacity_amount is None else data.capacity_amount - used_amount
        if locked.status == ResourceStatus.FULL and not _is_exhausted(locked):
            locked.status = ResourceStatus.OPEN
        elif locked.status == ResourceStatus.OPEN and _is_exhausted(locked):
            locked.status = ResourceStatus.FULL
        locked.save()
        locked.service_regions.set(service_regions)
        locked.designated_counties.set(designated)
        changed = sorted(name for name in _PLAIN_FIELDS if before[name] != getattr(locked, name))
        audit_record(actor=by, action=AuditAction.CHANGE, target=locked, changes={"fields": changed})
        return locked


def _is_exhausted(resource: Resource) -> bool:
    return resource.people_left == 0 or (resource.amount_left is not None and resource.amount_left <= 0)


# Which status a user may set from which status. "full" is set by the capacity service only.
STATUS_MOVES: dict[str, frozenset[str]] = {
    ResourceStatus.DRAFT: frozenset({ResourceStatus.OPEN, ResourceStatus.CLOSED}),
    ResourceStatus.OPEN: frozenset({ResourceStatus.PAUSED, ResourceStatus.CLOSED}),
    ResourceStatus.PAUSED: frozenset({ResourceStatus.OPEN, ResourceStatus.CLOSED}),
    ResourceStatus.FULL: frozenset({ResourceStatus.PAUSED, ResourceStatus.CLOSED}),
    ResourceStatus.CLOSED: frozenset(),
}


def resource_set_status(*, resource: Resource, status: str, by: User) -> Resource:
    with transaction.atomic():
        locked = Resource.objects.select_for_update(no_key=True).get(pk=resource.pk)
        if status not in STATUS_MOVES.get(locked.status, frozenset()):
            raise ReferralHubError(
                _("A resource that is “%(current)s” cannot become “%(new)s”.")
                % {
                    "current": locked.get_status_display(),
                    "new": ResourceStatus(status).label if status in ResourceStatus.values else status,
                },
                code="resource_status",
            )
        if status == ResourceStatus.OPEN and _is_exhausted(locked):
            status = ResourceStatus.FULL
        previous = locked.status
        locked.status = status
        locked.save(update_fields=["status", "updated_at"])
        audit_record(actor=by, action=AuditAction.STATUS, target=locked, changes={"from": previous, "to": status})
        return locked


def resource_reserve_capacity(
    *,
    resource: Resource,
    people: int = 1,
    amount: Decimal | None = None,
    by: User | None,
    referral_id: int | None = None,
    region: Region | None = None,
    up_to_left: bool = False,
) -> ResourceUsage:
    """Take ``people`` places (and ``amount`` yuan of budget) from a resource; with
    ``up_to_left``, as much of ``amount`` as the budget still has (an accepted referral
    holds its per-person share, or what is left of the budget if less).

    Issue #5 calls this when a charity accepts a referral. The row lock makes
    concurrent acceptances queue up, so capacity can never be overdrawn; the
    resource becomes ``full`` when nothing is left.
    """
    # A with-block, not the decorator: mutmut mutates no decorated function (docs/testing.md).
    with transaction.atomic():
        if people < 0 or (amount is not None and amount < 0):
            raise ValidationError(_("People and amount to reserve cannot be negative."))
        locked = Resource.objects.select_for_update(no_key=True).get(pk=resource.pk)
        if locked.status != ResourceStatus.OPEN:
            if locked.status == ResourceStatus.FULL:
                raise ReferralHubError(
                    _("“%(name)s” has no places or budget left.") % {"name": locked.name}, code="resource_full"
                )
            raise ReferralHubError(
                _("“%(name)s” is %(status)s and takes no new cases.")
                % {"name": locked.name, "status": locked.get_status_display()},
                code="resource_not_open",
            )
        today = timezone.localdate()
        if locked.starts_on is not None and locked.starts_on > today:
            raise ReferralHubError(
                _("“%(name)s” starts on %(date)s and takes no cases before then.")
                % {"name": locked.name, "date": locked.starts_on.isoformat()},
                code="resource_not_started",
            )
        if locked.ends_on is not None and locked.ends_on < today:
            raise ReferralHubError(
                _("“%(name)s” ended on %(date)s.") % {"name": locked.name, "date": locked.ends_on.isoformat()},
                code="resource_ended",
            )
        if locked.people_left is not None and locked.people_left < people:
            raise ReferralHubError(
                _("“%(name)s” has %(left)d places left; %(wanted)d are needed.")
                % {"name": locked.name, "left": locked.people_left, "wanted": people},
                code="resource_full",
            )
        if amount is not None:
            if locked.per_person_limit is not None and people and amount > locked.per_person_limit * people:
                raise ReferralHubError(
                    _("%(amount)s yuan is more than the limit of %(limit)s yuan per person.")
                    % {"amount": amount, "limit": locked.per_person_limit},
                    code="resource_per_person_limit",
                )
            if up_to_left and locked.amount_left is not None and 0 < locked.amount_left < amount:
                amount = locked.amount_left
            if locked.amount_left is not None and locked.amount_left < amount:
                raise ReferralHubError(
                    _("“%(name)s” has %(left)s yuan left; %(wanted)s yuan are needed.")
                    % {"name": locked.name, "left": locked.amount_left, "wanted": amount},
                    code="resource_full",
                )
        if locked.people_left is not None:
            locked.people_left -= people
        if locked.amount_left is not None and amount is not None:
            locked.amount_left -= amount
        if _is_exhausted(locked):
            locked.status = ResourceStatus.FULL
        locked.save(update_fields=["people_left", "amount_left", "status", "updated_at"])
        return ResourceUsage.objects.create(
            resource=locked,
            kind=UsageKind.RESERVATION,
            people=people,
            amount=amount or Decimal(0),
            referral_id=referral_id,
            region=region,
            occurred_at=timezone.now(),
            recorded_by=by,
        )


def resource_release_capacity(
    *,
    resource: Resource,
    people: int = 1,
    amount: Decimal | None = None,
    by: User | None,
    referral_id: int | None = None,
    note: str = "",
) -> ResourceUsage:
    """Give back what ``resource_reserve_capacity`` took (a referral withdrawn after acceptance)."""
    # A with-block, not the decorator: mutmut mutates no decorated function (docs/testing.md).
    with transaction.atomic():
        locked = Resource.objects.select_for_update(no_key=True).get(pk=resource.pk)
        if locked.people_left is not None and locked.capacity_people is not None:
            locked.people_left = min(locked.capacity_people, locked.people_left + people)
        if locked.amount_left is not None and locked.capacity_amount is not None and amount is not None:
            locked.amount_left = min(locked.capacity_amount, locked.amount_left + amount)
        if locked.status == ResourceStatus.FULL and not _is_exhausted(locked):
            locked.status = ResourceStatus.OPEN
        locked.save(update_fields=["people_left", "amount_left", "status", "updated_at"])
        return ResourceUsage.objects.create(
            resource=locked,
            kind=UsageKind.RELEASE,
            people=people,
            amount=amount or Decimal(0),
            referral_id=referral_id,
            note=note,
            occurred_at=timezone.now(),
            recorded_by=by,
        )


def resource_record_delivery(
    *,
    resource: Resource,
    people: int,
    amount: Decimal | None = None,
    reserved_amount: Decimal | None = None,
    services: list[str] | None = None,
    region: Region | None = None,
    by: User | None,
    referral_id: int | None = None,
    occurred_at: Any = None,
    note: str = "",
) -> ResourceUsage:
    """Record help that went out (referral feedback calls it): what "people helped" and
    "money and services delivered" count.

    Money is bounded (SPEC rule 15): never more than the per-person limit, never more than
    the budget has left plus ``reserved_amount`` (what the referral held since it was
    accepted, settled here: the unspent part goes back to the budget). The row lock makes
    concurrent deliveries queue, so the total delivered can never pass the budget.
    """
    services = list(dict.fromkeys(services or []))
    errors: dict[str, list[str]] = {}
    if people < 0:
        errors["people"] = [_("The number of people cannot be negative.")]
    if amount is not None and amount < 0:
        errors["amount"] = [_("The amount cannot be negative.")]
    if bad := unknown_codes(services, DeliveredService.values):
        errors["services"] = [_("Unknown services: %(codes)s.") % {"codes": ", ".join(bad)}]
    if errors:
        raise ValidationError(errors)
    given = amount or Decimal(0)
    held = reserved_amount or Decimal(0)
    with transaction.atomic():
        locked = Resource.objects.select_for_update(no_key=True).get(pk=resource.pk)
        limit = locked.per_person_limit
        if limit is not None and people and given > limit * people:
            raise ValidationError(
                {
                    "amount": [
                        _("%(amount)s yuan is more than “%(name)s” gives one person (at most %(limit)s yuan).")
                        % {"amount": given, "name": locked.name, "limit": limit * people}
                    ]
                }
            )
        if locked.amount_left is not None:
            available = locked.amount_left + held
            if given > available:
                raise ValidationError(
                    {
                        "amount": [
                            _("“%(name)s” has %(left)s yuan left for this person; %(amount)s yuan is more than that.")
                            % {"name": locked.name, "left": available, "amount": given}
                        ]
                    }
                )
            locked.amount_left = available - given
            if locked.capacity_amount is not None:
                locked.amount_left = min(locked.amount_left, locked.capacity_amount)
        locked.people_helped += people
        locked.amount_delivered += given
        locked.deliveries += 1
        if locked.status == ResourceStatus.OPEN and _is_exhausted(locked):
            locked.status = ResourceStatus.FULL
        elif locked.status == ResourceStatus.FULL and not _is_exhausted(locked):
            locked.status = ResourceStatus.OPEN
        locked.save(
            update_fields=["amount_left", "people_helped", "amount_delivered", "deliveries", "status", "updated_at"]
        )
        usage = ResourceUsage.objects.create(
            resource=locked,
            kind=UsageKind.DELIVERY,
            people=people,
            amount=given,
            services=services,
            region=region,
            referral_id=referral_id,
            note=note,
            occurred_at=occurred_at or timezone.now(),
            recorded_by=by,
        )
    return usage


def resource_recount_help(*, resource_ids: list[int] | None = None) -> int:
    """Recompute the running totals from the delivery records (after a bulk load, or to check them)."""
    resources = Resource.objects.all() if resource_ids is None else Resource.objects.filter(pk__in=resource_ids)
    delivered = (
        ResourceUsage.objects.filter(resource=OuterRef("pk"), kind=UsageKind.DELIVERY).order_by().values("resource")
    )
    return resources.update(
        people_helped=Coalesce(Subquery(delivered.annotate(t=Sum("people")).values("t")), Value(0)),
        amount_delivered=Coalesce(Subquery(delivered.annotate(t=Sum("amount")).values("t")), Value(Decimal(0))),
        deliveries=Coalesce(Subquery(delivered.annotate(t=Count("id")).values("t")), Value(0)),
    )
