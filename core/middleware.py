"""Security headers Django's SecurityMiddleware does not set: Content-Security-Policy and Permissions-Policy.

Pages load scripts only from our own static files (htmx, Chart.js, small page scripts): no inline
script, no event-handler attributes, no eval. Styles allow 'unsafe-inline' because templates carry
small <style> blocks and computed style="width: …%" attributes; a style cannot run code, and the
CSS is still limited to our own origin for files. The Swagger UI page (/api/docs/) is a third-party
page that starts itself with an inline script, so it alone gets 'unsafe-inline' for scripts; it
shows the API schema only, no personal data.

Authenticated responses are not stored by browsers or proxies (Cache-Control: no-store) unless the
view said otherwise: a shared county-office computer must not keep a person's page in its cache.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

BASE_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
SWAGGER_POLICY = BASE_POLICY | {"script-src": "'self' 'unsafe-inline'"}

PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), "
    "magnetometer=(), gyroscope=(), accelerometer=(), browsing-topics=()"
)


def _render(policy: dict[str, str]) -> str:
    return "; ".join(f"{directive} {value}" for directive, value in policy.items())


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = _render(BASE_POLICY)
        self.swagger_policy = _render(SWAGGER_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        header = "Content-Security-Policy-Report-Only" if settings.CSP_REPORT_ONLY else "Content-Security-Policy"
        if header not in response:
            swagger = request.path == reverse("api-docs")
            response[header] = self.swagger_policy if swagger else self.policy
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "Cache-Control" not in response:
            response["Cache-Control"] = "no-store"
        return response


NUL = "\x00"


class InputGuardMiddleware:
    """A NUL byte in the path, a query parameter or a form field is refused with a clear 400.

    PostgreSQL cannot store or compare a string holding NUL (psycopg raises ValueError), so any
    view that filtered or saved such a value answered 500. No real text needs the character: one
    guard here, before any view reads the input, answers every page and the API alike. JSON bodies
    are checked by the API's parser (``core.rest.JSONParser``).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        field = self._field_with_nul(request)
        if field is None:
            return self.get_response(request)
        from django.http import JsonResponse
        from django.template.loader import render_to_string
        from django.utils import translation
        from django.utils.translation import gettext as _

        with translation.override(translation.get_language_from_request(request)):
            message = _("The text contains a NUL character (\\0), which no field accepts. Remove it and try again.")
            if request.path.startswith("/api/"):
                return JsonResponse({field: [message]}, status=400)
            page = render_to_string("errors/standalone.html", {"title": _("Invalid input"), "message": message})
            return HttpResponse(page, status=400)

    @staticmethod
    def _field_with_nul(request: HttpRequest) -> str | None:
        if NUL in request.path or NUL in request.path_info:
            return "path"
        sources = [request.GET]
        content_type = request.META.get("CONTENT_TYPE", "")
        if request.method == "POST" and content_type.startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")
        ):
            sources.append(request.POST)
        for source in sources:
            for key, values in source.lists():
                if NUL in key or any(NUL in value for value in values):
                    return key.replace(NUL, "")
        return None
