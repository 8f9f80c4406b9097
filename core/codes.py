"""The code lists of API.md that more than one app uses (one place, so they cannot drift).

Codes are stable (other systems rely on them); labels are translatable.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AssistanceStatus(models.TextChoices):
    """Person ``assistance_statuses``; also a resource's eligibility condition."""

    DIBAO = "dibao", _("Minimum living allowance (dibao)")
    TEKUN = "tekun", _("Destitute support (tekun)")
    DIBAO_EDGE = "dibao_edge", _("Near-dibao (marginal)")
    EXPENDITURE_HARDSHIP = "expenditure_hardship", _("Expenditure-type hardship")
    ORPHAN = "orphan", _("Orphan")
    DE_FACTO_UNSUPPORTED_CHILD = "de_facto_unsupported_child", _("De facto unsupported child")
    RELAPSE_MONITORING = "relapse_monitoring", _("Monitored against relapse into poverty")
    TEMPORARY_ASSISTANCE = "temporary_assistance", _("Temporary assistance")


class Vulnerability(models.TextChoices):
    """Person ``vulnerabilities`` (the focus groups of SPEC rule 7)."""

    ELDERLY_NO_SELF_CARE = "elderly_no_self_care", _("Elderly, unable to care for themselves")
    MINOR = "minor", _("Minor")
    DISABLED = "disabled", _("Disabled")
    SERIOUS_ILLNESS = "serious_illness", _("Serious illness")


class NeedCategory(models.TextChoices):
    """Need ``category`` and resource ``categories``."""

    LIVING = "living", _("Living")
    MEDICAL = "medical", _("Medical")
    EDUCATION = "education", _("Education")
    HOUSING = "housing", _("Housing")
    EMPLOYMENT = "employment", _("Employment")
    CARE = "care", _("Care")
    PSYCHOLOGICAL = "psychological", _("Psychological")
    REHABILITATION = "rehabilitation", _("Rehabilitation")
    LEGAL = "legal", _("Legal")
    GOODS = "goods", _("Goods")
    OTHER = "other", _("Other")


class PublicStage(models.TextChoices):
    """What the public status lookup answers for an application or a complaint: the stage only."""

    RECEIVED = "received", pgettext_lazy("public stage", "Received")
    VERIFYING = "verifying", pgettext_lazy("public stage", "Being verified")
    REFERRED = "referred", pgettext_lazy("public stage", "Referred on")
    CONCLUDED = "concluded", pgettext_lazy("public stage", "Concluded")
