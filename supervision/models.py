"""Supervision (SPEC rule 11): declared relatives, conflict flags and the approvals they need.
(Complaints, their steps and their handling are one app's: ``charities``.)"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Relationship(models.TextChoices):
    SPOUSE = "spouse", _("Spouse")
    PARENT = "parent", _("Parent")
    CHILD = "child", _("Child")
    SIBLING = "sibling", _("Brother or sister")
    GRANDPARENT = "grandparent", _("Grandparent or grandchild")
    IN_LAW = "in_law", _("Relative by marriage")
    OTHER_RELATIVE = "other_relative", _("Other close relative")
    CLOSE_ASSOCIATE = "close_associate", _("Close friend or associate")


class Declaration(models.Model):
    """A staff member's declared relative or close associate (亲属及密切关系人申报).

    The ID number is kept only as the register's blind index (to find the person) and a masked copy.
    """

    declarant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("declared by"), on_delete=models.PROTECT, related_name="declarations"
    )
    name = models.CharField(_("name"), max_length=100)
    id_number_index = models.CharField(_("ID number (blind index)"), max_length=64, db_index=True)
    id_number_masked = models.CharField(_("ID number"), max_length=32)
    relationship = models.CharField(_("relationship"), max_length=32, choices=Relationship.choices)
    declared_at = models.DateTimeField(_("declared at"), auto_now_add=True)
    ended_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("declared relative or associate")
        verbose_name_plural = _("declared relatives and associates")
        ordering = ["-declared_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["declarant", "id_number_index"],
                condition=Q(ended_at__isnull=True),
                name="declaration_once_per_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_relationship_display()})"


class FlagKind(models.TextChoices):
    NEED = "need", _("Need")
    REFERRAL = "referral", _("Referral")
    ASSISTANCE = "assistance", _("Government assistance")


class ConflictFlag(models.Model):
    """A need, referral or assistance record about someone a staff member declared (优亲厚友 alert)."""

    kind = models.CharField(_("kind"), max_length=16, choices=FlagKind.choices)
    object_id = models.BigIntegerField(_("object id"))
    person = models.ForeignKey(
        "beneficiaries.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey("core.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    declaration = models.ForeignKey(
        Declaration, verbose_name=_("declaration"), on_delete=models.PROTECT, related_name="flags"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    by_declarant = models.BooleanField(_("recorded by the declarant"), default=False)
    flagged_at = models.DateTimeField(_("flagged at"), auto_now_add=True)

    class Meta:
        verbose_name = _("conflict of interest alert")
        verbose_name_plural = _("conflict of interest alerts")
        ordering = ["-flagged_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id", "declaration"], name="conflict_flag_once"),
        ]
        indexes = [models.Index(fields=["region", "flagged_at"], name="conflict_flag_region_idx")]

    def __str__(self) -> str:
        return f"{self.kind}#{self.object_id}"


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class ReferralApproval(models.Model):
    """A second caseworker's approval a declared relative's referral needs before it is sent."""

    referral = models.OneToOneField(
        "cases.Referral", verbose_name=_("referral"), on_delete=models.PROTECT, related_name="second_approval"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("second approval")
        verbose_name_plural = _("second approvals")
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.referral_id}: {self.status}"
