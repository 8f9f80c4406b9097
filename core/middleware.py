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
