"""REST plumbing every app shares: pagination, one error shape, throttles keyed by the client address.

Kept apart from the viewsets because DRF imports these while it starts up.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import pagination, permissions, status, throttling
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.client_address import client_address
from core.errors import ReferralHubError


class Pagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler plus the domain errors: wrong state → 409, model validation → 400."""
    if isinstance(exc, ReferralHubError):
        return Response({"detail": exc.message, "code": exc.code}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            body: Any = {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
        else:
            body = {"non_field_errors": [str(m) for m in exc.messages]}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)


class _ClientAddressIdent:
    """DRF's throttles key anonymous callers by X-Forwarded-For even when it is not trusted (a new
    forged value each time escaped the limit): key them by the one client address instead."""

    def get_ident(self, request: Request) -> str:
        return client_address(request) or "unknown"


class AnonRateThrottle(_ClientAddressIdent, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(_ClientAddressIdent, throttling.UserRateThrottle):
    pass


class ScopedRateThrottle(_ClientAddressIdent, throttling.ScopedRateThrottle):
    pass


class ApiDocsAccess(permissions.BasePermission):
    """``/api/schema/``: open where API_DOCS_PUBLIC (development), otherwise for a signed-in account
    (session or token), so the public cannot map the API of a production system."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(settings.API_DOCS_PUBLIC or (request.user and request.user.is_authenticated))
