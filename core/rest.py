"""REST plumbing every app shares: pagination, one error shape, throttles keyed by the client address.

Kept apart from the viewsets because DRF imports these while it starts up.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework import pagination, parsers, permissions, status, throttling
from rest_framework.exceptions import ParseError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.client_address import client_address
from core.errors import ReferralHubError
from core.paging import ids_of, rows_for_ids


class Pagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class IdsFirstPagination(Pagination):
    """The same pages, with each page's ids chosen before its rows are read with their joins and
    prefetches (core.paging): for lists filtered by a region prefix, whose plan would otherwise
    follow PostgreSQL's guess of the prefix's share."""

    def paginate_queryset(self, queryset: QuerySet[Any], request: Request, view: Any = None) -> list[Any] | None:
        ids = super().paginate_queryset(ids_of(queryset), request, view)
        return None if ids is None else rows_for_ids(queryset, ids)


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


# Deeper than any body the API declares (a referral's person_details is depth 2); a deeper one is
# an attack on the parser, refused before a serializer walks it.
JSON_MAX_DEPTH = 20
# Integers beyond a 64-bit column are nobody's id or amount; the database would refuse them with a crash.
JSON_MAX_INT = 2**63 - 1


def _finite_float(text: str) -> float:
    number = float(text)
    if number in (float("inf"), float("-inf")):
        raise ValueError(text)
    return number


def _bounded_int(text: str) -> int:
    number = int(text)
    if abs(number) > JSON_MAX_INT:
        raise ValueError(text)
    return number


def _refuse_constant(text: str) -> None:
    raise ValueError(text)


def _check_parsed(data: Any) -> None:
    """Depth and NUL bytes, walked without recursion (a deep body must not exhaust the stack here)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            if depth > JSON_MAX_DEPTH:
                raise ParseError(
                    _("The JSON body is nested more than %(depth)d levels deep.") % {"depth": JSON_MAX_DEPTH}
                )
            for key, item in value.items():
                if "\x00" in key:
                    raise ParseError(
                        _("The text contains a NUL character (\\0), which no field accepts. Remove it and try again.")
                    )
                stack.append((item, depth + 1))
        elif isinstance(value, list):
            if depth > JSON_MAX_DEPTH:
                raise ParseError(
                    _("The JSON body is nested more than %(depth)d levels deep.") % {"depth": JSON_MAX_DEPTH}
                )
            stack.extend((item, depth + 1) for item in value)
        elif isinstance(value, str) and "\x00" in value:
            raise ParseError(
                _("The text contains a NUL character (\\0), which no field accepts. Remove it and try again.")
            )


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, strict about what no field accepts: a 400 instead of a crash further on.

    Refused: bodies nested deeper than ``JSON_MAX_DEPTH`` (Python's decoder overflows its stack on
    ~1,000 levels), numbers that overflow (``1e999999`` is infinity, ``NaN``; integers past 64 bits),
    and NUL bytes in any string or key (PostgreSQL cannot store them).
    """

    def parse(
        self, stream: IO[bytes], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding)
            data = json.loads(text, parse_float=_finite_float, parse_int=_bounded_int, parse_constant=_refuse_constant)
        except RecursionError as error:
            raise ParseError(
                _("The JSON body is nested more than %(depth)d levels deep.") % {"depth": JSON_MAX_DEPTH}
            ) from error
        except ValueError as error:  # UnicodeDecodeError and json.JSONDecodeError included
            raise ParseError(
                _("The body is not valid JSON, or holds a number too large: %(error)s") % {"error": str(error)[:100]}
            ) from error
        _check_parsed(data)
        return data
