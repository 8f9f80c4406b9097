from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.services import client_ip, login_failure_record, login_lockout


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username", "autocapitalize": "none"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        "invalid_login": _("The username or password is wrong. Please try again."),
        "inactive": _("This account has been disabled. Please contact your administrator."),
    }

    def clean(self) -> dict[str, Any]:
        username = (self.data.get("username") or "").strip()
        ip_address = client_ip(self.request)
        lockout = login_lockout(username=username, ip_address=ip_address)
        if lockout is not None:
            raise ValidationError(lockout.message, code="locked_out")
        try:
            return super().clean()
        except ValidationError:
            login_failure_record(username=username, ip_address=ip_address, request=self.request)
            raise
        # A right password does not clear the failure count: that waits until the person is signed in
        # (after the code, where there is one), or wrong codes between passwords would never lock.
