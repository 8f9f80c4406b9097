"""The register of households and people in hardship.

This is the foundation's part of it (who lives where); sensitive fields, consent
and needs arrive with the register feature.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import Region


class Household(models.Model):
    register_number = models.CharField(
        _("household register number"),
        max_length=32,
        unique=True,
        help_text=_("The number this household has in the county's assistance register."),
    )
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="households")
    address = models.CharField(_("address"), max_length=300)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["register_number"]
        indexes = [
            models.Index(fields=["region"], name="household_region_prefix_idx", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return f"{self.register_number} {self.address}"


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class Relation(models.TextChoices):
    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    GRANDCHILD = "grandchild", _("Grandchild")
    GRANDPARENT = "grandparent", _("Grandparent")
    SIBLING = "sibling", _("Sibling")
    OTHER = "other", _("Other")


class Person(models.Model):
    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="members"
    )
    relation = models.CharField(_("relation to head"), max_length=16, choices=Relation.choices)
    name = models.CharField(_("name"), max_length=100)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices)
    birth_date = models.DateField(_("birth date"))
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="persons")
    address = models.CharField(_("address"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["household_id", "id"]
        indexes = [
            models.Index(fields=["region"], name="person_region_prefix_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["name"], name="person_name_idx"),
        ]

    def __str__(self) -> str:
        return self.name
