"""Forms of the referral pages. They parse input only; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from beneficiaries.models import (
    OPEN_NEED_STATUSES,
    Consent,
    ConsentField,
    ConsentStatus,
    Need,
    Person,
    Programme,
    Relation,
    Urgency,
)
from cases.models import Outcome
from charities.models import DeliveredService, Resource, ResourceStatus
from core.dates import DayField
from core.form_tokens import FormTokenField
from core.forms import RegionField
from core.models import GOVERNMENT_KINDS, Organization, OrganizationKind, RegionLevel
from core.selectors import organizations_visible_to, regions_pickable_by


def need_label(need: Need) -> str:
    """A need as the referral form lists it: category, when it was logged and how its description
    starts, so two needs of one category can be told apart (not ``王建国 · 照料`` twice)."""
    description = " ".join(need.description.split())
    start = description if len(description) <= 30 else description[:30] + "…"
    logged = timezone.localtime(need.created_at).strftime("%Y-%m-%d")
    return " · ".join(
        part for part in (need.get_category_display(), _("logged on %(day)s") % {"day": logged}, start) if part
    )


class NeedChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Need) -> str:
        return need_label(obj)


class ResourceSelect(forms.Select):
    """Each resource's option names its organization (``data-organization``), so the page lists
    only the chosen charity's resources as soon as the charity is picked (js/referral-form.js)."""

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        instance = getattr(value, "instance", None)
        if isinstance(instance, Resource):
            option["attrs"]["data-organization"] = str(instance.organization_id)
        return option


class ResourceChoiceField(forms.ModelChoiceField):
    widget = ResourceSelect

    def label_from_instance(self, obj: Resource) -> str:
        return f"{obj.organization.name} · {obj.name}"


