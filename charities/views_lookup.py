"""The public status lookup page (no sign-in): reference + last four digits → the stage only."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from charities.lookup import LookupThrottled, stage_label, status_lookup
from core.client_address import client_address


class StatusLookupForm(forms.Form):
    reference = forms.CharField(
        label=_("Reference number"),
        help_text=_("On the confirmation page, e.g. SQ20261207123456 or TS20261207123456."),
        widget=forms.TextInput(attrs={"maxlength": 30, "autocomplete": "off", "autocapitalize": "characters"}),
    )
    phone_last4 = forms.CharField(
        label=_("Last four digits of the phone you gave"),
        widget=forms.TextInput(attrs={"maxlength": 4, "inputmode": "numeric", "autocomplete": "off"}),
    )


NOT_FOUND = _(
    "Nothing was found for this reference number and these digits. Check both and try again; "
    "a complaint can only be looked up if you gave a phone number with it."
)


@never_cache
@require_http_methods(["GET", "POST"])
def status_lookup_view(request: HttpRequest) -> HttpResponse:
    form = StatusLookupForm(request.POST if request.method == "POST" else None)
    context: dict[str, object] = {"form": form}
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            stage = status_lookup(
                reference=form.cleaned_data["reference"][:30],
                phone_last4=form.cleaned_data["phone_last4"],
                client=client_address(request),
            )
        except LookupThrottled as error:
            form.add_error(None, error.message)
            status = 429
        else:
            if stage is None:
                form.add_error(None, NOT_FOUND)
            else:
                context["stage"] = stage
                context["stage_label"] = stage_label(stage)
    return render(request, "charities/status_lookup.html", context, status=status)
