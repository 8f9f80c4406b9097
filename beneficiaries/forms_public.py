"""The public online application form (no account). The limits that matter are in the service
(beneficiaries/services/applications.py); this form parses, and refuses scripts (core/public_forms.py)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from beneficiaries import consent_texts
from beneficiaries.models import ApplicantKind, Urgency
from beneficiaries.services.applications import ADDRESS_MAX, HOUSEHOLD_MAX, NAME_MAX, WHAT_HAPPENED_MAX
from core import public_forms
from core.codes import NeedCategory
from core.forms import RegionField, RegionPickerInput
from core.models import RegionLevel
from core.selectors import application_regions

APPLICATION_TOKEN_SALT = "beneficiaries.application-form"  # noqa: S105 - a signing salt, not a secret
APPLICATION_MIN_SECONDS = 5  # a person reads the consent text; a script does not wait

URGENCY_CHOICES = [
    (Urgency.ROUTINE, _("Not urgent: within a few days")),
    (Urgency.URGENT, _("Urgent: within a day")),
    (Urgency.EMERGENCY, _("Emergency: life, health, no food or no shelter today")),
]


class ApplicationForm(forms.Form):
    applicant_kind = forms.ChoiceField(
        label=_("Who is the help for"),
        choices=ApplicantKind.choices,
        initial=ApplicantKind.SELF,
        widget=forms.RadioSelect,
    )
    # Lengths are checked by the service (a message that says which limit); maxlength helps the phone's keyboard.
    name = forms.CharField(
        label=_("Your name"),
        help_text=_("As on your ID card."),
        widget=forms.TextInput(attrs={"maxlength": NAME_MAX, "autocomplete": "name"}),
    )
    id_number = forms.CharField(
        label=_("Your ID number"),
        help_text=_("18 digits (the last may be X). It is checked, stored encrypted and never shown on the page."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "maxlength": 24}),
    )
    household_size = forms.IntegerField(
        label=_("People in your household"), required=False, min_value=1, max_value=HOUSEHOLD_MAX
    )
    region = RegionField(
        label=_("Where you live (township or village)"),
        levels=[RegionLevel.TOWNSHIP, RegionLevel.VILLAGE],
        widget=RegionPickerInput(levels=[RegionLevel.TOWNSHIP, RegionLevel.VILLAGE], scope="apply"),
        help_text=_("Type part of the name and choose from the list: the station there calls you back."),
    )
    address = forms.CharField(
        label=_("Address (optional)"), required=False, widget=forms.TextInput(attrs={"maxlength": ADDRESS_MAX})
    )
    what_happened = forms.CharField(
        label=_("Your situation"),
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": WHAT_HAPPENED_MAX}),
        help_text=_("A few sentences: what happened, since when, what you have already tried."),
    )
    categories = forms.MultipleChoiceField(
        label=_("What help you need"), choices=NeedCategory.choices, widget=forms.CheckboxSelectMultiple
    )
    urgency = forms.ChoiceField(
        label=_("How urgent is it"), choices=URGENCY_CHOICES, initial=Urgency.ROUTINE, widget=forms.RadioSelect
    )
    phone = forms.CharField(
        label=_("Contact phone"),
        help_text=_("The station calls you on it; its last four digits let you look up the stage."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel", "maxlength": 20}),
    )
    agrees = forms.BooleanField(label=_("I have read and agree to the consent text above"), required=False)
    may_text = forms.BooleanField(label=consent_texts.CONTACT_TEXT, required=False)
    consent_version = forms.CharField(widget=forms.HiddenInput)
    website = public_forms.honeypot_field()
    form_token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = application_regions()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        public_forms.check_honeypot(cleaned.get("website", ""))
        public_forms.check_shown(
            cleaned.get("form_token", ""), salt=APPLICATION_TOKEN_SALT, min_seconds=APPLICATION_MIN_SECONDS
        )
        return cleaned


def application_initial() -> dict[str, Any]:
    return {
        "form_token": public_forms.shown_token(APPLICATION_TOKEN_SALT),
        "consent_version": consent_texts.CURRENT_VERSION,
    }
