"""Forms of the direct-help pages (SPEC rule 16). They parse input only; cases.services.direct_help decides."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core import signing
from django.utils.translation import gettext_lazy as _

from beneficiaries.models import ConsentMethod
from cases.models import HelpGiver, HelpKind
from charities.models import DeliveredService
from core.codes import NeedCategory
from core.dates import DayField
from core.form_tokens import FormTokenField

_PERSON_SALT = "cases.direct_help.person"


def person_token(person_id: int) -> str:
    """The found person, carried to the second step signed (never as a bare id a user could change)."""
    return signing.dumps(person_id, salt=_PERSON_SALT)


def person_from_token(token: str) -> int | None:
    try:
        value = signing.loads(token, salt=_PERSON_SALT, max_age=2 * 3600)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None


class FindPersonForm(forms.Form):
    id_number = forms.CharField(
        label=_("ID number of the person helped"),
        max_length=40,
        help_text=_("The exact 18-character resident ID number: the register is not browsed."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )


class DirectHelpForm(forms.Form):
    person = forms.CharField(widget=forms.HiddenInput)
    form_token = FormTokenField()
    giver = forms.ChoiceField(choices=HelpGiver.choices, label=_("Given by"))
    helper_name = forms.CharField(
        label=_("Pairing cadre"),
        required=False,
        max_length=100,
        help_text=_("For pairing help (结对帮扶): who gave it."),
    )
    kind = forms.ChoiceField(choices=[("", "—"), *HelpKind.choices], label=_("Kind of help"))
    category = forms.ChoiceField(
        choices=[("", _("Work it out from the kind of help")), *NeedCategory.choices],
        label=_("Need met"),
        required=False,
    )
    amount = forms.DecimalField(
        label=_("Amount given (yuan)"), max_digits=12, decimal_places=2, min_value=0, required=False
    )
    items = forms.CharField(label=_("Goods given"), required=False, max_length=300)
    services = forms.MultipleChoiceField(
        choices=DeliveredService.choices, label=_("Services given"), widget=forms.CheckboxSelectMultiple, required=False
    )
    given_on = DayField(label=_("Given on"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), required=False, max_length=300)
    consent_method = forms.ChoiceField(
        choices=[("", "—"), *ConsentMethod.choices],
        label=_("The person agreed to this record by"),
    )
    consent_witness = forms.CharField(label=_("Witness (verbal consent)"), required=False, max_length=100)
    consent_guardian = forms.CharField(label=_("Guardian (under 14)"), required=False, max_length=100)
    consent_evidence = forms.FileField(label=_("Signed form or online record (PDF, JPG, PNG)"), required=False)

    def __init__(self, *args: Any, givers: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["giver"]
        field.choices = [(code, label) for code, label in HelpGiver.choices if code in givers]  # type: ignore[attr-defined]
        if len(givers) == 1:
            field.widget = forms.HiddenInput()
            field.initial = givers[0]
            self.fields["helper_name"].widget = forms.HiddenInput()
