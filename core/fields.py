"""Form fields that read values the way the imports do (core.normalise), so a page and a sheet agree."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from core import normalise


class MoneyField(forms.DecimalField):
    """An amount in yuan: 5000, 5,000.50, 5000元, ¥5000 and 1.2万元 are read as on a spreadsheet.

    A text box (with the decimal keypad on phones), not ``type=number``, which would refuse 元 and 万
    in the browser before our message could explain.
    """

    widget = forms.TextInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("max_digits", 14)
        super().__init__(**kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        attrs.pop("step", None)
        attrs.update(inputmode="decimal", autocomplete="off")
        return attrs

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]  # the stubs' DecimalField says int
        if value in self.empty_values:
            return None
        return normalise.money(value)
