"""The supply list (供给清单): what supplying organizations can give, and what they gave.

Capacity left changes only through ``charities.services.resource_reserve_capacity`` and
``resource_release_capacity``, which lock the row; everything the transparency page
and the dashboards count comes from ``ResourceUsage`` rows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import Organization, Region


class ResourceKind(models.TextChoices):
    PROJECT = "project", _("Charity project")
    FUND = "fund", _("Special or named fund")
    SERVICE = "service", _("Service")
    GOODS = "goods", _("Goods")


class ResourceForm(models.TextChoices):
    MONEY = "money", _("Money")
    GOODS = "goods", _("Goods")
    SERVICE = "service", _("Service")


class ResourceStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    PAUSED = "paused", _("Paused")
    FULL = "full", _("Full")
    CLOSED = "closed", _("Closed")


# Statuses the public and caseworkers see; a draft is the organization's own business.
PUBLISHED_STATUSES = (ResourceStatus.OPEN, ResourceStatus.PAUSED, ResourceStatus.FULL, ResourceStatus.CLOSED)


class Resource(models.Model):
    """One entry of the supply list: a project, fund, service or goods an organization offers."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="resources"
    )
    name = models.CharField(_("name"), max_length=200)
    purpose = models.TextField(_("purpose"), blank=True, help_text=_("What the help is for; shown to the public."))
    kind = models.CharField(_("kind"), max_length=16, choices=ResourceKind.choices)
    # A JSON list of NeedCategory codes: portable to SQLite, and small enough that
    # filtering needs no join table (``categories__contains`` on PostgreSQL).
    categories = models.JSONField(_("categories"), default=list)
    form = models.CharField(_("form of help"), max_length=16, choices=ResourceForm.choices)
    service_regions = models.ManyToManyField(
        Region,
        verbose_name=_("service regions"),
        blank=True,
        related_name="resources_serving",
        help_text=_("Regions (with everything below them) where the help is given."),
    )
    designated_counties = models.ManyToManyField(
        Region,
        verbose_name=_("designated counties"),
        blank=True,
        related_name="resources_designated",
        help_text=_("Counties elsewhere helped point to point (以强带弱)."),
    )
    # Structured eligibility: what matching (issue #6) and caseworkers check.
    min_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    assistance_statuses = models.JSONField(
        _("assistance statuses"),
        default=list,
        blank=True,
        help_text=_("Only people with one of these statuses; empty means any."),
    )
    vulnerabilities = models.JSONField(
        _("vulnerabilities"),
        default=list,
        blank=True,
        help_text=_("Only people with one of these vulnerabilities; empty means any."),
    )
    income_ceiling = models.DecimalField(
        _("household income ceiling"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Monthly household income per person, in yuan, at or below which people qualify."),
    )
    conditions = models.JSONField(
        _("illness or disability types"),
        default=list,
        blank=True,
        help_text=_("E.g. 白血病, 肢体残疾; empty means any."),
    )
    eligibility_notes = models.TextField(_("other eligibility notes"), blank=True)
    capacity_people = models.PositiveIntegerField(_("capacity (people)"), null=True, blank=True)
    capacity_amount = models.DecimalField(_("budget (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True)
    people_left = models.PositiveIntegerField(_("places left"), null=True, blank=True)
    amount_left = models.DecimalField(_("budget left (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True)
    per_person_limit = models.DecimalField(
        _("limit per person (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=ResourceStatus.choices, default=ResourceStatus.DRAFT)
    # Running totals of the delivery records (ResourceUsage, kind "delivery"), kept by
    # resource_record_delivery in the same transaction, so that pages listing thousands of
    # resources read them from the row instead of summing usage records every time.
    people_helped = models.PositiveIntegerField(_("people helped"), default=0, editable=False)
    amount_delivered = models.DecimalField(
        _("money delivered (yuan)"), max_digits=16, decimal_places=2, default=0, editable=False
    )
    deliveries = models.PositiveIntegerField(_("times help was delivered"), default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-updated_at"], name="resource_status_updated_idx"),
            models.Index(fields=["organization", "status"], name="resource_org_status_idx"),
            models.Index(fields=["-updated_at", "-id"], name="resource_updated_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(starts_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="resource_ends_after_start",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
            models.CheckConstraint(
                condition=Q(people_left__isnull=True) | Q(people_left__lte=F("capacity_people")),
                name="resource_people_left_within_capacity",
            ),
            models.CheckConstraint(
                condition=Q(amount_left__isnull=True)
                | (Q(amount_left__gte=0) & Q(amount_left__lte=F("capacity_amount"))),
                name="resource_amount_left_within_budget",
            ),
            models.CheckConstraint(
                condition=Q(capacity_amount__isnull=True) | Q(capacity_amount__gte=0),
                name="resource_budget_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def people_used(self) -> int | None:
        if self.capacity_people is None or self.people_left is None:
            return None
        return self.capacity_people - self.people_left


class UsageKind(models.TextChoices):
    RESERVATION = "reservation", _("Capacity reserved")
    RELEASE = "release", _("Capacity released")
    DELIVERY = "delivery", _("Help delivered")


class DeliveredService(models.TextChoices):
    """Feedback ``services`` codes of API.md."""

    CARE_VISIT = "care_visit", _("Care visits")
    PSYCHOLOGICAL_SUPPORT = "psychological_support", _("Psychological support")
    REHABILITATION = "rehabilitation", _("Rehabilitation")
    SKILLS_TRAINING = "skills_training", _("Skills training")
    SOCIAL_INTEGRATION = "social_integration", _("Social integration")
    LEGAL_AID = "legal_aid", _("Legal aid")
    OTHER = "other", _("Other")


class ResourceUsage(models.Model):
    """What happened to a resource's capacity, and what help went out of it.

    The single source of every "people helped / money delivered" figure: the
    capacity service writes ``reservation`` and ``release`` rows (issue #5 calls it
    when a referral is accepted, declined or withdrawn), and help feedback writes
    ``delivery`` rows. Rows are never changed afterwards. ``referral_id`` is the
    referral the row belongs to, when there is one (a foreign key arrives with #5).
    """

    resource = models.ForeignKey(Resource, verbose_name=_("resource"), on_delete=models.CASCADE, related_name="usages")
    kind = models.CharField(_("kind"), max_length=16, choices=UsageKind.choices)
    people = models.PositiveIntegerField(_("people"), default=0)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2, default=0)
    services = models.JSONField(_("services"), default=list, blank=True)
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Where the help went (a county or below); never a person."),
    )
    referral_id = models.BigIntegerField(_("referral"), null=True, blank=True, db_index=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("resource usage")
        verbose_name_plural = _("resource usages")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["resource", "kind"], name="usage_resource_kind_idx")]

    def __str__(self) -> str:
        return f"{self.resource_id} {self.kind} {self.people}"


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    INVESTIGATING = "investigating", _("Under investigation")
    CONCLUDED = "concluded", _("Concluded")


class Complaint(models.Model):
    """投诉举报 from the public (SPEC rule 11). Read by supervisors of the region concerned."""

    reference = models.CharField(_("reference number"), max_length=20, unique=True)
    content = models.TextField(_("content"))
    contact = models.CharField(
        _("contact"), max_length=100, blank=True, help_text=_("Optional: how to reach the person who complained.")
    )
    about_organization = models.ForeignKey(
        Organization,
        verbose_name=_("about organization"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="complaints",
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The region the complaint concerns; decides which supervisors read it."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ComplaintStatus.choices, default=ComplaintStatus.RECEIVED
    )
    conclusion = models.TextField(_("conclusion"), blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return self.reference


class ComplaintEvent(models.Model):
    """One step of a complaint's handling: who moved it, when, from which status to which."""

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.PROTECT, related_name="events"
    )
    from_status = models.CharField(pgettext_lazy("status change", "from"), max_length=16)
    to_status = models.CharField(pgettext_lazy("status change", "to"), max_length=16)
    note = models.TextField(_("note"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        db_table = "supervision_complaintevent"  # moved here from supervision (one app for complaints)
        verbose_name = _("complaint step")
        verbose_name_plural = _("complaint steps")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.from_status} → {self.to_status}"
