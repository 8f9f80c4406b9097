"""The audit log's "what" column in words: each recorded key and code as its label
(``{"field": "id_number"}`` reads 字段：身份证号), so a supervisor need not know the codes.
Keys and codes it does not know are shown as they are."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from django.apps import apps
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from beneficiaries.models import (
    ConsentField,
    ConsentPurpose,
    Household,
    NeedStatus,
    Person,
    Programme,
    RecipientScope,
)
from cases.models import Outcome, ReferralStatus
from cases.transitions import TRANSITIONS, action_label
from charities.models import ComplaintStatus, ResourceStatus
from core.codes import NeedCategory
from core.spreadsheets import get_spec
from supervision.models import ApprovalStatus, Relationship

KEY_LABELS = {
    "field": gettext_lazy("Field"),
    "fields": gettext_lazy("Fields"),
    "purposes": gettext_lazy("Purposes"),
    "scope": gettext_lazy("Shared with"),
    "programme": gettext_lazy("Programme"),
    "category": gettext_lazy("Category"),
    "status": gettext_lazy("Status"),
    "from": pgettext_lazy("audit change", "From"),
    "to": pgettext_lazy("audit change", "To"),
    "import": gettext_lazy("Import"),
    "via": gettext_lazy("Through"),
    "referral": gettext_lazy("Referral"),
    "relationship": gettext_lazy("Relationship"),
    "id_number": gettext_lazy("ID number"),
    "username": gettext_lazy("Username"),
    "q": gettext_lazy("Search"),
    "what": gettext_lazy("List"),
    "withdrawn": gettext_lazy("Withdrawn"),
    "second_approval": gettext_lazy("Second approval"),
    "step": pgettext_lazy("audit change", "Step"),
    "amount": pgettext_lazy("audit change", "Amount (yuan)"),
    "outcome": pgettext_lazy("audit change", "Outcome"),
    "eligible": pgettext_lazy("audit change", "Eligible"),
    "fast_track": pgettext_lazy("audit change", "Simplified procedure"),
    "need_met": pgettext_lazy("audit change", "Need really met"),
    "satisfaction": pgettext_lazy("audit change", "Satisfaction"),
    "person": pgettext_lazy("audit change", "Person"),
    "consent_revoked": pgettext_lazy("audit change", "Consent revoked"),
    "new_referral": pgettext_lazy("audit change", "New referral"),
    "previous": pgettext_lazy("audit change", "Previous referral"),
    "how": pgettext_lazy("audit change", "How"),
    "region": pgettext_lazy("audit change", "Region"),
    "to_region": pgettext_lazy("audit change", "Moved to"),
    "rows": pgettext_lazy("audit change", "Rows"),
    "ref": pgettext_lazy("audit change", "Reference"),
    "export": pgettext_lazy("audit change", "Export"),
}


def _field_labels(*model_classes: type[models.Model]) -> dict[str, str]:
    labels: dict[str, str] = {}
    for model in model_classes:
        for field in model._meta.get_fields():
            verbose = getattr(field, "verbose_name", None)
            if verbose is not None:
                labels.setdefault(field.name, str(verbose))
    return labels


def _choices(*enums: type[models.Choices]) -> dict[str, str]:
    return {str(value): str(label) for enum in enums for value, label in enum.choices}


@cache
def _values_by_key(language: str) -> dict[str, dict[str, str]]:
    fields = _field_labels(Person, Household)
    # A step's states are the referral's (or a need's, a resource's, a complaint's): the codes
    # these share (open, draft, closed) have the same label in each.
    statuses = _choices(NeedStatus, ResourceStatus, ComplaintStatus) | _choices(ReferralStatus)
    return {
        "field": fields,
        "fields": fields | {k: v for k, v in _choices(ConsentField).items() if k not in fields},
        "purposes": _choices(ConsentPurpose),
        "scope": _choices(RecipientScope),
        "programme": _choices(Programme),
        "category": _choices(NeedCategory),
        "status": statuses,
        "from": statuses,
        "to": statuses,
        "what": {"needs": _("needs"), "persons": pgettext("audit list", "people")},
        "step": {action: action_label(action) for action in TRANSITIONS},
        "outcome": _choices(Outcome),
        "relationship": _choices(Relationship),
        "second_approval": _choices(ApprovalStatus),
        "how": {"change": _("Changed by the person"), "invite": _("Set from an invite link")},
        "via": {
            "api": pgettext("audit via", "the API"),
            "page": pgettext("audit via", "the referral page"),
            "print": pgettext("audit via", "the printed referral form"),
            "admin": pgettext("audit via", "the admin"),
        },
    }


def _word(key: str, value: Any, values: Mapping[str, str]) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list | tuple):
        return "、".join(_word(key, item, values) for item in value) or "—"
    if key == "import":
        spec = get_spec(str(value))
        return str(spec.title) if spec is not None else str(value)
    return values.get(str(value), str(value))


def describe_changes(changes: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, value) pairs in the order they were recorded."""
    from django.utils.translation import get_language

    by_key = _values_by_key(get_language() or "")
    return [(str(KEY_LABELS.get(key, key)), _word(key, value, by_key.get(key, {}))) for key, value in changes.items()]


def _model_label(target_type: str) -> str:
    try:
        model = apps.get_model(target_type)
    except (LookupError, ValueError):
        return target_type
    return str(model._meta.verbose_name)


def describe_target(target_type: str, target_id: str) -> str:
    """``beneficiaries.person`` #472 reads 人员 472: the kind of record in words, then its number."""
    if not target_type:
        return str(target_id or "")
    label = _model_label(target_type)
    return f"{label} {target_id}".strip()
