"""Every URL of the project × every persona: who may open it, who is refused and how.

The rows are generated from the URL conf (``get_resolver()``, walked recursively), so a new
view cannot be missed: ``test_every_url_has_an_entry`` fails until the new pattern has a row
in ``MATRIX`` (``tests/security/permission_matrix_rows.py``; framework pages in ``NOT_IN_MATRIX`` with a reason).

Each row is requested by every persona against the objects of *our* county and *our* charity
(one object of each kind, built by ``objects``). The other county's caseworker and the other
charity's staff therefore test "someone else's object": they must get 404 (API.md: never leak
existence), a role that may not act gets 403, the anonymous public 401 (API) or the sign-in
page (HTML). POST rows send an empty body and roll back afterwards; the persona that may act
can answer 400/409 for the missing body (``TOOK``), what matters is who is refused.

Legend: OK 200 · UP 200 or 503 (health) · TOOK 2xx/3xx/400/409 (POST accepted for processing) · MOVED 302 elsewhere than
the sign-in page · DONE / REFUSED a POST's 302 with a success / an error message (a page tells a refused role
from a successful one) · LOGIN 302 to the sign-in page · 401 · 403 · 404 · 405.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import HttpResponseBase
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Role, User
from audit.models import AuditEntry
from audit.services import audit_record
from beneficiaries.crypto import encrypt
from beneficiaries.models import AssistanceRecord, Consent, Need, Person
from cases.models import DirectHelp, Direction, FollowUp, Notification, Referral, ReferralStatus
from charities.models import Complaint, Resource
from core.models import ImportBatch, Organization, Region
from matching.models import MatchingRun, MatchProposal, RunStatus
from supervision.models import Declaration, ReferralApproval
from supervision.services import declaration_create
from tests.conftest import World, api_as
from tests.factories import (
    ComplaintFactory,
    ResourceFactory,
    UserFactory,
    make_assistance_record,
    make_consent,
    make_need,
    make_person,
    make_referral,
    valid_id_number,
)
from tests.security.permission_matrix_rows import (
    DONE,
    LOGIN,
    MATRIX,
    MOVED,
    NOT_IN_MATRIX,
    OK,
    PERSONAS,
    REFUSED,
    TARGET,
    TOOK,
    UP,
    Xfail,
)

pytestmark = pytest.mark.django_db


def _walk(resolver: URLResolver, namespace: str = "", prefix: str = "") -> Iterator[tuple[str, str, URLPattern]]:
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = (
                f"{namespace}:{pattern.namespace}"
                if namespace and pattern.namespace
                else (pattern.namespace or namespace)
            )
            yield from _walk(pattern, inner or "", prefix + str(pattern.pattern))
        else:
            route = prefix + str(pattern.pattern)
            key = f"{namespace}:{pattern.name}" if namespace and pattern.name else (pattern.name or route)
            yield key, route, pattern


def url_names() -> set[str]:
    """Every named pattern of every app (format-suffix variants of an API route share its name)."""
    names = set()
    for key, route, _pattern in _walk(get_resolver()):
        if route.startswith(tuple(NOT_IN_MATRIX)):
            continue
        names.add(key)
    return names


def _post_only(name: str) -> bool:
    for key, _route, pattern in _walk(get_resolver()):
        if key == name:
            actions: dict[str, str] = getattr(pattern.callback, "actions", None) or {}
            return set(actions) == {"post"}
    return False


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    # Nine accounts per row; the hasher's strength is not under test here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- the objects: one of each kind, ours ------------------------------------------------------------
@dataclass
class Objects:
    county: Region
    charity: Organization
    colleague: User
    person: Person
    household: Any
    consent: Consent
    need: Need
    assistance: AssistanceRecord
    resource: Resource
    complaint: Complaint
    referral: Referral
    gov_referral: Referral
    notification: Notification
    follow_up: FollowUp
    batch: ImportBatch
    run: MatchingRun
    proposal: MatchProposal
    declaration: Declaration
    approval: ReferralApproval
    audit_entry: AuditEntry
    direct_help: DirectHelp


@pytest.fixture
def objects(world: World, caseworker: User, charity_staff: User, settings: Any, tmp_path: Any) -> Objects:
    settings.MEDIA_ROOT = tmp_path
    person = make_person(world.our_village, name="王秀英", born=date(1952, 3, 12))
    consent = make_consent(person, fields=["name", "phone", "address"])
    consent.evidence.save("form.pdf", ContentFile(b"%PDF-1.4 signed form"), save=True)
    need = make_need(person)
    referral = make_referral(
        person=person, from_organization=world.bureau, to_organization=world.charity, consent=consent, needs=[need]
    )
    follow_up = FollowUp.objects.create(
        referral=referral, region=world.our_township, station=world.station, due_on=timezone.localdate()
    )
    notification = Notification.objects.create(
        recipient=caseworker, channel="in_app", kind="referral_sent", referral=referral, title="新的转介"
    )
    batch = ImportBatch.objects.create(
        kind="visit_register",
        created_by=caseworker,
        original_name="走访台账.xlsx",
        errors=[{"row": 3, "column": "身份证号", "message": "身份证号校验码不对"}],
    )
    resource = ResourceFactory.create(organization=world.charity)
    run = MatchingRun.objects.create(
        region=world.our_county, status=RunStatus.DONE, progress=100, started_by=caseworker, as_of=timezone.localdate()
    )
    proposal = MatchProposal.objects.create(run=run, need=need, resource=resource, region=world.our_village, score=1)
    return Objects(
        county=world.our_county,
        charity=world.charity,
        colleague=UserFactory.create(username="colleague", role=Role.CHARITY_STAFF, organization=world.charity),
        person=person,
        household=person.household,
        consent=consent,
        need=need,
        assistance=make_assistance_record(person, world.bureau),
        resource=resource,
        complaint=ComplaintFactory.create(region=world.our_county, about_organization=world.charity),
        referral=referral,
        gov_referral=make_referral(
            person=None,
            region=world.our_village,
            direction=Direction.TO_GOVERNMENT,
            from_organization=world.charity,
            to_organization=world.bureau,
            status=ReferralStatus.ACCEPTED,
            person_details={
                "name": person.name,  # a name the records hold, so English pages may show it
                "region": world.our_village.code,
                "id_number_encrypted": encrypt(valid_id_number(date(1971, 4, 5))),
            },
        ),
        notification=notification,
        follow_up=follow_up,
        batch=batch,
        run=run,
        proposal=proposal,
        declaration=declaration_create(
            by=caseworker, name="李桂兰", id_number=valid_id_number(date(1960, 2, 3)), relationship="parent"
        ),
        approval=ReferralApproval.objects.create(referral=referral, requested_by=caseworker),
        audit_entry=audit_record(actor=caseworker, action="reveal", target=person, reason="核对"),
        direct_help=DirectHelp.objects.create(
            person=person,
            giver="charity",
            organization=world.charity,
            kind="money",
            category="living",
            amount=500,
            given_on=timezone.localdate(),
            consent_method="verbal_witnessed",
            consent_witness="村主任",
            created_by=charity_staff,
        ),
    )


def _kwargs(name: str, objects: Objects) -> dict[str, object]:
    route = next(route for key, route, _p in _walk(get_resolver()) if key == name)
    kwargs: dict[str, object] = {}
    target = getattr(objects, TARGET[name]) if name in TARGET else None
    if "<int:pk>" in route or "<uuid:pk>" in route or "(?P<pk>" in route:
        kwargs["pk"] = target.pk  # type: ignore[union-attr]
    if "(?P<code>" in route:
        kwargs["code"] = target.code  # type: ignore[union-attr]
    if "user_id" in route:
        kwargs["user_id"] = objects.colleague.pk
    if "<slug:kind>" in route:
        kwargs["kind"] = "visit_register"
    if "<uidb64>" in route:
        kwargs["uidb64"], kwargs["token"] = "MQ", "not-a-token"
    return kwargs


# Pages that name their object in the query string.
QUERY = {"cases:ledger": "person", "cases:ledger_export": "person", "api:ledger-list": "person"}


def _url(name: str, objects: Objects) -> str:
    url = reverse(name, kwargs=_kwargs(name, objects))
    if name in QUERY:
        url += f"?{QUERY[name]}={getattr(objects, QUERY[name]).pk}"
    return url


# POST bodies that pass validation, so the row shows the role check rather than a 400 for an empty
# body (the API validates the body before it asks whether the role may act).
def _bodies(o: Objects) -> dict[str, dict[str, object]]:
    return {
        "api:referral-decide": {"eligible": True, "programme": "dibao", "reason": "符合低保条件"},
        "api:referral-decline": {"reason": "名额已满"},
        "api:referral-withdraw": {"reason": "情况变化"},
        "api:referral-feedback": {"outcome": "helped", "amount": "100", "note": "已帮扶"},
        "api:referral-rerefer": {"to_organization": o.charity.pk},
        "api:referral-link-person": {"person": o.person.pk},
        "cases:referral_decline": {"reason": "名额已满"},
        "cases:referral_withdraw": {"reason": "情况变化"},
        "cases:referral_decide": {"eligible": "True", "programme": "dibao", "reason": "符合低保条件"},
        "cases:referral_feedback": {"outcome": "helped", "amount": "100", "note": "已帮扶", "helped_on": "2026-12-01"},
        "cases:referral_rerefer": {"to_organization": o.charity.pk},
        "cases:referral_link_person": {"person": o.person.pk},
        "cases:referral_register_person": {"confirm_new": "on"},
        "api:resource-list": {
            "name": "助学金",
            "purpose": "资助困难家庭学生",
            "kind": "project",
            "form": "money",
            "categories": ["education"],
            "service_regions": [o.county.code],
        },
        "api:referral-list": {
            "direction": "to_charity",
            "person": o.person.pk,
            "to_organization": o.charity.pk,
            "consent": o.consent.pk,
            "needs": [o.need.pk],
            "shared_fields": ["name"],
            "note": "住院费用困难",
        },
    }


# --- requests and what they mean ---------------------------------------------------------------
def _client(name: str, persona: str, request: pytest.FixtureRequest) -> Client:
    api = name.startswith("api:") or name in ("schema",)
    if persona == "anonymous":
        return APIClient() if api else Client()
    user: User = request.getfixturevalue(persona)
    if api:
        return api_as(user)
    client = Client()
    client.force_login(user)
    return client


def _outcome_of_redirect(response: HttpResponseBase) -> str:
    """A page that redirects after a POST says with a message whether it did it: an error
    message is a refusal (REFUSED), a success message with no error is DONE."""
    request = getattr(response, "wsgi_request", None)
    if request is None or not hasattr(request, "_messages"):
        return MOVED
    levels = {m.level for m in get_messages(request)}
    if levels & {message_levels.ERROR, message_levels.WARNING}:
        return REFUSED
    if message_levels.SUCCESS in levels:
        return DONE
    return MOVED


def classify(response: HttpResponseBase, method: str) -> str:
    status = response.status_code
    if status in (301, 302, 303):
        location = response.get("Location", "")
        if reverse("accounts:login") in location:
            return LOGIN
        return _outcome_of_redirect(response) if method == "POST" else MOVED
    if method == "POST" and status in (200, 201, 204, 400, 409):
        return TOOK
    if status == 200:
        return OK
    return str(status)


def expected_class(value: object, method: str) -> str:
    if value == UP:
        return "OK or 503"
    if isinstance(value, int):
        return str(value)
    if method == "POST" and value == OK:
        return TOOK
    return str(value)


def _send(client: Client, method: str, url: str, body: dict[str, object] | None = None) -> HttpResponseBase:
    # Each request runs in its own savepoint and is undone, so every persona meets the same objects;
    # throttle counters are per client, and each persona is a different client.
    cache.clear()
    with transaction.atomic():
        if method == "GET":
            response = client.get(url)
        elif body is not None and url.startswith("/api/"):
            response = client.post(url, body, content_type="application/json")
        elif body is not None:
            response = client.post(url, body)  # a page's form
        else:
            response = client.post(url, {})
        transaction.set_rollback(True)
    return response


# --- the tests ------------------------------------------------------------------------------------
def test_every_url_has_an_entry() -> None:
    covered = {name for name, _method in MATRIX}
    missing = sorted(url_names() - covered)
    assert not missing, (
        f"URL patterns without a row in the permission matrix: {missing}. Add a row to MATRIX in "
        "tests/security/test_permission_matrix.py saying what every persona gets (MATRIX_DISCOVER=1 pytest -s -k "
        "discover prints today's answers), and name the object it points at in TARGET."
    )
    stale = sorted(covered - url_names())
    assert not stale, f"Rows for URL names that no longer exist: {stale}"


def test_post_only_endpoints_are_checked_with_post() -> None:
    missing = sorted(name for name in url_names() if _post_only(name) and (name, "POST") not in MATRIX)
    assert not missing, f"POST-only endpoints without a POST row: {missing}"


@pytest.mark.parametrize(("name", "method"), sorted(MATRIX), ids=[f"{m} {n}" for n, m in sorted(MATRIX)])
def test_matrix(name: str, method: str, objects: Objects, request: pytest.FixtureRequest) -> None:
    url = _url(name, objects)
    if name == "healthz":  # 200 or 503 both pass: no need to wait 1.5 s per persona for a worker's answer
        request.getfixturevalue("settings").HEALTHZ_WORKER_TIMEOUT = 0.05
    expected = MATRIX[(name, method)]
    got = {
        persona: classify(_send(_client(name, persona, request), method, url, _bodies(objects).get(name)), method)
        for persona in PERSONAS
    }
    wrong, fixed, holes = judge(expected, got, method)
    assert not wrong, f"{method} {url}\n" + "\n".join(wrong)
    assert not fixed, f"{method} {url}: a known hole is closed (strict xfail)\n" + "\n".join(fixed)
    if holes:
        pytest.xfail("; ".join(holes))


def judge(expected: dict[str, object], got: dict[str, str], method: str) -> tuple[list[str], list[str], list[str]]:
    """(wrong answers, known holes now closed, known holes still open) for one row."""
    wrong, fixed, holes = [], [], []
    for persona, answer in got.items():
        want = expected[persona]
        if isinstance(want, Xfail):
            if answer == expected_class(want.should_be, method):
                fixed.append(f"{persona}: now gets {answer} ({want.reason}); make it a plain entry")
            else:
                holes.append(f"{persona}: {want.reason}")
            continue
        if answer != expected_class(want, method) and not (want == UP and answer in (OK, "503")):
            wrong.append(f"{persona}: expected {expected_class(want, method)}, got {answer}")
    return wrong, fixed, holes


def test_a_known_hole_that_is_fixed_turns_the_row_red() -> None:
    hole = Xfail(404, "the other charity still sees it")
    assert judge({"other_charity_staff": hole}, {"other_charity_staff": "404"}, "GET")[1]  # fixed: red
    assert judge({"other_charity_staff": hole}, {"other_charity_staff": "OK"}, "GET")[2]  # still open: xfail
    assert judge({"caseworker": OK}, {"caseworker": "403"}, "GET")[0]  # a plain entry broken: red


# MATRIX_DISCOVER=1 pytest -s -k discover prints what every persona gets today, as a starting
# point for a new row: read it critically before copying it into MATRIX.
if os.environ.get("MATRIX_DISCOVER"):

    def test_discover(objects: Objects, request: pytest.FixtureRequest) -> None:
        lines = []
        for name in sorted(url_names()):
            for method in ("GET", "POST"):
                url = _url(name, objects)
                got = [
                    classify(_send(_client(name, p, request), method, url, _bodies(objects).get(name)), method)
                    for p in PERSONAS
                ]
                lines.append(f"{name:45} {method:5} " + " ".join(f"{g:6}" for g in got))
        print("\n".join(lines))
