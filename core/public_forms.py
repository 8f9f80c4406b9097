"""What the public forms share against scripts, without a captcha service: a honeypot field that
people never see (hidden by CSS, labelled "leave empty") and a signed record of when the form was
shown, so an answer sent faster than a person reads, or hours later, is refused."""

from __future__ import annotations

import time

from django import forms
from django.core import signing
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MAX_AGE_SECONDS = 2 * 3600


def shown_token(salt: str, now: float | None = None) -> str:
    return signing.dumps({"shown": int(now if now is not None else time.time())}, salt=salt)


def check_shown(token: str, *, salt: str, min_seconds: float) -> None:
    """Raise the form-level error a person can act on when the token is bad, old or too fresh."""
    try:
        shown = signing.loads(token, salt=salt, max_age=MAX_AGE_SECONDS)["shown"]
    except (signing.BadSignature, KeyError, TypeError):
        raise forms.ValidationError(
            _("The form has expired (it is valid for two hours). Please reload the page and send it again.")
        ) from None
    if time.time() - shown < min_seconds:
        raise forms.ValidationError(_("The form was sent too quickly. Please check what you wrote and send it again."))


def honeypot_field() -> forms.CharField:
    return forms.CharField(label=gettext_lazy("Leave this field empty"), required=False)


def check_honeypot(value: str) -> None:
    if value:
        raise forms.ValidationError(_("The form could not be accepted. Please reload the page and try again."))
