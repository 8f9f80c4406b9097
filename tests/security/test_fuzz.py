"""Ordinary bad input never makes a 500 (API.md: "Never 500 for any input"; issue 14, acceptance 2).

Every URL of the URL conf (the permission matrix's walk, with its sample objects as ids) and every
API parameter and body field the OpenAPI schema declares get, as every persona:

- a NUL byte in every query parameter, in a form POST and in a JSON body,
- far dates (9999-12-31, 0001-01-01) in every parameter and body field,
- huge and non-finite numbers (``1e999999``, ``-1e999999``, a 30-digit integer, NaN),
- JSON nested 10,000 levels deep.

Any answer is fine but a 500. Bounded for CI: one request per URL, variant and persona, each in a
savepoint that is rolled back (the NUL variants as two personas only: the guard answering them runs
before authentication), and the schema is built once, inside the first test that needs it
(not when the module is collected). ``FUZZ_PERSONAS=caseworker`` narrows a run by hand.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import NoReverseMatch, get_resolver, reverse

from tests.security import test_permission_matrix as matrix
from tests.security.test_permission_matrix import NOT_IN_MATRIX, PERSONAS, Objects, _client, _kwargs, _walk

# The matrix's fixtures: one object of each kind, ours, and a fast password hasher.
objects = matrix.objects
_fast_passwords = matrix._fast_passwords

pytestmark = pytest.mark.django_db

NUL = "a\x00b"
FAR_FUTURE = "9999-12-31"
FAR_PAST = "0001-01-01"
HUGE = "1e999999"
HUGE_INT = "9" * 30
# Names pages read from their query string or form besides what the API schema declares.
PAGE_PARAMS = (
    "q",
    "id_number",
    "name",
    "page",
    "page_size",
    "since",
    "until",
    "person",
    "household",
    "region",
    "township",
    "status",
    "kind",
    "actor",
    "action",
    "person_q",
    "organization",
    "category",
    "urgency",
    "direction",
    "next",
    "username",
    "password",
    "content",
    "reason",
    "description",
)
SCHEMA = "/api/schema/"
DATE_NAME = re.compile(r"since|until|date|_on$|_at$|_from$|_to$|_after$|_before$")
NESTED = "[" * 10_000 + "]" * 10_000
BODY_NESTED = '{"content": ' + NESTED + ', "person": ' + NESTED + "}"


def _url_names() -> dict[str, str]:
    """URL name → route, one per name (format-suffix variants share their route's name)."""
    names: dict[str, str] = {}
    for key, route, _pattern in _walk(get_resolver()):
        if route.startswith(tuple(NOT_IN_MATRIX)) or key in names:
            continue
        names[key] = route
    return names


def _path(name: str, objects: Objects) -> str:
    try:
        return reverse(name, kwargs=_kwargs(name, objects))
    except AttributeError:
        # A URL the matrix has no sample object for yet (its test_every_url_has_an_entry says so):
        # fuzz it anyway, with the first sample object whose id fits the route (a uuid, a number).
        pattern = next(p for key, _route, p in _walk(get_resolver()) if key == name)
        for sample in (getattr(objects, field.name) for field in dataclasses.fields(objects)):
            try:
                return reverse(name, kwargs=dict.fromkeys(pattern.pattern.regex.groupindex, sample.pk))
            except NoReverseMatch:
                continue
        raise


@functools.cache
def _schema() -> dict[str, Any]:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def _ref(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if not ref:
        return node
    found: Any = schema
    for part in ref.removeprefix("#/").split("/"):
        found = found[part]
    return found


@functools.cache
def _operations() -> list[tuple[re.Pattern[str], str, tuple[str, ...], tuple[str, ...]]]:
    """(path regex, method, query parameter names, body field names) for every schema operation."""
    schema = _schema()
    found = []
    for template, item in schema["paths"].items():
        regex = re.compile(
            "^" + re.sub(r"\{[^}]+\}", "[^/]+", re.escape(template).replace(r"\{", "{").replace(r"\}", "}")) + "$"
        )
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            params = tuple(p["name"] for p in operation.get("parameters", []) if p.get("in") == "query")
            body: tuple[str, ...] = ()
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                body = tuple(_ref(schema, content["application/json"]["schema"]).get("properties", {}))
            found.append((regex, method.upper(), params, body))
    return found


def _declared(path: str, method: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    params: tuple[str, ...] = ()
    body: tuple[str, ...] = ()
    for regex, op_method, op_params, op_body in _operations():
        if regex.match(path):
            params += op_params
            if op_method == method or (method == "POST" and op_method in ("PUT", "PATCH")):
                body += op_body
    return tuple(dict.fromkeys(params)), tuple(dict.fromkeys(body))


def _requests(path: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(label, method, client keyword arguments) for every bad input this URL gets."""
    api = path.startswith("/api/")
    query_names, _ = _declared(path, "GET") if api else ((), ())
    names = tuple(dict.fromkeys((*PAGE_PARAMS, *query_names)))
    yield "GET nul", "GET", {"path": path, "data": dict.fromkeys(names, NUL)}
    yield "GET nul in path", "GET", {"path": path + "%00/"}
    yield "POST form nul", "POST", {"path": path, "data": dict.fromkeys(names, NUL)}
    if path == SCHEMA:
        return  # the OpenAPI schema reads no parameter but its format (and takes seconds to build)
    for label, day, number in (("far future, huge int", FAR_FUTURE, HUGE_INT), ("far past, huge", FAR_PAST, HUGE)):
        data = {name: day if DATE_NAME.search(name) else number for name in names}
        yield f"GET {label}", "GET", {"path": path, "data": data}
    # A period with one end only: the view computes the other end from it (a day before 0001-01-01…).
    for name in (n for n in names if DATE_NAME.search(n)):
        for value in (FAR_FUTURE, FAR_PAST):
            yield f"GET {name}={value}", "GET", {"path": path, "data": {name: value}}
    yield "POST form far", "POST", {"path": path, "data": dict.fromkeys(names, FAR_FUTURE)}
    if not api:
        return
    _, fields = _declared(path, "POST")
    fields = fields or ("person",)
    for label, raw in (
        ("nul", json.dumps(NUL)),
        ("far future", json.dumps(FAR_FUTURE)),
        ("far past", json.dumps(FAR_PAST)),
        ("huge", HUGE),
        ("minus huge", "-" + HUGE),
        ("huge int", HUGE_INT),
        ("nan", "NaN"),
        ("nested person_details", json.dumps({"name": NUL, "region": FAR_PAST, "id_number": HUGE_INT})),
    ):
        body = "{" + ", ".join(f"{json.dumps(f)}: {raw}" for f in fields) + "}"
        yield f"POST json {label}", "POST", {"path": path, "data": body, "content_type": "application/json"}
    yield "POST json nested", "POST", {"path": path, "data": BODY_NESTED, "content_type": "application/json"}
    patch = json.dumps(dict.fromkeys(fields, NUL))
    yield "PATCH json nul", "PATCH", {"path": path, "data": patch, "content_type": "application/json"}


def _send(client: Client, method: str, kwargs: dict[str, Any]) -> int | str:
    """The answer's status, or the exception a crash raised."""
    cache.clear()  # throttle counters: every request is judged on its own
    try:
        with transaction.atomic():
            response = getattr(client, method.lower())(**kwargs)
            transaction.set_rollback(True)
    except Exception as error:  # any crash is the finding, reported with its type
        return f"{type(error).__name__}: {str(error)[:120]}"
    return response.status_code


REFUSED = {301, 302, 401, 403, 405}
NUL_LABELS = ("GET nul", "GET nul in path", "POST form nul")
# The NUL guard (core.middleware.InputGuardMiddleware) answers before sessions and authentication
# run, so who asks cannot change its answer: two personas (signed out, signed in) check it on every
# URL; the others spend their requests on what the views themselves read.
NUL_PERSONAS = ("anonymous", "caseworker")


def _wrong(label: str, got: int | str) -> bool:
    if isinstance(got, str):
        return True
    if label in NUL_LABELS:
        return got != 400  # the guard answers before any view, whoever asks
    return got >= 500 and got != 503  # 503: /healthz with no worker in the test run


def _personas() -> tuple[str, ...]:
    only = os.environ.get("FUZZ_PERSONAS")
    return tuple(only.split(",")) if only else PERSONAS


@pytest.mark.parametrize("persona", _personas())
def test_no_bad_input_makes_a_server_error(
    persona: str, objects: Objects, request: pytest.FixtureRequest, settings: Any
) -> None:
    # /healthz asks the Celery workers and waits 1.5 s for an answer that never comes in this run
    # (200 or 503 are both fine here): a short wait saves seconds per persona.
    settings.HEALTHZ_WORKER_TIMEOUT = 0.05
    failures = []
    for name in sorted(_url_names()):
        path = _path(name, objects)
        client = _client(name, persona, request)
        refused: set[str] = set()
        for label, method, kwargs in _requests(path):
            if label in NUL_LABELS and persona not in NUL_PERSONAS:
                continue
            kind = method + " " + kwargs.get("content_type", "form")
            if kind in refused:
                continue
            got = _send(client, method, kwargs)
            if _wrong(label, got):
                failures.append(f"{label} {name} {kwargs['path']!r}: {got}")
            elif "nul" not in label and (got in REFUSED or (got == 404 and persona.startswith("other_"))):
                # Refused before its input is read (sign-in page, 401, 403, 405, and another county's or
                # charity's object: 404): the other variants of this method would be refused the same
                # way, and the persona that owns the object sends them all. Keeps the run short in CI.
                refused.add(kind)
    assert not failures, f"{len(failures)} requests went wrong as {persona}:\n" + "\n".join(failures)
