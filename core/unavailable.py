"""A clean 503 while PostgreSQL is down or restarting, and recovery without restarting the app.

When the database cannot be reached, any layer may raise ``django.db.OperationalError`` or
``InterfaceError``: the view, the session middleware saving the session, the user being loaded.
Django turns each of those into a 500 (a traceback page with DEBUG on) at the layer that raised
it, so a ``process_exception`` hook would miss most of them. Instead, the ``got_request_exception``
signal notes on the request that the exception was a database one, and
:class:`DatabaseUnavailableMiddleware`, near the top of the stack, swaps that 500 for a 503 with
a Chinese page (or a JSON error under ``/api/``) and ``Retry-After``. Nothing is half-written:
each write is one transaction, and PostgreSQL rolls back whatever was not committed.

Recovery needs nothing: with ``CONN_HEALTH_CHECKS`` on, Django checks a reused connection before
each request and opens a new one when PostgreSQL is back (docs/operations.md).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
MARK = "_referral_hub_database_unavailable"
RETRY_AFTER_SECONDS = 30


@receiver(got_request_exception, dispatch_uid="core.unavailable.note_database_errors")
def note_database_errors(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    error = sys.exc_info()[1]
    if request is not None and isinstance(error, DATABASE_ERRORS):
        setattr(request, MARK, error)


def service_unavailable(request: HttpRequest) -> HttpResponse:
    """The answer while the database is down; touches neither the database nor the session."""
    language = translation.get_language_from_request(request)
    with translation.override(language):
        message = _(
            "The database is unavailable for a moment (it may be restarting). Nothing you sent just now was saved. Please try again in a minute."
        )
        if request.path.startswith("/api/"):
            response: HttpResponse = JsonResponse({"detail": message, "code": "service_unavailable"}, status=503)
        else:
            page = render_to_string("503.html", {"title": _("Service temporarily unavailable"), "message": message})
            response = HttpResponse(page, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        error = getattr(request, MARK, None)
        if error is None or response.status_code < 500:
            return response
        logger.warning("Database unavailable, answered 503 for %s %s: %s", request.method, request.path, error)
        # The middleware above must not try to load the user from the database again.
        request.user = AnonymousUser()
        return service_unavailable(request)
