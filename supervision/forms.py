"""Forms parse input only; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from audit.models import AuditAction
from charities.models import ComplaintStatus
from core.dates import DayField
from supervision.models import Relationship


class DateInput(forms.DateInput):
    input_type = "date"


class PeriodFormMixin(forms.Form):
    since = DayField(label=_("From date"), required=False, widget=DateInput)
    until = DayField(label=_("To date"), required=False, widget=DateInput)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end of the period is before its start. Choose a later end date."))
        return cleaned


class AuditFilterForm(PeriodFormMixin):
    actor = forms.TypedChoiceField(label=_("Acted by"), required=False, coerce=int, empty_value=None)
    person_q = forms.CharField(
        label=_("Person concerned"),
        required=False,
        max_length=100,  # a searched ID number comes back as a token (beneficiaries/search.py)
        widget=forms.TextInput(attrs={"placeholder": _("ID number or name")}),
    )
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("All actions")), *AuditAction.choices]
    )

    field_order = ["actor", "person_q", "action", "since", "until"]

    def __init__(self, *args: Any, actors: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        actor = self.fields["actor"]
        if isinstance(actor, forms.TypedChoiceField):
            actor.choices = [("", _("Everyone")), *actors]


class ComplaintFilterForm(PeriodFormMixin):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All")), *ComplaintStatus.choices])
    q = forms.CharField(label=_("Search"), required=False, max_length=100)

    field_order = ["status", "q", "since", "until"]


class ConcludeForm(forms.Form):
    conclusion = forms.CharField(
        label=_("Conclusion"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        help_text=_("What was found, what was done, and whether the complainant was told."),
    )


class DeclarationForm(forms.Form):
    name = forms.CharField(label=_("Person's name"), max_length=100)
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=20,
        help_text=_("Kept only in a form that finds the person in the register; never shown in full."),
    )
    relationship = forms.ChoiceField(label=_("Relationship"), choices=Relationship.choices)


class ApprovalForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
