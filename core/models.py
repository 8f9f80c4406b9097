from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from core.choices import CachedChoiceLabels
from core.validators import (
    REGION_PREFIX_LENGTHS,
    ancestor_region_codes,
    validate_credit_code,
    validate_region_code,
)


class RegionLevel(models.IntegerChoices):
    PROVINCE = 1, _("Province")
    CITY = 2, _("City")
    COUNTY = 3, _("County")
    TOWNSHIP = 4, _("Township / street")
    VILLAGE = 5, _("Village / community")


class Region(models.Model):
    """A node of the 行政区划 tree, keyed by its 12-digit statistical code.

    The code is hierarchical (the province is its first 2 digits, the county its
    first 6, the township its first 9), so a jurisdiction subtree is a prefix
    match on the code and needs no recursive walk.
    """

    code = models.CharField(_("code"), max_length=12, primary_key=True, validators=[validate_region_code])
    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"), choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]
        indexes = [
            # Prefix (LIKE 'x%') lookups on PostgreSQL need the pattern operator class.
            models.Index(fields=["code"], name="region_code_prefix_idx", opclasses=["varchar_pattern_ops"]),
            # A region picked by name (core.forms.resolve_region) and the search's levels above
            # the villages (40,000 of 660,000 rows): index lookups, not a scan of the country.
            models.Index(fields=["name"], name="region_name_idx"),
            models.Index(fields=["level", "code"], name="region_level_code_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def subtree_prefix(self) -> str:
        return self.code[: REGION_PREFIX_LENGTHS[self.level]]

    def subtree_q(self, field: str = "code") -> Q:
        """A filter for objects whose region ``field`` lies in this region's subtree."""
        return Q(**{f"{field}__startswith": self.subtree_prefix})

    def ancestor_codes(self) -> list[str]:
        return ancestor_region_codes(self.code)

    def contains(self, other: Region) -> bool:
        return other.code.startswith(self.subtree_prefix)


class OrganizationKind(models.TextChoices):
    CIVIL_AFFAIRS_BUREAU = "civil_affairs_bureau", _("Civil affairs bureau")
    TOWNSHIP_OFFICE = "township_office", _("Township / street office")
    SERVICE_STATION = "service_station", _("Civil affairs service station")
    CHARITY = "charity", _("Charity")
    GROUP_ORGANIZATION = "group_organization", _("Group organization")
    ENTERPRISE = "enterprise", _("Enterprise")
    VOLUNTEER_TEAM = "volunteer_team", _("Volunteer team")
    SOCIAL_WORK_AGENCY = "social_work_agency", _("Social work agency")


GOVERNMENT_KINDS = frozenset(
    {
        OrganizationKind.CIVIL_AFFAIRS_BUREAU,
        OrganizationKind.TOWNSHIP_OFFICE,
        OrganizationKind.SERVICE_STATION,
    }
)


class GroupType(models.TextChoices):
    TRADE_UNION = "trade_union", _("Trade union")
    YOUTH_LEAGUE = "youth_league", _("Communist Youth League")
    WOMENS_FEDERATION = "womens_federation", _("Women's federation")
    RED_CROSS = "red_cross", _("Red Cross")
    DISABLED_PERSONS_FEDERATION = "disabled_persons_federation", _("Disabled persons' federation")


class OrganizationRating(models.TextChoices):
    """社会组织等级评估: the grade the registration authority gave the organization."""

    A1 = "1A", _("1A")
    A2 = "2A", _("2A")
    A3 = "3A", _("3A")
    A4 = "4A", _("4A")
    A5 = "5A", _("5A")


class FocusGroup(models.TextChoices):
    """The groups SPEC rule 7 asks help to reach first (codes as person ``vulnerabilities`` in API.md)."""

    LOW_INCOME = "low_income", _("Low-income households")
    ELDERLY_NO_SELF_CARE = "elderly_no_self_care", _("Elderly people unable to care for themselves")
    MINOR = "minor", _("Minors")
    DISABLED = "disabled", _("Disabled people")
    SERIOUS_ILLNESS = "serious_illness", _("Seriously ill people")


class Organization(CachedChoiceLabels, models.Model):
    """A civil-affairs office or station, or an organisation that supplies help."""

    kind = models.CharField(_("kind"), max_length=32, choices=OrganizationKind.choices)
    group_type = models.CharField(
        _("group organization type"),
        max_length=32,
        choices=GroupType.choices,
        blank=True,
        help_text=_("Only for group organizations."),
    )
    name = models.CharField(_("name"), max_length=200)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        validators=[validate_credit_code],
        help_text=_("18 characters, check digit included. Unregistered volunteer teams may leave it empty."),
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="organizations",
        help_text=_("Where the organization is registered or located."),
    )
    service_regions = models.ManyToManyField(
        Region,
        verbose_name=_("service regions"),
        blank=True,
        related_name="served_by",
        help_text=_("Regions (with everything below them) the organization serves."),
    )
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    # The profile a supplying organization keeps (issue #4). Registration facts
    # (authority, rating) are set by administrators; the rest by the organization.
    registration_authority = models.CharField(
        _("registration authority"),
        max_length=200,
        blank=True,
        help_text=_("The civil affairs department the organization is registered with, e.g. 延川县民政局."),
    )
    rating = models.CharField(
        _("rating"),
        max_length=2,
        choices=OrganizationRating.choices,
        blank=True,
        help_text=_("Grade of the social organization assessment (等级评估), if any."),
    )
    focus_groups = models.JSONField(
        _("focus groups"),
        default=list,
        blank=True,
        help_text=_("The groups the organization mainly helps (codes of FocusGroup)."),
    )
    contact_person = models.CharField(_("contact person"), max_length=100, blank=True)
    introduction = models.TextField(_("introduction"), blank=True)
    website = models.URLField(_("website"), blank=True)
    disclosures = models.TextField(
        _("public disclosures"),
        blank=True,
        help_text=_(
            "What the organization discloses to the public (annual report, audit, where its money goes). Shown on the transparency page."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["region_id", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~Q(credit_code=""),
                name="organization_credit_code_unique",
                violation_error_message=_("An organization with this unified social credit code already exists."),
            ),
            models.CheckConstraint(
                condition=Q(group_type="") | Q(kind="group_organization"),
                name="organization_group_type_only_for_groups",
                violation_error_message=_("Only group organizations have a group organization type."),
            ),
        ]
        permissions = [("manage_staff", _("Can invite and remove the organization's staff"))]

    def __str__(self) -> str:
        return self.name

    @property
    def is_government(self) -> bool:
        return self.kind in GOVERNMENT_KINDS


# Direct foreign-key object-permission tables (django-guardian): faster and
# safer than the generic tables because the grant points at a real row.
class OrganizationUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Organization, on_delete=models.CASCADE)


class OrganizationGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Organization, on_delete=models.CASCADE)


class ImportStatus(models.TextChoices):
    VALIDATING = "validating", _("Checking rows")
    READY = "ready", _("Ready to import")
    INVALID = "invalid", _("Has errors")
    IMPORTING = "importing", _("Importing")
    IMPORTED = "imported", _("Imported")
    FAILED = "failed", _("Failed")


class ImportBatch(models.Model):
    """One uploaded spreadsheet on its way through check → preview → confirm → import.

    The file is kept privately (outside the web root) until the batch is done;
    nothing is written to the register until the user confirms, and then all
    rows go in one transaction or none do.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    status = models.CharField(_("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.VALIDATING)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    valid_rows = models.PositiveIntegerField(_("valid rows"), default=0)
    imported_rows = models.PositiveIntegerField(_("imported rows"), default=0)
    errors = models.JSONField(_("row errors"), default=list, blank=True)
    preview = models.JSONField(_("preview"), default=list, blank=True)
    # Which sheet and header row were read, and the file's format and encoding (shown on the page).
    source = models.JSONField(_("what was read"), default=dict, blank=True)
    failure_reason = models.TextField(_("failure reason"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("spreadsheet import")
        verbose_name_plural = _("spreadsheet imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.original_name}"
