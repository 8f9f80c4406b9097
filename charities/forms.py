"""Forms only parse; the services check and say what is wrong."""

from __future__ import annotations

import time
from typing import Any

from django import forms
from django.core import signing
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from charities.models import ResourceForm, ResourceKind
from charities.services import ResourceData
from core.codes import AssistanceStatus, NeedCategory, Vulnerability
from core.dates import DayField
from core.fields import MoneyField
from core.forms import RegionField, RegionMultipleField
from core.models import FocusGroup, Organization, Region, RegionLevel
from core.selectors import public_regions, regions_pickable_by


def _split(value: str) -> list[str]:
    for separator in (",", "，", "、", ";", "；", "\n"):
        value = value.replace(separator, " ")
    return [part for part in value.split() if part]


def _pickable_regions(form: forms.Form, user: User | None, *names: str) -> None:
    """A charity serves its own regions and may name any county of the country (以强带弱)."""
    own = regions_pickable_by(user) if user is not None else Region.objects.none()
    for name in names:
        field = form.fields[name]
        assert isinstance(field, RegionMultipleField)  # noqa: S101
        field.queryset = own | public_regions() if user is None or not user.is_admin_role else Region.objects.all()


class ResourceEditForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=ResourceKind.choices)
    form = forms.ChoiceField(label=_("Form of help"), choices=ResourceForm.choices)
    categories = forms.MultipleChoiceField(
        label=_("Need categories"), choices=NeedCategory.choices, widget=forms.CheckboxSelectMultiple
    )
    purpose = forms.CharField(label=_("Purpose"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    service_regions = RegionMultipleField(
        label=_("Service regions"),
        required=False,
        public=True,
        help_text=_("One region a line (a county for all of it, or a township): type part of its name and choose it."),
    )
    designated_counties = RegionMultipleField(
        label=_("Designated counties (以强带弱)"),
        required=False,
        public=True,
        levels=[RegionLevel.COUNTY],
        help_text=_("Counties helped point to point from outside your own region, one a line, e.g. 延川县."),
    )
    min_age = forms.IntegerField(label=_("Minimum age"), required=False)
    max_age = forms.IntegerField(label=_("Maximum age"), required=False)
    assistance_statuses = forms.MultipleChoiceField(
        label=_("Assistance statuses"),
        choices=AssistanceStatus.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Leave empty if anyone may apply."),
    )
    vulnerabilities = forms.MultipleChoiceField(
        label=_("Vulnerabilities"),
        choices=Vulnerability.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Leave empty if anyone may apply."),
    )
    income_ceiling = forms.DecimalField(
        label=_("Household income ceiling (yuan per person per month)"), required=False, decimal_places=2
    )
    conditions = forms.CharField(
        label=_("Illness or disability types"), required=False, help_text=_("Separate several with spaces or commas.")
    )
    eligibility_notes = forms.CharField(
        label=_("Other eligibility notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    capacity_people = forms.IntegerField(label=_("Capacity (people)"), required=False)
    capacity_amount = MoneyField(label=_("Budget (yuan)"), required=False, decimal_places=2)
    per_person_limit = MoneyField(label=_("Limit per person (yuan)"), required=False, decimal_places=2)
    starts_on = DayField(label=_("Starts on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = DayField(label=_("Ends on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, user: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _pickable_regions(self, user, "service_regions", "designated_counties")

    @classmethod
    def initial_from(cls, data: ResourceData) -> dict[str, Any]:
        initial = dict(vars(data))
        initial["service_regions"] = " ".join(data.service_region_codes)
        initial["designated_counties"] = " ".join(data.designated_county_codes)
        initial["conditions"] = " ".join(data.conditions)
        return initial

    def to_data(self) -> ResourceData:
        cleaned = dict(self.cleaned_data)
        return ResourceData(
            name=cleaned["name"],
            kind=cleaned["kind"],
            form=cleaned["form"],
            categories=list(cleaned["categories"]),
            purpose=cleaned["purpose"],
            # .get: also called with a region the picker could not find, to run the other checks.
            service_region_codes=[region.code for region in cleaned.get("service_regions", [])],
            designated_county_codes=[region.code for region in cleaned.get("designated_counties", [])],
            min_age=cleaned["min_age"],
            max_age=cleaned["max_age"],
            assistance_statuses=list(cleaned["assistance_statuses"]),
            vulnerabilities=list(cleaned["vulnerabilities"]),
            income_ceiling=cleaned["income_ceiling"],
            conditions=_split(cleaned["conditions"]),
            eligibility_notes=cleaned["eligibility_notes"],
            capacity_people=cleaned["capacity_people"],
            capacity_amount=cleaned["capacity_amount"],
            per_person_limit=cleaned["per_person_limit"],
            starts_on=cleaned["starts_on"],
            ends_on=cleaned["ends_on"],
        )


class ProfileForm(forms.Form):
    contact_person = forms.CharField(label=_("Contact person"), max_length=100, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=32, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    focus_groups = forms.MultipleChoiceField(
        label=_("Focus groups"), choices=FocusGroup.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    service_regions = RegionMultipleField(
        label=_("Service regions"),
        required=False,
        public=True,
        help_text=_("One region a line: type part of its name and choose it."),
    )
    introduction = forms.CharField(label=_("Introduction"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    disclosures = forms.CharField(
        label=_("Public disclosures"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("Annual report, audit results, where donations went. Shown on the public transparency page."),
    )

    def __init__(self, *args: Any, user: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _pickable_regions(self, user, "service_regions")

    def service_region_codes(self) -> list[str]:
        return [region.code for region in self.cleaned_data["service_regions"]]


class InviteStaffForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    full_name = forms.CharField(label=_("Full name"), max_length=100)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)


# --- the public complaint form: no JavaScript, no captcha ------------------------------

COMPLAINT_TOKEN_SALT = "charities.complaint-form"  # noqa: S105 - a signing salt, not a secret
# A person needs at least this long to read the form and write something; a script does not wait.
COMPLAINT_MIN_SECONDS = 3
COMPLAINT_MAX_AGE_SECONDS = 2 * 3600


def complaint_form_token(now: float | None = None) -> str:
    """A signed record of when the form was shown."""
    return signing.dumps({"shown": int(now if now is not None else time.time())}, salt=COMPLAINT_TOKEN_SALT)


class ComplaintForm(forms.Form):
    about_organization = forms.ModelChoiceField(
        label=_("Organization concerned (optional)"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("— none or not sure —"),
    )
    region = RegionField(
        label=_("County concerned (optional)"),
        required=False,
        levels=[RegionLevel.COUNTY],
        help_text=_("Choose the county or the organization concerned (at least one), so that its supervisors read it."),
    )
    content = forms.CharField(
        label=_("What happened"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Say who, when, where and what. Please do not write other people's ID numbers."),
    )
    contact = forms.CharField(
        label=_("How to reach you (optional)"),
        max_length=100,
        required=False,
        help_text=_("Phone or email, if you want to hear the result. You may stay anonymous."),
    )
    # Honeypot: hidden from people by CSS and labelled "leave empty"; bots fill every field.
    website = forms.CharField(label=_("Leave this field empty"), required=False)
    form_token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, organizations: Any, regions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["about_organization"].queryset = organizations  # type: ignore[attr-defined]
        self.fields["region"].queryset = regions  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("website"):
            raise forms.ValidationError(_("The form could not be accepted. Please reload the page and try again."))
        token = cleaned.get("form_token", "")
        try:
            shown = signing.loads(token, salt=COMPLAINT_TOKEN_SALT, max_age=COMPLAINT_MAX_AGE_SECONDS)["shown"]
        except (signing.BadSignature, KeyError, TypeError):
            raise forms.ValidationError(
                _(
                    "The form has expired (it is valid for two hours). Please copy your text, reload the page and submit again."
                )
            ) from None
        if time.time() - shown < COMPLAINT_MIN_SECONDS:
            raise forms.ValidationError(
                _("The form was sent too quickly. Please check what you wrote and send it again.")
            )
        return cleaned
