from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.dates import DayField
from core.forms import RegionField, RegionPickerInput
from core.models import Region, RegionLevel
from dashboards.selectors import TOWNSHIP_CODE_LENGTH, Scope

DEFAULT_PERIOD_DAYS = 365


class ScopeForm(forms.Form):
    """Township and period filter. A township outside the user's region cannot be chosen (it is
    a form error, never a wider view)."""

    township = RegionField(label=_("Township"), required=False, levels=[RegionLevel.TOWNSHIP])
    since = DayField(
        label=_("Period from"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    until = DayField(
        label=_("Period to"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args: Any, region: Region | None, **kwargs: Any) -> None:
        today = timezone.localdate()
        # The date fields show the period in force even before the user picks one.
        kwargs.setdefault("initial", {"since": today - timedelta(days=DEFAULT_PERIOD_DAYS - 1), "until": today})
        super().__init__(*args, **kwargs)
        self.region = region
        # A searchable picker, never a list: an administrator's scope holds 40,000 townships.
        township = self.fields["township"]
        assert isinstance(township, RegionField)  # noqa: S101 - declared above
        township.queryset = Region.objects.filter(region.subtree_q()) if region is not None else Region.objects.all()
        if region is None or region.level < RegionLevel.COUNTY:
            # A city, a province or the whole country: a county or a township of it.
            township.label = _("County or township")
            township.levels = [RegionLevel.COUNTY, RegionLevel.TOWNSHIP]
            township.widget = RegionPickerInput(levels=township.levels)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end of the period is before its start. Choose a later end date."))
        return cleaned

    def scope(self) -> Scope:
        """The scope the valid form asks for (defaults: the whole region, the last 12 months)."""
        today = timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {}
        until: date = data.get("until") or today
        since: date = data.get("since") or until - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
        region = data.get("township") or self.region
        return Scope(region=region, since=since, until=until)

    @property
    def show_townships(self) -> bool:
        return self.region is None or len(self.region.subtree_prefix) < TOWNSHIP_CODE_LENGTH
