"""Reasons as sentences a caseworker reads, in the reader's language (Chinese by default).

The solver returns structured reasons (a code, points and parameters) so a proposal stores data,
not text: the page and the API render them here, through gettext, when they are read. Unknown
codes or levels fall back to the raw code rather than failing a page.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from matching.problem import Reason

URGENCY_LABELS: dict[str, Promise] = {
    "routine": _("Routine"),
    "urgent": _("Urgent"),
    "emergency": _("Emergency"),
}

FOCUS_GROUP_LABELS: dict[str, Promise] = {
    "elderly_no_self_care": _("Elderly, unable to care for themselves"),
    "minor": _("Minor"),
    "disabled": _("Disabled"),
    "serious_illness": _("Serious illness"),
}

LOCALITY_TEXTS: dict[str, Promise] = {
    "village": _("The resource serves the person's own village"),
    "township": _("The resource serves the person's own township"),
    "county": _("The resource serves the person's own county"),
    "city": _("The resource serves the person's city"),
    "province": _("The resource serves the whole province"),
    "designated": _("Point-to-point help for this designated county"),
}


def _label(labels: dict[str, Promise], code: str | int) -> str:
    label = labels.get(str(code))
    return str(label) if label is not None else str(code)


def reason_text(reason: Reason) -> str:
    """One reason as a sentence, e.g. 「重点对象：未成年人」."""
    params = reason.params
    if reason.code == "urgency":
        return gettext("Urgency: %(level)s") % {"level": _label(URGENCY_LABELS, params.get("level", ""))}
    if reason.code == "waiting":
        return gettext("Waiting for %(days)s days") % {"days": params.get("days", "")}
    if reason.code == "focus_group":
        return gettext("Focus group: %(group)s") % {"group": _label(FOCUS_GROUP_LABELS, params.get("group", ""))}
    if reason.code == "not_helped_this_year":
        return gettext("No help received yet this year")
    if reason.code == "locality":
        return _label(LOCALITY_TEXTS, params.get("level", ""))
    if reason.code == "amount_fit":
        return gettext("Covers %(percent)s%% of the amount requested (%(amount)s yuan)") % {
            "percent": params.get("percent", ""),
            "amount": params.get("amount", ""),
        }
    if reason.code == "not_money":
        return gettext("A service or goods: none of the %(amount)s yuan requested is paid") % {
            "amount": params.get("amount", "")
        }
    if reason.code == "no_amount_asked":
        return gettext("No money requested: help in kind or as a service")
    return reason.code


def reason_lines(reasons: tuple[Reason, ...]) -> list[tuple[str, float]]:
    """(sentence, points) for each reason, in the order the solver gave them, for pages and the API."""
    return [(reason_text(reason), reason.points) for reason in reasons]
