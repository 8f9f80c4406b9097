from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

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
