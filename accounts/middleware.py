from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model, logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

SIGNED_IN_AT = "signed_in_at"


class AbsoluteSessionTimeoutMiddleware:
    """End a sign-in after SESSION_ABSOLUTE_SECONDS however active it is.

    The idle timeout is the session cookie's age, renewed on each request
    (SESSION_SAVE_EVERY_REQUEST); this caps the total.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            started = request.session.get(SIGNED_IN_AT)
            now = time.time()
            if started is None:
                request.session[SIGNED_IN_AT] = now
            elif now - float(started) > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
        return self.get_response(request)


class PasswordChangeRequiredMiddleware:
    """Someone whose password an administrator chose (a new account, a reset) changes it before anything
    else: every page sends them to the password form; the API answers 403 saying so."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "must_change_password", False):
            allowed = (reverse("accounts:password_change"), reverse("accounts:logout"))
            path = request.path
            if path not in allowed and not path.startswith((settings.STATIC_URL or "/static/", "/i18n/")):
                if path.startswith("/api/"):
                    message = _("Change the password an administrator set for you on the web page first.")
                    return JsonResponse({"detail": message, "code": "password_change_required"}, status=403)
                return redirect("accounts:password_change")
        return self.get_response(request)


class LanguageChoiceMiddleware:
    """A signed-in person who picks a language in the footer keeps it on their account, so e-mails
    and text messages sent while they are away (no request to read a language from) use it too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (
            request.method == "POST"
            and request.path == reverse("set_language")
            and user is not None
            and user.is_authenticated
        ):
            language = request.POST.get("language", "")
            if language in dict(settings.LANGUAGES) and language != user.language:
                get_user_model().objects.filter(pk=user.pk).update(language=language)
        return response
