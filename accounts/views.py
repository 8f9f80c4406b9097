from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import passwords, two_factor
from accounts.forms import LoginForm
from accounts.models import User
from accounts.services import client_ip, login_failure_record, login_lockout, login_success_record, logout_record
from accounts.tokens import api_tokens_revoke


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: LoginForm) -> HttpResponse:  # type: ignore[override]
        user: User = form.get_user()
        if two_factor.needs_second_step(user):
            two_factor.pending_start(self.request, user=user, next_url=self.get_success_url())
            return redirect("accounts:two_factor")
        response = super().form_valid(form)
        login_success_record(user=user, request=self.request)
        return response


def admin_login(request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
    """The Django admin's sign-in page (``admin.site.login``): the site's own sign-in, with its lockout,
    two-step sign-in and audit. Django's admin form checked the password alone."""
    from django.contrib import admin

    next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    if request.user.is_authenticated:
        if admin.site.has_permission(request):
            return redirect(next_url or reverse("admin:index"))
        # Signed in, but the admin refuses this account (not staff): say so, do not loop back here.
        raise PermissionDenied
    return redirect_to_login(next_url or reverse("admin:index"), login_url=reverse("accounts:login"))


def admin_password_change(request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
    """The admin's "change password" link: the site's page (which also ends a forced change)."""
    return redirect("accounts:password_change")


def admin_logout(request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponseBase:
    """The admin's sign-out button: the site's sign-out (audited)."""
    return LogoutView.as_view()(request)


class LogoutView(auth_views.LogoutView):
    """POST only (Django's default): a link cannot sign anybody out."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            # Signing out ends every way this person is signed in, API tokens included.
            api_tokens_revoke(user=request.user)
            logout_record(user=request.user, request=request)
        return super().post(request, *args, **kwargs)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("6-digit code"),
        max_length=10,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "pattern": "[0-9 ]*"}
        ),
    )


def two_factor_step(request: HttpRequest) -> HttpResponse:
    """Second step of signing in: the code from the authenticator app (set it up the first time)."""
    pending = two_factor.pending_get(request)
    if pending is None:
        return redirect("accounts:login")
    user = User.objects.filter(pk=pending.user_id, is_active=True).first()
    if user is None:
        two_factor.pending_clear(request)
        return redirect("accounts:login")
    device = two_factor.confirmed_device(user)
    setting_up = device is None
    if setting_up:
        device = two_factor.device_for_setup(user)
    assert device is not None  # noqa: S101 - set just above
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ip_address = client_ip(request)
        lockout = login_lockout(username=user.username, ip_address=ip_address)
        if lockout is not None:
            form.add_error("code", lockout.message)
        elif two_factor.code_verify(device=device, code=form.cleaned_data["code"]):
            two_factor.pending_clear(request)
            login_success_record(user=user, request=request)
            login(request, user, backend=pending.backend)
            return redirect(pending.next_url)
        else:
            login_failure_record(username=user.username, ip_address=ip_address, request=request)
            form.add_error("code", _("The code is wrong or has expired. Enter the code your app shows now."))
    # The secret is shown once per attempt: a reload or a second look gets nothing (sign in again for a new one).
    show_secret = setting_up and request.method == "GET" and two_factor.secret_show_once(request)
    context = {
        "form": form,
        "setting_up": setting_up,
        "show_secret": show_secret,
        "qr_svg": two_factor.provisioning_qr_svg(device) if show_secret else "",
        "secret": device.secret if show_secret else "",
    }
    return render(request, "accounts/two_factor.html", context)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's own password (asked for at the first sign-in after an administrator set it)."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)  # keeps this session signed in (update_session_auth_hash)
        passwords.password_changed_record(user=form.user, request=self.request, how="change")
        messages.success(self.request, _("Your password is changed. API tokens issued before now no longer work."))
        return response


class InviteView(auth_views.PasswordResetConfirmView):
    """The one-time invite link: the new member chooses a password, then signs in."""

    template_name = "accounts/invite.html"
    success_url = reverse_lazy("accounts:login")
    reset_url_token = "choose-password"  # noqa: S105 - a URL segment, not a secret
    post_reset_login = False

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        passwords.password_changed_record(user=form.user, request=self.request, how="invite")
        messages.success(self.request, _("Your password is set. Sign in with it now."))
        return response
