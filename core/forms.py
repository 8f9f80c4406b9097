"""The region picker: a text input with a searchable list, for every form and filter.

A page never lists every region (the national table has 660,000). The person types part of a
name; with JavaScript (static/js/region-picker.js) a datalist fills from ``core:region_search``
with each match's path (陕西省 › 延安市 › 延川县 › 永坪镇) and choosing one puts the path in the
input. Without JavaScript the typed name, path or code is resolved on the server, and a name
that several regions share is refused with their paths. Codes still work (links and bookmarks
carry them) but nobody has to type one. The choices are limited by the field's queryset (the
user's jurisdiction: ``core.selectors.regions_pickable_by``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.models import Region, RegionLevel
from core.selectors import PATH_SEPARATOR, region_paths

_SEGMENTS = re.compile(r"\s*[›>/／]\s*")
MULTIPLE_SEPARATORS = re.compile(r"[\n;；]+")
SHOWN_ALTERNATIVES = 5


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf").strip()


def region_path(region: Region) -> str:
    return region_paths([region])[region.code]


def _levels_label(levels: Iterable[int]) -> str:
    return "、".join(str(RegionLevel(level).label) for level in levels)


def resolve_region(text: str, *, queryset: QuerySet[Region], levels: Iterable[int] | None = None) -> Region | None:
    """The one region among ``queryset`` that ``text`` (a path, a name or a code) names; None for
    empty text; ValidationError with a message the person can act on otherwise."""
    text = _clean(text)
    if not text:
        return None
    levels = list(levels or [])
    choices = queryset.filter(level__in=levels) if levels else queryset
    if text.isdigit():
        if len(text) not in (6, 9, 12):
            raise ValidationError(
                _("“%(text)s” is not a region: type part of its name and choose from the list.") % {"text": text},
                code="region_code",
            )
        region = choices.filter(code=text.ljust(12, "0")).first()
        if region is None:
            raise ValidationError(
                _("There is no region with the code %(code)s that you can choose here.") % {"code": text},
                code="region_unknown",
            )
        return region
    segments = [segment for segment in _SEGMENTS.split(text) if segment]
    candidates = list(choices.filter(name=segments[-1]).order_by("level", "code")[:50])
    paths = region_paths(candidates)
    matching = [c for c in candidates if paths[c.code].split(PATH_SEPARATOR)[-len(segments) :] == segments]
    if len(matching) == 1:
        return matching[0]
    if not matching:
        if levels and queryset.filter(name=segments[-1]).exclude(level__in=levels).exists():
            raise ValidationError(
                _("“%(name)s” is not a %(levels)s: choose one from the list.")
                % {"name": segments[-1], "levels": _levels_label(levels)},
                code="region_level",
            )
        raise ValidationError(
            _(
                "There is no region called “%(name)s” that you can choose here: type part of its name and choose from the list."
            )
            % {"name": text},
            code="region_unknown",
        )
    shown = "；".join(paths[c.code] for c in matching[:SHOWN_ALTERNATIVES])
    raise ValidationError(
        _("Several regions are called “%(name)s”: %(paths)s. Choose one from the list, or type more of its path.")
        % {"name": text, "paths": shown},
        code="region_ambiguous",
    )


def search_url(levels: Iterable[int] | None, *, public: bool = False, scope: str = "") -> str:
    """The search endpoint for these levels; ``public`` adds every county of the country (public
    names) to the user's own regions, for a charity's service regions and designated counties."""
    params = []
    levels = list(levels or [])
    if levels:
        params.append(f"level={','.join(str(level) for level in levels)}")
    if public:
        params.append("public=1")
    if scope:
        params.append(f"scope={scope}")
    url = reverse("core:region_search")
    return f"{url}?{'&'.join(params)}" if params else url


class _ProjectTemplateWidget(forms.Widget):
    """Rendered by the project's template engine (templates/core/widgets/), not the form renderer's."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        return mark_safe(render_to_string(self.template_name, self.get_context(name, value, attrs)))  # noqa: S308


class RegionPickerInput(_ProjectTemplateWidget, forms.TextInput):
    template_name = "core/widgets/region_picker.html"

    def __init__(
        self,
        *,
        levels: Iterable[int] | None = None,
        public: bool = False,
        scope: str = "",
        attrs: dict[str, Any] | None = None,
    ) -> None:
        self.levels = list(levels or [])
        self.public = public
        self.scope = scope
        super().__init__(attrs={"autocomplete": "off", **(attrs or {})})

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget_id = context["widget"]["attrs"].get("id") or f"id_{name}"
        context["widget"]["attrs"].update(
            {
                "list": f"{widget_id}-choices",
                "data-region-search": search_url(self.levels, public=self.public, scope=self.scope),
                "placeholder": _("Type part of the name, e.g. 永坪"),
            }
        )
        context["widget"]["datalist_id"] = f"{widget_id}-choices"
        return context