class ReferralToCharityForm(forms.Form):
    to_organization = forms.ModelChoiceField(queryset=Organization.objects.none(), label=_("Refer to"))
    needs = NeedChoiceField(
        queryset=Need.objects.none(),
        label=_("Needs this referral answers"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    consent = forms.ModelChoiceField(
        queryset=Consent.objects.none(),
        label=_("Consent relied on"),
        required=False,
        empty_label=_("Find one in force automatically"),
    )
    shared_fields = forms.MultipleChoiceField(
        choices=ConsentField.choices,
        label=_("Details shared with the organization"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Leave empty to share everything the consent covers. The ID number is always shown masked."),
    )
    urgency = forms.ChoiceField(
        choices=[("", _("As the most urgent need")), *Urgency.choices], label=_("Urgency"), required=False
    )
    fast_track = forms.BooleanField(label=_("Simplified procedure (fast track)"), required=False)
    resource = ResourceChoiceField(
        queryset=Resource.objects.none(),
        label=_("Resource on the supply list"),
        required=False,
        empty_label=_("None"),
        help_text=_("Only an open resource of the organization chosen above."),
    )
    note = forms.CharField(label=_("Why this referral"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    form_token = FormTokenField()

    def __init__(
        self, *args: Any, user: User, person: Person, organization: Organization | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        suppliers = organizations_visible_to(user).exclude(kind__in=GOVERNMENT_KINDS).filter(is_active=True)
        self.fields["to_organization"].queryset = suppliers.order_by("name")  # type: ignore[attr-defined]
        self.fields["needs"].queryset = Need.objects.filter(person=person, status__in=OPEN_NEED_STATUSES)  # type: ignore[attr-defined]
        self.fields["consent"].queryset = Consent.objects.filter(  # type: ignore[attr-defined]
            person=person, status=ConsentStatus.ACTIVE, expires_at__gt=timezone.now()
        ).select_related("recipient_organization")
        self.fields["resource"].queryset = (  # type: ignore[attr-defined]
            Resource.objects.filter(organization__in=suppliers.values("id"), status=ResourceStatus.OPEN)
            .select_related("organization")
            .order_by("organization__name", "name")
        )
        if organization is not None:
            self.limit_resources_to(organization)

    def limit_resources_to(self, organization: Organization) -> None:
        """Once the charity is known, list only its open resources (a posted resource of another
        organization is still refused by ``clean`` with a message naming both)."""
        field = self.fields["resource"]
        field.queryset = field.queryset.filter(organization=organization)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        resource, organization = data.get("resource"), data.get("to_organization")
        if resource is not None and organization is not None and resource.organization_id != organization.pk:
            self.add_error(
                "resource",
                _("%(resource)s belongs to %(owner)s, not to %(org)s: choose a resource of %(org)s, or none.")
                % {"resource": resource.name, "owner": resource.organization.name, "org": organization.name},
            )
        return data


class ReferralToGovernmentForm(forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=100)
    id_number = forms.CharField(label=_("Resident ID number (if known)"), max_length=18, required=False)
    phone = forms.CharField(label=_("Phone (if known)"), max_length=20, required=False)
    region = RegionField(
        label=_("Where the person lives"),
        levels=[RegionLevel.TOWNSHIP, RegionLevel.VILLAGE],
        help_text=_("The village or community (or the township), e.g. 永坪村."),
    )
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    to_organization = forms.ModelChoiceField(
        queryset=Organization.objects.none(),
        label=_("Civil affairs office"),
        required=False,
        empty_label=_("The office of the person's township"),
    )
    urgency = forms.ChoiceField(choices=Urgency.choices, label=_("Urgency"), initial=Urgency.ROUTINE)
    note = forms.CharField(label=_("Why the person may qualify"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions_pickable_by(user)  # type: ignore[attr-defined]
        self.fields["to_organization"].queryset = organizations_visible_to(user).filter(  # type: ignore[attr-defined]
            kind__in=[OrganizationKind.CIVIL_AFFAIRS_BUREAU, OrganizationKind.TOWNSHIP_OFFICE], is_active=True
        )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class FeedbackForm(forms.Form):
    outcome = forms.ChoiceField(choices=Outcome.choices, label=_("Outcome"))
    amount = forms.DecimalField(
        label=_("Amount given (yuan)"), max_digits=12, decimal_places=2, min_value=0, required=False
    )
    items = forms.CharField(label=_("Goods given"), required=False)
    services = forms.MultipleChoiceField(
        choices=DeliveredService.choices, label=_("Services given"), widget=forms.CheckboxSelectMultiple, required=False
    )
    helped_on = DayField(label=_("Helped on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class DecideForm(forms.Form):
    eligible = forms.TypedChoiceField(
        choices=[("1", _("Eligible")), ("0", _("Not eligible"))], coerce=lambda v: v == "1", label=_("Decision")
    )
    programme = forms.ChoiceField(choices=[("", "—"), *Programme.choices], label=_("Programme"), required=False)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class RereferForm(forms.Form):
    to_organization = forms.ModelChoiceField(queryset=Organization.objects.none(), label=_("Refer to"))
    reason = forms.CharField(label=_("Note"), required=False)

    def __init__(self, *args: Any, user: User, government: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        visible = organizations_visible_to(user).filter(is_active=True)
        self.fields["to_organization"].queryset = (  # type: ignore[attr-defined]
            visible.filter(kind__in=[OrganizationKind.CIVIL_AFFAIRS_BUREAU, OrganizationKind.TOWNSHIP_OFFICE])
            if government
            else visible.exclude(kind__in=GOVERNMENT_KINDS)
        )


class FollowUpForm(forms.Form):
    # No preset answer on a judgement field: an untouched 保存 must not record a satisfied visit
    # (the blank first choice is selected, and the field is required).
    satisfaction = forms.TypedChoiceField(
        choices=[("", _("Choose…")), *((str(i), str(i)) for i in range(5, 0, -1))],
        coerce=int,
        label=_("Satisfaction (5 = very satisfied)"),
    )
    need_met = forms.TypedChoiceField(
        choices=[("", _("Choose…")), ("1", _("Yes")), ("0", _("No"))],
        coerce=lambda v: v == "1",
        label=_("Was the need really met?"),
    )
    visited_on = DayField(label=_("Visited on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    form_token = FormTokenField()


class RegisterPersonForm(forms.Form):
    """登记在册: the office enters the person a charity referred as a new person of the register. The
    box must be ticked: the page lists who may already be registered, and linking one of them is
    the other way out."""

    confirm_new = forms.BooleanField(
        label=_("I have checked: this person is none of the registered people listed above"),
        error_messages={"required": _("Confirm this is a new person, or link the registered person instead.")},
    )
    household = forms.CharField(
        label=_("Join a registered household (household number)"),
        required=False,
        max_length=40,
        help_text=_("Leave empty for a new household at the address the charity gave."),
    )
    relation = forms.TypedChoiceField(
        label=_("Relation to the head of household"),
        choices=Relation.choices,
        initial=Relation.HEAD,
        required=False,
        empty_value=Relation.HEAD,
    )
    form_token = FormTokenField()
