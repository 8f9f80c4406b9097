"""Forms only parse input; the services check the rules and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beneficiaries.models import (
    REVEALABLE_FIELDS,
    ConsentField,
    ConsentMethod,
    ConsentPurpose,
    DisabilityGrade,
    NeedSource,
    NeedStatus,
    Programme,
    RecipientScope,
    Relation,
    Urgency,
)
from core.codes import AssistanceStatus, NeedCategory, Vulnerability
from core.dates import DayField
from core.fields import MoneyField
from core.form_tokens import FormTokenField
from core.forms import RegionField
from core.models import Organization, Region, RegionLevel

REVEAL_LABELS = {
    "id_number": _("ID number"),
    "phone": _("Phone"),
    "health": _("Health condition"),
    "disability_details": _("Disability details"),
    "income": _("Household income and expenses"),
}


class PersonForm(forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=100)
    id_number = forms.CharField(
        label=_("Resident ID number"),
        max_length=32,
        help_text=_("18 characters; birth date and gender are read from it."),
    )
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    relation = forms.ChoiceField(label=_("Relation to head of household"), choices=Relation.choices)
    household = forms.CharField(
        label=_("Household register number"),
        max_length=32,
        required=False,
        help_text=_("Leave empty to open a new household at the address below."),
    )
    region = RegionField(label=_("Village / community"), levels=[RegionLevel.TOWNSHIP, RegionLevel.VILLAGE])
    address = forms.CharField(label=_("Address"), max_length=300)
    assistance_statuses = forms.MultipleChoiceField(
        label=_("Assistance statuses"),
        choices=AssistanceStatus.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    vulnerabilities = forms.MultipleChoiceField(
        label=_("Vulnerabilities"), choices=Vulnerability.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    disability_grade = forms.TypedChoiceField(
        label=_("Disability grade"),
        choices=[("", "—"), *DisabilityGrade.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    disability_details = forms.CharField(
        label=_("Disability details"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    health = forms.CharField(label=_("Health condition"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, regions: Any = None, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region_field = self.fields["region"]
        assert isinstance(region_field, RegionField)  # noqa: S101
        region_field.queryset = regions if regions is not None else Region.objects.none()
        if editing:
            # Identity comes from the ID number and the household is fixed once registered.
            for name in ("id_number", "household"):
                del self.fields[name]


class HouseholdMoneyForm(forms.Form):
    address = forms.CharField(label=_("Address"), max_length=300)
    annual_income = MoneyField(
        label=_("Household income per year (yuan)"), required=False, min_value=0, decimal_places=2
    )
    annual_essential_expenses = MoneyField(
        label=_("Essential expenses per year (yuan)"), required=False, min_value=0, decimal_places=2
    )
    annual_medical_expenses = MoneyField(
        label=_("Medical expenses per year (yuan)"), required=False, min_value=0, decimal_places=2
    )


class RevealForm(forms.Form):
    field = forms.ChoiceField(
        label=_("Show in full"), choices=[(name, REVEAL_LABELS[name]) for name in REVEALABLE_FIELDS]
    )
    reason = forms.CharField(label=_("Reason (logged)"), max_length=500)


class AssistanceRecordForm(forms.Form):
    programme = forms.ChoiceField(label=_("Programme"), choices=Programme.choices)
    amount = MoneyField(label=_("Amount (yuan)"), min_value=0, decimal_places=2)
    period_start = DayField(label=_("Period start"), widget=forms.DateInput(attrs={"type": "date"}))
    period_end = DayField(label=_("Period end"), widget=forms.DateInput(attrs={"type": "date"}))
    granting_organization = forms.ModelChoiceField(label=_("Granting office"), queryset=Organization.objects.none())
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class ConsentForm(forms.Form):
    purposes = forms.MultipleChoiceField(
        label=_("Purposes"), choices=ConsentPurpose.choices, widget=forms.CheckboxSelectMultiple
    )
    recipient_scope = forms.ChoiceField(label=_("Recipients"), choices=RecipientScope.choices, widget=forms.RadioSelect)
    recipient_organization = forms.ModelChoiceField(
        label=_("Recipient organization"), queryset=Organization.objects.none(), required=False
    )
    covered_fields = forms.MultipleChoiceField(
        label=_("Fields covered"), choices=ConsentField.choices, widget=forms.CheckboxSelectMultiple
    )
    method = forms.ChoiceField(
        label=_("How consent was given"), choices=ConsentMethod.choices, widget=forms.RadioSelect
    )
    witness_name = forms.CharField(label=_("Witness (verbal consent)"), max_length=100, required=False)
    granted_at = forms.DateTimeField(
        label=_("Granted at"),
        initial=timezone.now,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    expires_at = forms.DateTimeField(
        label=_("Expires at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    evidence = forms.FileField(label=_("Scanned signed form (PDF, JPG or PNG)"), required=False)
    guardian_name = forms.CharField(label=_("Guardian (for children under 14)"), max_length=100, required=False)
    guardian_relation = forms.CharField(label=_("Guardian's relation"), max_length=50, required=False)


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason for revocation"), widget=forms.Textarea(attrs={"rows": 2}))


class NeedForm(forms.Form):
    person = forms.IntegerField(
        widget=forms.HiddenInput, error_messages={"required": _("Find and choose the person first.")}
    )
    category = forms.ChoiceField(label=_("What is needed"), choices=NeedCategory.choices, widget=forms.RadioSelect)
    urgency = forms.ChoiceField(
        label=_("Urgency"), choices=Urgency.choices, initial=Urgency.ROUTINE, widget=forms.RadioSelect
    )
    description = forms.CharField(label=_("Description"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    amount_requested = MoneyField(
        label=_("Amount requested (yuan, optional)"), required=False, min_value=0, decimal_places=2
    )
    source = forms.ChoiceField(
        label=_("Found through"),
        choices=[c for c in NeedSource.choices if c[0] != "monitoring_alert"],
        initial=NeedSource.VISIT,
    )
    confirm_new = forms.BooleanField(label=_("Record as a new need"), required=False)
    form_token = FormTokenField()


class NeedStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=NeedStatus.choices)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