class RegionPickerTextarea(_ProjectTemplateWidget, forms.Textarea):
    """Several regions, one a line; with JavaScript a search box above adds the chosen one."""

    template_name = "core/widgets/region_picker_multiple.html"

    def __init__(
        self, *, levels: Iterable[int] | None = None, public: bool = False, attrs: dict[str, Any] | None = None
    ) -> None:
        self.levels = list(levels or [])
        self.public = public
        super().__init__(attrs={"rows": 3, **(attrs or {})})

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget_id = context["widget"]["attrs"].get("id") or f"id_{name}"
        context["widget"].update(
            {
                "search_id": f"{widget_id}-search",
                "datalist_id": f"{widget_id}-choices",
                "search_url": search_url(self.levels, public=self.public),
                "placeholder": _("Type part of the name, e.g. 永坪"),
            }
        )
        return context


class RegionField(forms.Field):
    """One region chosen by name through the picker (see the module docstring)."""

    default_error_messages = {"required": gettext_lazy("Choose a region.")}

    def __init__(
        self, *, queryset: QuerySet[Region] | None = None, levels: Iterable[int] | None = None, **kwargs: Any
    ) -> None:
        self.levels = list(levels or [])
        self.queryset = queryset if queryset is not None else Region.objects.none()
        self._last: tuple[str, QuerySet[Region], Region | ValidationError | None] | None = None
        kwargs.setdefault("widget", RegionPickerInput(levels=self.levels))
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Region):
            return region_path(value)
        if isinstance(value, str) and value.isdigit() and len(value) == 12:
            region = self.queryset.filter(code=value).first()
            return region_path(region) if region is not None else value
        return value

    def bound_data(self, data: Any, initial: Any) -> Any:
        # Shown again as its path once it names one region (a filter page, a form with errors).
        try:
            return self.to_python(data) or data
        except ValidationError:
            return data

    def to_python(self, value: Any) -> Region | None:
        if isinstance(value, Region):
            return value
        text = str(value or "")
        # Cleaning and showing the page again (bound_data) resolve the same text: look it up once.
        last = self._last
        if last is not None and last[0] == text and last[1] is self.queryset:
            if isinstance(last[2], ValidationError):
                raise last[2]
            return last[2]
        try:
            region = resolve_region(text, queryset=self.queryset, levels=self.levels)
        except ValidationError as error:
            self._last = (text, self.queryset, error)
            raise
        self._last = (text, self.queryset, region)
        return region


class RegionMultipleField(RegionField):
    """Several regions, one a line (or separated by ；); codes separated by spaces still work."""

    default_error_messages = {"required": gettext_lazy("Choose at least one region.")}

    def __init__(
        self,
        *,
        queryset: QuerySet[Region] | None = None,
        levels: Iterable[int] | None = None,
        public: bool = False,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("widget", RegionPickerTextarea(levels=levels, public=public))
        super().__init__(queryset=queryset, levels=levels, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, str):
            value = value.split()
        if isinstance(value, Iterable) and not isinstance(value, str):
            items = list(value)
            codes = [item for item in items if isinstance(item, str)]
            regions = [item for item in items if isinstance(item, Region)]
            regions += list(self.queryset.filter(code__in=[c.ljust(12, "0") for c in codes if c.isdigit()]))
            paths = region_paths(regions)
            return "\n".join(paths[region.code] for region in sorted(regions, key=lambda r: r.code))
        return value

    def to_python(self, value: Any) -> list[Region]:  # type: ignore[override]
        regions: list[Region] = []
        errors: list[ValidationError] = []
        for item in MULTIPLE_SEPARATORS.split(str(value or "")):
            parts = item.split() if all(part.isdigit() for part in item.split()) else [item]
            for part in parts:
                try:
                    region = resolve_region(part, queryset=self.queryset, levels=self.levels)
                except ValidationError as error:
                    errors.append(error)
                else:
                    if region is not None and region not in regions:
                        regions.append(region)
        if errors:
            raise ValidationError(errors)
        return regions

    def validate(self, value: Any) -> None:
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")


class RegionFilterForm(forms.Form):
    """The region filter of a list page (GET): ``region`` is a path, a name or a code."""

    region = RegionField(required=False, label=gettext_lazy("Region"))

    def __init__(
        self, data: Any, *, queryset: QuerySet[Region], levels: Iterable[int] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(data, **kwargs)
        field = self.fields["region"]
        assert isinstance(field, RegionField)  # noqa: S101
        field.queryset = queryset
        field.levels = list(levels or [])
        field.widget = RegionPickerInput(levels=field.levels)

    @property
    def chosen(self) -> Region | None:
        if not self.is_valid():
            return None
        region: Region | None = self.cleaned_data.get("region")
        return region
