"""Every URL of the project × every persona: who may open it, who is refused and how.

The rows are generated from the URL conf (``get_resolver()``, walked recursively), so a new
view cannot be missed: ``test_every_url_has_an_entry`` fails until the new pattern has a row
in ``MATRIX`` below (or, for framework pages, in ``NOT_IN_MATRIX`` with a reason).

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

pytestmark = pytest.mark.django_db

OK = "OK"
TOOK = "TOOK"
MOVED = "MOVED"
DONE = "DONE"  # 302 after a POST, with a success message: the action was done
REFUSED = "REFUSED"  # 302 after a POST, with an error message: the role (or the state) refused it
LOGIN = "LOGIN"
UP = "UP"  # /healthz: 200 when every configured service is up, 503 when one is down (no worker in CI's test run)

PERSONAS = (
    "anonymous",
    "caseworker",
    "other_county_caseworker",
    "station_worker",
    "supervisor",
    "charity_staff",
    "other_charity_staff",
    "admin_user",
)


def row(anon: object, cw: object, other_cw: object, station: object, sup: object, charity: object, other_charity: object, admin: object) -> dict[str, object]:  # fmt: skip
    return dict(zip(PERSONAS, (anon, cw, other_cw, station, sup, charity, other_charity, admin), strict=True))


# Framework pages outside the matrix (by route prefix), each with the reason.
NOT_IN_MATRIX = {
    "admin/": "Django admin: staff-only by Django itself (tests/core/test_pages_and_admin.py: non-staff go to its login)",
    "i18n/": "set_language changes only the caller's language cookie, no data",
}

# Which object a URL's ``pk`` (or ``code``/``user_id``) names. Every object is OURS: our county, our charity.
TARGET = {
    "core:import_batch": "batch",
    "core:import_confirm": "batch",
    "core:import_error_report": "batch",
    "api:import-detail": "batch",
    "api:import-errors": "batch",
    "api:import-confirm": "batch",
    "beneficiaries:person_detail": "person",
    "beneficiaries:person_edit": "person",
    "beneficiaries:person_reveal": "person",
    "beneficiaries:assistance_create": "person",
    "beneficiaries:consent_create": "person",
    "beneficiaries:household_edit": "household",
    "beneficiaries:consent_revoke": "consent",
    "beneficiaries:consent_evidence": "consent",
    "beneficiaries:need_detail": "need",
    "beneficiaries:need_pick_up": "need",
    "charities:resource_detail": "resource",
    "charities:resource_edit": "resource",
    "charities:resource_status": "resource",
    "charities:staff_remove": "colleague",
    "charities:public_organization": "charity",
    "cases:referral_detail": "referral",
    "cases:referral_print": "referral",
    "cases:referral_send": "referral",
    "cases:referral_accept": "referral",
    "cases:referral_decline": "referral",
    "cases:referral_start": "referral",
    "cases:referral_feedback": "referral",
    "cases:referral_decide": "referral",
    "cases:referral_close": "referral",
    "cases:referral_withdraw": "referral",
    "cases:referral_link_person": "referral",
    "cases:referral_rerefer": "referral",
    "cases:referral_register_person": "gov_referral",
    "cases:notification_read": "notification",
    "cases:follow_up_record": "follow_up",
    "api:region-detail": "county",
    "api:organization-detail": "charity",
    "api:organization-staff": "charity",
    "api:organization-remove-staff": "charity",
    "api:household-detail": "household",
    "api:person-detail": "person",
    "api:person-reveal": "person",
    "api:consent-detail": "consent",
    "api:consent-revoke": "consent",
    "api:need-detail": "need",
    "api:need-pick-up": "need",
    "api:assistance-record-detail": "assistance",
    "api:direct-help-detail": "direct_help",
    "api:resource-detail": "resource",
    "api:complaint-detail": "complaint",
    "api:referral-detail": "referral",
    "api:referral-accept": "referral",
    "api:referral-close": "referral",
    "api:referral-decide": "referral",
    "api:referral-decline": "referral",
    "api:referral-feedback": "referral",
    "api:referral-link-person": "referral",
    "api:referral-register-person": "referral",
    "api:referral-rerefer": "referral",
    "api:referral-send": "referral",
    "api:referral-start": "referral",
    "api:referral-withdraw": "referral",
    "api:notification-read": "notification",
    "matching:run_detail": "run",
    "matching:confirm_many": "run",
    "matching:proposal_confirm": "proposal",
    "matching:proposal_reject": "proposal",
    "api:matching-run-detail": "run",
    "api:match-proposal-detail": "proposal",
    "api:match-proposal-confirm": "proposal",
    "api:match-proposal-reject": "proposal",
    "supervision:complaint_detail": "complaint",
    "supervision:declaration_withdraw": "declaration",
    "supervision:approval_grant": "approval",
    "supervision:approval_refuse": "approval",
    "api:audit-entry-detail": "audit_entry",
}

# One row per (URL name, method); columns in PERSONAS order:
#   anonymous, caseworker, other county's caseworker, station worker, supervisor,
#   our charity's staff, other charity's staff, admin.
# Notes on rows that may surprise:
# - HTML actions answer a refused *state* with a message and a redirect (MOVED); a refused role is 403/404.
# - api:referral-list POST by the other county's caseworker names OUR person: 400 "not yours" (TOOK).
# - accounts:two_factor without a pending sign-in sends everyone to the sign-in page.
# - charities:staff_* and organization_profile POST: 403 for our charity's staff, who is not its manager.
MATRIX: dict[tuple[str, str], dict[str, object]] = {
    ("accounts:login", "GET"): row(OK, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED),
    ("accounts:login", "POST"): row(TOOK, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED),
    ("accounts:logout", "GET"): row(405, 405, 405, 405, 405, 405, 405, 405),
    ("accounts:logout", "POST"): row(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    # An invite link with a token that is not valid shows "used or expired" to anyone (no existence oracle).
    ("accounts:invite", "GET"): row(OK, OK, OK, OK, OK, OK, OK, OK),
    ("accounts:invite", "POST"): row(TOOK, TOOK, TOOK, TOOK, TOOK, TOOK, TOOK, TOOK),
    ("accounts:password_change", "GET"): row(LOGIN, OK, OK, OK, OK, OK, OK, OK),
    ("accounts:password_change", "POST"): row(LOGIN, TOOK, TOOK, TOOK, TOOK, TOOK, TOOK, TOOK),
    ("accounts:two_factor", "GET"): row(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    ("accounts:two_factor", "POST"): row(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    ("api-docs", "GET"): row(OK, OK, OK, OK, OK, OK, OK, OK),
    ("api:api-root", "GET"): row(401, OK, OK, OK, OK, OK, OK, OK),
    ("api:direct-help-list", "GET"): row(401, OK, OK, OK, OK, OK, OK, OK),
    ("api:direct-help-list", "POST"): row(401, TOOK, TOOK, TOOK, 403, TOOK, TOOK, 403),
    ("api:direct-help-detail", "GET"): row(401, OK, 404, OK, OK, OK, 404, OK),
    ("api:assistance-record-detail", "GET"): row(401, OK, 404, OK, OK, 404, 404, OK),
    ("api:assistance-record-detail", "POST"): row(401, 405, 405, 405, 403, 403, 403, 405),
    ("api:assistance-record-list", "GET"): row(401, OK, OK, OK, OK, OK, OK, OK),
    ("api:assistance-record-list", "POST"): row(401, TOOK, TOOK, TOOK, 403, 403, 403, TOOK),
    # The public's online application and status lookup (issue #16): open to anyone, POST only.
    ("api:application-create", "GET"): row(405, 405, 405, 405, 405, 405, 405, 405),
    ("api:application-create", "POST"): row(TOOK, TOOK, TOOK, TOOK, TOOK, TOOK, TOOK, TOOK),
    ("api:status-lookup", "GET"): row(405, 405, 405, 405, 405, 405, 405, 405),
    ("api:status-lookup", "POST"): row(TOOK, TOOK, TOOK, TOOK, TOOK, TOOK, TOOK, TOOK),
    ("api:complaint-detail", "GET"): row(401, 403, 403, 403, OK, 403, 403, OK),
    ("api:complaint-list", "GET"): row(401, 403, 403, 403, OK, 403, 403, OK),
    ("api:complaint-list", "POST"): row(TOOK, TOOK, TOOK, TOOK, TOOK, TOOK, TOOK, TOOK),
    ("api:consent-detail", "GET"): row(401, OK, 404, OK, OK, 404, 404, OK),
    ("api:consent-detail", "POST"): row(401, 405, 405, 405, 403, 403, 403, 405),
    ("api:consent-list", "GET"): row(401, OK, OK, OK, OK, OK, OK, OK),
    ("api:consent-list", "POST"): row(401, TOOK, TOOK, TOOK, 403, 403, 403, TOOK),
    ("api:consent-revoke", "GET"): row(401, 405, 405, 405, 405, 405, 405, 405),
    ("api:consent-revoke", "POST"): row(401, TOOK, 404, TOOK, 403, 403, 403, TOOK),
    ("api:household-detail", "GET"): row(401, OK, 404, OK, OK, 404, 404, OK),
    ("api:household-detail", "POST"): row(401, 405, 405, 405, 403, 403, 403, 405),
    ("api:household-list", "GET"): row(401, OK, OK, OK, OK, OK, OK, OK),
    ("api:household-list", "POST"): row(401, TOOK, TOOK, TOOK, 403, 403, 403, TOOK),
    ("api:ledger-list", "GET"): row(401, OK, 404, OK, OK, 404, 404, OK),
    ("api:match-proposal-confirm", "GET"): row(401, 405, 405, 405, 405, 405, 405, 405),
    ("api:match-proposal-confirm", "POST"): row(401, TOOK, 404, 403, 403, 404, 404, TOOK),
    ("api:match-proposal-detail", "GET"): row(401, OK, 404, OK, OK, 403, 403, OK),
    ("api:match-proposal-list", "GET"): row(401, OK, OK, OK, OK, 403, 403, OK),
    ("api:match-proposal-reject", "GET"): row(401, 405, 405, 405, 405, 405, 405, 405),
    ("api:match-proposal-reject", "POST"): row(401, TOOK, 404, 403, 403, 404, 404, TOOK),
    ("api:matching-run-detail", "GET"): row(401, OK, 404, OK, OK, 403, 403, OK),
    ("api:matching-run-list", "GET"): row(401, OK, OK, OK, OK, 403, 403, OK),
    ("api:matching-run-list", "POST"): row(401, TOOK, TOOK, 403, 403, 403, 403, 403),
    ("api:me", "GET"): row(401, OK, OK, OK, OK, OK, OK, OK),
    ("api:logout", "GET"): row(401, 405, 405, 405, 405, 405, 405, 405),
    ("api:logout", "POST"): row(401, TOOK, TOOK, TOOK, TOOK, TOOK, TOOK, TOOK),
    ("api:need-detail", "GET"): row(401, OK, 404, OK, OK, 404, 404, OK),
    ("api:need-detail", "POST"): row(401, 405, 405, 405, 403, 403, 403, 405),
    # 救急难 pick-up: the area's caseworkers and station workers (and the quick-response team); a need
    # that is not emergency can be picked up too. Supervisors and charities write nothing (403).
    ("api:need-pick-up", "POST"): row(401, TOOK, 404, TOOK, 403, 403, 403, 403),
    ("api:need-list", "GET"): row(401, OK, OK, OK, OK, OK, OK, OK),
    ("api:need-list", "POST"): row(401, TOOK, TOOK, TOOK, 403, 403, 403, TOOK),
    ("api:notification-list", "GET"): row(401, OK, OK, OK, OK, OK, OK, OK),
    ("api:notification-read", "GET"): row(401, 405, 405, 405, 405, 405, 405, 405),
    ("api:notification-read", "POST"): row(401, TOOK, 404, 404, 404, 404, 404, 404),
    ("api:organization-detail", "GET"): row(401, OK, 404, OK, OK, OK, 404, OK),
    ("api:organization-detail", "POST"): row(401, 403, 403, 403, 403, 403, 403, 405),
    ("api:organization-list", "GET"): row(401, OK, OK, OK, OK, OK, OK, OK),
    ("api:organization-list", "POST"): row(401, 403, 403, 403, 403, 403, 403, TOOK),
    ("api:organization-remove-staff", "GET"): row(401, 405, 405, 405, 405, 405, 405, 405),
    ("api:organization-remove-staff", "POST"): row(401, 403, 404, 403, 403, 403, 404, TOOK),
    ("api:organization-staff", "GET"): row(401, 403, 404, 403, 403, 403, 404, OK),
    ("api:organization-staff", "POST"): row(401, 403, 404, 403, 403, 403, 404, TOOK),
    ("api:person-detail", "GET"): row(401, OK, 404, OK, OK, 404, 404, OK),
    ("api:person-detail", "POST"): row(401, 405, 405, 405, 403, 403, 403, 405),
    ("api:person-list", "GET"): row(401, OK, OK, OK, OK, OK, OK, OK),
    ("api:person-list", "POST"): row(401, TOOK, TOOK, TOOK, 403, 403, 403, TOOK),
    ("api:person-search", "GET"): row(401, 405, 405, 405, 405, 405, 405, 405),
    ("api:person-search", "POST"): row(401, TOOK, TOOK, TOOK, TOOK, TOOK, TOOK, TOOK),
    ("api:person-reveal", "GET"): row(401, 405, 405, 405, 405, 405, 405, 405),
    ("api:person-reveal", "POST"): row(401, TOOK, 404, TOOK, TOOK, 403, 403, TOOK),
    ("api:referral-accept", "GET"): row(401, 405, 405, 405, 405, 405, 405, 405),
    ("api:referral-accept", "POST"): row(401, 403, 404, 403, 403, TOOK, 404, 403),
    ("api:referral-close", "GET"): row(401, 405, 405, 405, 405, 405, 405, 405),
    ("api:referral-close", "POST"): row(401, TOOK, 404, 403, 403, 403, 404, 403),
    ("api:referral-decide", "GET"): row(401, 405, 405, 405, 405, 405, 405, 405),
    ("api:referral-decide", "POST"): row(401, 403, 404, 403, 403, TOOK, 404, 403),
    ("api:referral-decline", "GET"): row(401, 405, 405, 405, 405, 405, 405, 405),
    ("api:referral-decline", "POST"): row(401, 403, 404, 403, 403, TOOK, 404, 403),
    ("api:referral-detail", "GET"): row(401, OK, 404, OK, OK, OK, 404, OK),
    ("api:referral-feedback", "GET"): row(401, 405, 405, 405, 405, 405, 405, 405),
    ("api:referral-feedback", "POST"): row(401, 403, 404, 403, 403, TOOK, 404, 403),
    ("api:referral-link-person", "GET"): row(401, 405, 405, 405, 405, 405, 405, 405),
    ("api:referral-link-person", "POST"): row(401, 403, 404, 403, 403, TOOK, 404, 403),
    ("api:referral-register-person", "GET"): row(401, 405, 405, 405, 405, 405, 405, 405),
    ("api:referral-register-person", "POST"): row(401, 403, 404, 403, 403, TOOK, 404, 403),
    ("api:referral-list", "GET"): row(401, OK, OK, OK, OK, OK, OK, OK),
    ("api:referral-list", "POST"): row(401, TOOK, TOOK, 403, 403, 403, 403, 403),
    ("api:referral-rerefer", "GET"): row(401, 405, 405, 405, 405, 405, 405, 405),
    ("api:referral-rerefer", "POST"): row(401, TOOK, 404, 403, 403, 403, 404, 403),
    ("api:referral-send", "GET"): row(401, 405, 405, 405, 405, 405, 405, 405),
    ("api:referral-send", "POST"): row(401, TOOK, 404, 403, 403, 403, 404, 403),
    ("api:referral-start", "GET"): row(401, 405, 405, 405, 405, 405, 405, 405),
    ("api:referral-start", "POST"): row(401, 403, 404, 403, 403, TOOK, 404, 403),
    ("api:referral-withdraw", "GET"): row(401, 405, 405, 405, 405, 405, 405, 405),
    ("api:referral-withdraw", "POST"): row(401, TOOK, 404, 403, 403, 403, 404, 403),
    ("api:region-detail", "GET"): row(401, OK, 404, OK, OK, OK, 404, OK),
    ("api:region-list", "GET"): row(401, OK, OK, OK, OK, OK, OK, OK),
    ("api:resource-detail", "GET"): row(401, OK, 404, OK, OK, OK, 404, OK),
    ("api:resource-list", "GET"): row(401, OK, OK, OK, OK, OK, OK, OK),
    ("api:resource-list", "POST"): row(401, 403, 403, 403, 403, TOOK, TOOK, TOOK),
    ("api:token", "GET"): row(405, 405, 405, 405, 405, 405, 405, 405),
    ("api:token", "POST"): row(TOOK, TOOK, TOOK, TOOK, TOOK, TOOK, TOOK, TOOK),
    ("beneficiaries:assistance_create", "GET"): row(LOGIN, OK, 404, OK, 403, 404, 404, OK),
    ("beneficiaries:assistance_create", "POST"): row(LOGIN, TOOK, 404, TOOK, 403, 404, 404, TOOK),
    ("beneficiaries:consent_create", "GET"): row(LOGIN, OK, 404, OK, 403, 404, 404, OK),
    ("beneficiaries:consent_create", "POST"): row(LOGIN, TOOK, 404, TOOK, 403, 404, 404, TOOK),
    ("beneficiaries:consent_evidence", "GET"): row(LOGIN, OK, 404, OK, OK, 404, 404, OK),
    ("beneficiaries:consent_revoke", "GET"): row(LOGIN, OK, 404, OK, 403, 404, 404, OK),
    ("beneficiaries:consent_revoke", "POST"): row(LOGIN, TOOK, 404, TOOK, 403, 404, 404, TOOK),
    ("beneficiaries:duplicate_list", "GET"): row(LOGIN, OK, OK, OK, OK, 404, 404, OK),
    ("beneficiaries:household_list", "GET"): row(LOGIN, OK, OK, OK, OK, 404, 404, OK),
    ("beneficiaries:household_edit", "GET"): row(LOGIN, OK, 404, OK, 403, 404, 404, OK),
    ("beneficiaries:household_edit", "POST"): row(LOGIN, TOOK, 404, TOOK, 403, 404, 404, TOOK),
    ("beneficiaries:need_create", "GET"): row(LOGIN, OK, OK, OK, 403, 404, 404, OK),
    ("beneficiaries:need_create", "POST"): row(LOGIN, TOOK, TOOK, TOOK, 403, 404, 404, TOOK),
    ("beneficiaries:need_pick_up", "POST"): row(LOGIN, DONE, 404, DONE, REFUSED, 404, 404, REFUSED),
    ("beneficiaries:emergency_board", "GET"): row(LOGIN, OK, OK, OK, OK, 403, 403, OK),
    ("beneficiaries:need_detail", "GET"): row(LOGIN, OK, 404, OK, OK, 404, 404, OK),
    ("beneficiaries:need_detail", "POST"): row(LOGIN, TOOK, 404, TOOK, 403, 404, 404, TOOK),
    ("beneficiaries:need_export", "GET"): row(LOGIN, OK, OK, OK, OK, 404, 404, OK),
    ("beneficiaries:need_list", "GET"): row(LOGIN, OK, OK, OK, OK, 404, 404, OK),
    ("beneficiaries:person_create", "GET"): row(LOGIN, OK, OK, OK, 403, 404, 404, OK),
    ("beneficiaries:person_create", "POST"): row(LOGIN, TOOK, TOOK, TOOK, 403, 404, 404, TOOK),
    ("beneficiaries:person_detail", "GET"): row(LOGIN, OK, 404, OK, OK, 404, 404, OK),
    ("beneficiaries:person_edit", "GET"): row(LOGIN, OK, 404, OK, 403, 404, 404, OK),
    ("beneficiaries:person_edit", "POST"): row(LOGIN, TOOK, 404, TOOK, 403, 404, 404, TOOK),
    ("beneficiaries:person_export", "GET"): row(LOGIN, OK, OK, OK, OK, 404, 404, OK),
    ("beneficiaries:person_list", "GET"): row(LOGIN, OK, OK, OK, OK, 404, 404, OK),
    ("beneficiaries:person_lookup", "GET"): row(LOGIN, OK, OK, OK, OK, 404, 404, OK),
    ("beneficiaries:person_reveal", "GET"): row(LOGIN, 405, 405, 405, 405, 405, 405, 405),
    ("beneficiaries:person_reveal", "POST"): row(LOGIN, TOOK, 404, TOOK, TOOK, 404, 404, TOOK),
    ("cases:transfer_request", "GET"): row(LOGIN, OK, OK, OK, 403, 403, 403, 403),
    ("cases:transfer_request", "POST"): row(LOGIN, TOOK, TOOK, TOOK, 403, 403, 403, 403),
    ("cases:follow_up_list", "GET"): row(LOGIN, OK, OK, OK, OK, 403, 403, OK),
    ("cases:follow_up_list", "POST"): row(LOGIN, TOOK, TOOK, TOOK, TOOK, 403, 403, TOOK),
    # The station phone's offline page and its masked copy of the township: station workers only.
    ("cases:station_offline", "GET"): row(LOGIN, 403, 403, OK, 403, 403, 403, 403),
    ("cases:station_offline", "POST"): row(LOGIN, 405, 405, 405, 405, 405, 405, 405),
    ("cases:station_offline_cache", "GET"): row(401, 403, 403, OK, 403, 403, 403, 403),
    ("cases:station_offline_cache", "POST"): row(405, 405, 405, 405, 405, 405, 405, 405),
    ("cases:follow_up_record", "GET"): row(LOGIN, OK, 404, OK, OK, 404, 404, OK),
    ("cases:follow_up_record", "POST"): row(LOGIN, TOOK, 404, TOOK, TOOK, 404, 404, TOOK),
    ("cases:happiness_export", "GET"): row(LOGIN, OK, OK, OK, OK, 403, 403, OK),
    ("cases:happiness_export", "POST"): row(LOGIN, TOOK, TOOK, TOOK, TOOK, 403, 403, TOOK),
    ("cases:happiness_list", "GET"): row(LOGIN, OK, OK, OK, OK, 403, 403, OK),
    ("cases:happiness_list", "POST"): row(LOGIN, TOOK, TOOK, TOOK, TOOK, 403, 403, TOOK),
    ("cases:inbox", "GET"): row(LOGIN, OK, OK, OK, OK, OK, OK, OK),
    ("cases:inbox", "POST"): row(LOGIN, TOOK, TOOK, TOOK, TOOK, TOOK, TOOK, TOOK),
    # City and province levels: our supervisor and caseworkers work at county level (403), admin sees all.
    ("dashboards:counties", "GET"): row(LOGIN, 403, 403, 403, 403, 403, 403, OK),
    ("dashboards:upward_report", "GET"): row(LOGIN, 403, 403, 403, 403, 403, 403, OK),
    ("cases:direct_help_list", "GET"): row(LOGIN, OK, OK, OK, OK, OK, OK, OK),
    ("cases:direct_help_new", "GET"): row(LOGIN, OK, OK, OK, 403, OK, OK, 403),
    ("cases:direct_help_new", "POST"): row(LOGIN, TOOK, TOOK, TOOK, 403, TOOK, TOOK, 403),
    ("cases:ledger", "GET"): row(LOGIN, OK, 404, OK, OK, 404, 404, OK),
    ("cases:ledger", "POST"): row(LOGIN, TOOK, 404, TOOK, TOOK, 404, 404, TOOK),
    ("cases:ledger_export", "GET"): row(LOGIN, OK, 404, OK, OK, 404, 404, OK),
    ("cases:notification_list", "GET"): row(LOGIN, OK, OK, OK, OK, OK, OK, OK),
    ("cases:notification_list", "POST"): row(LOGIN, TOOK, TOOK, TOOK, TOOK, TOOK, TOOK, TOOK),
    ("cases:notification_read", "GET"): row(LOGIN, 405, 405, 405, 405, 405, 405, 405),
    ("cases:notification_read", "POST"): row(LOGIN, MOVED, 404, 404, 404, 404, 404, 404),
    ("cases:notification_read_all", "GET"): row(LOGIN, 405, 405, 405, 405, 405, 405, 405),
    ("cases:notification_read_all", "POST"): row(LOGIN, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED),
    ("cases:referral_send", "GET"): row(LOGIN, 405, 405, 405, 405, 405, 405, 405),
    ("cases:referral_send", "POST"): row(LOGIN, REFUSED, 404, REFUSED, REFUSED, REFUSED, 404, REFUSED),
    ("cases:referral_accept", "GET"): row(LOGIN, 405, 405, 405, 405, 405, 405, 405),
    ("cases:referral_accept", "POST"): row(LOGIN, REFUSED, 404, REFUSED, REFUSED, DONE, 404, REFUSED),
    ("cases:referral_decline", "GET"): row(LOGIN, 405, 405, 405, 405, 405, 405, 405),
    ("cases:referral_decline", "POST"): row(LOGIN, REFUSED, 404, REFUSED, REFUSED, DONE, 404, REFUSED),
    ("cases:referral_start", "GET"): row(LOGIN, 405, 405, 405, 405, 405, 405, 405),
    ("cases:referral_start", "POST"): row(LOGIN, REFUSED, 404, REFUSED, REFUSED, REFUSED, 404, REFUSED),
    ("cases:referral_feedback", "GET"): row(LOGIN, 405, 405, 405, 405, 405, 405, 405),
    ("cases:referral_feedback", "POST"): row(LOGIN, REFUSED, 404, REFUSED, REFUSED, REFUSED, 404, REFUSED),
    ("cases:referral_decide", "GET"): row(LOGIN, 405, 405, 405, 405, 405, 405, 405),
    ("cases:referral_decide", "POST"): row(LOGIN, REFUSED, 404, REFUSED, REFUSED, REFUSED, 404, REFUSED),
    ("cases:referral_close", "GET"): row(LOGIN, 405, 405, 405, 405, 405, 405, 405),
    ("cases:referral_close", "POST"): row(LOGIN, REFUSED, 404, REFUSED, REFUSED, REFUSED, 404, REFUSED),
    ("cases:referral_withdraw", "GET"): row(LOGIN, 405, 405, 405, 405, 405, 405, 405),
    ("cases:referral_withdraw", "POST"): row(LOGIN, DONE, 404, REFUSED, REFUSED, REFUSED, 404, REFUSED),
    ("cases:referral_link_person", "GET"): row(LOGIN, 405, 405, 405, 405, 405, 405, 405),
    ("cases:referral_link_person", "POST"): row(LOGIN, REFUSED, 404, REFUSED, REFUSED, REFUSED, 404, REFUSED),
    ("cases:referral_rerefer", "GET"): row(LOGIN, 405, 405, 405, 405, 405, 405, 405),
    ("cases:referral_rerefer", "POST"): row(LOGIN, REFUSED, 404, REFUSED, REFUSED, REFUSED, 404, REFUSED),
    ("cases:referral_register_person", "GET"): row(LOGIN, 405, 405, 405, 405, 405, 405, 405),
    # 登记在册 on a charity's referral to government: only the receiving county office registers.
    ("cases:referral_register_person", "POST"): row(LOGIN, DONE, 404, 403, 403, 403, 404, 403),
    ("cases:referral_detail", "GET"): row(LOGIN, OK, 404, OK, OK, OK, 404, OK),
    ("cases:referral_detail", "POST"): row(LOGIN, TOOK, 404, TOOK, TOOK, TOOK, 404, TOOK),
    ("cases:referral_new", "GET"): row(LOGIN, OK, OK, 403, 403, 403, 403, 403),
    ("cases:referral_new", "POST"): row(LOGIN, TOOK, TOOK, 403, 403, 403, 403, 403),
    ("cases:referral_new_to_government", "GET"): row(LOGIN, 403, 403, 403, 403, OK, OK, 403),
    ("cases:referral_new_to_government", "POST"): row(LOGIN, 403, 403, 403, 403, TOOK, TOOK, 403),
    ("cases:referral_print", "GET"): row(LOGIN, OK, 404, OK, OK, OK, 404, OK),
    ("cases:referral_print", "POST"): row(LOGIN, TOOK, 404, TOOK, TOOK, TOOK, 404, TOOK),
    ("apply:application_create", "GET"): row(OK, OK, OK, OK, OK, OK, OK, OK),
    ("apply:application_create", "POST"): row(TOOK, TOOK, TOOK, TOOK, TOOK, TOOK, TOOK, TOOK),
    ("charities:status_lookup", "GET"): row(OK, OK, OK, OK, OK, OK, OK, OK),
    ("charities:status_lookup", "POST"): row(TOOK, TOOK, TOOK, TOOK, TOOK, TOOK, TOOK, TOOK),
    ("charities:complaint_create", "GET"): row(OK, OK, OK, OK, OK, OK, OK, OK),
    ("charities:complaint_create", "POST"): row(TOOK, TOOK, TOOK, TOOK, TOOK, TOOK, TOOK, TOOK),
    ("charities:complaint_list", "GET"): row(LOGIN, 403, 403, 403, MOVED, 403, 403, MOVED),
    ("charities:complaint_list", "POST"): row(LOGIN, 403, 403, 403, MOVED, 403, 403, MOVED),
    ("charities:dashboard", "GET"): row(LOGIN, 403, 403, 403, 403, OK, OK, 403),
    ("charities:dashboard", "POST"): row(LOGIN, 403, 403, 403, 403, TOOK, TOOK, 403),
    ("charities:organization_profile", "GET"): row(LOGIN, 403, 403, 403, 403, OK, OK, 403),
    ("charities:organization_profile", "POST"): row(LOGIN, 403, 403, 403, 403, 403, 403, 403),
    ("charities:public_organization", "GET"): row(OK, OK, OK, OK, OK, OK, OK, OK),
    ("charities:public_organization", "POST"): row(TOOK, TOOK, TOOK, TOOK, TOOK, TOOK, TOOK, TOOK),
    ("charities:resource_create", "GET"): row(LOGIN, 403, 403, 403, 403, OK, OK, 403),
    ("charities:resource_create", "POST"): row(LOGIN, 403, 403, 403, 403, TOOK, TOOK, 403),
    ("charities:resource_detail", "GET"): row(LOGIN, OK, 404, OK, OK, OK, 404, OK),
    ("charities:resource_detail", "POST"): row(LOGIN, TOOK, 404, TOOK, TOOK, TOOK, 404, TOOK),
    ("charities:resource_edit", "GET"): row(LOGIN, 403, 404, 403, 403, OK, 404, OK),
    ("charities:resource_edit", "POST"): row(LOGIN, 403, 404, 403, 403, TOOK, 404, TOOK),
    ("charities:resource_export", "GET"): row(LOGIN, OK, OK, OK, OK, OK, OK, OK),
    ("charities:resource_export", "POST"): row(LOGIN, TOOK, TOOK, TOOK, TOOK, TOOK, TOOK, TOOK),
    ("charities:resource_list", "GET"): row(LOGIN, OK, OK, OK, OK, OK, OK, OK),
    ("charities:resource_list", "POST"): row(LOGIN, TOOK, TOOK, TOOK, TOOK, TOOK, TOOK, TOOK),
    ("charities:resource_status", "GET"): row(LOGIN, 405, 405, 405, 405, 405, 405, 405),
    ("charities:resource_status", "POST"): row(LOGIN, 403, 404, 403, 403, REFUSED, 404, REFUSED),
    ("charities:staff_invite", "GET"): row(LOGIN, 405, 405, 405, 405, 405, 405, 405),
    ("charities:staff_invite", "POST"): row(LOGIN, 403, 403, 403, 403, 403, 403, 403),
    ("charities:staff_remove", "GET"): row(LOGIN, 405, 405, 405, 405, 405, 405, 405),
    ("charities:staff_remove", "POST"): row(LOGIN, 403, 403, 403, 403, 403, 403, 403),
    ("charities:transparency", "GET"): row(OK, OK, OK, OK, OK, OK, OK, OK),
    ("charities:transparency", "POST"): row(TOOK, TOOK, TOOK, TOOK, TOOK, TOOK, TOOK, TOOK),
    ("core:import_batch", "GET"): row(LOGIN, OK, 404, 404, 404, 404, 404, OK),
    ("core:import_batch", "POST"): row(LOGIN, TOOK, 404, 404, 404, 404, 404, TOOK),
    ("core:import_confirm", "GET"): row(LOGIN, 405, 405, 405, 405, 405, 405, 405),
    ("core:import_confirm", "POST"): row(LOGIN, REFUSED, 404, 404, 404, 404, 404, REFUSED),
    # The error report holds the rows as uploaded (full ID numbers): the uploader's alone, not the admin's.
    ("core:import_error_report", "GET"): row(LOGIN, OK, 404, 404, 404, 404, 404, 404),
    ("core:import_error_report", "POST"): row(LOGIN, 405, 405, 405, 405, 405, 405, 405),
    # The import API (docs/api-imports.md): the pages' rules. The list is the caller's own batches; an
    # upload without a file is a 400 for whoever may import some kind (TOOK), a 403 for who may import none.
    # The administrator reads a batch's counts, not its errors (full ID numbers), and confirms nobody's file.
    ("api:import-list", "GET"): row(401, OK, OK, OK, OK, OK, OK, OK),
    ("api:import-list", "POST"): row(401, TOOK, TOOK, TOOK, 403, TOOK, TOOK, TOOK),
    ("api:import-detail", "GET"): row(401, OK, 404, 404, 404, 404, 404, OK),
    ("api:import-detail", "POST"): row(401, 405, 405, 405, 405, 405, 405, 405),
    ("api:import-errors", "GET"): row(401, OK, 404, 404, 404, 404, 404, 403),
    ("api:import-errors", "POST"): row(401, 405, 405, 405, 405, 405, 405, 405),
    ("api:import-confirm", "GET"): row(401, 405, 405, 405, 405, 405, 405, 405),
    ("api:import-confirm", "POST"): row(401, TOOK, 404, 404, 404, 404, 404, 403),
    ("core:import_start", "GET"): row(LOGIN, OK, OK, OK, 403, 403, 403, OK),
    ("core:import_start", "POST"): row(LOGIN, TOOK, TOOK, TOOK, 403, 403, 403, TOOK),
    ("core:import_template", "GET"): row(LOGIN, OK, OK, OK, 403, 403, 403, OK),
    ("core:organization_list", "GET"): row(LOGIN, OK, OK, OK, OK, OK, OK, OK),
    # Each persona finds only regions of its own jurisdiction; the public only counties and above
    # (public names, for the transparency page): tests/core/test_region_search.py.
    ("core:region_search", "GET"): row(OK, OK, OK, OK, OK, OK, OK, OK),
    ("core:organization_list", "POST"): row(LOGIN, TOOK, TOOK, TOOK, TOOK, TOOK, TOOK, TOOK),
    ("dashboards:county", "GET"): row(LOGIN, OK, OK, OK, OK, 403, 403, OK),
    ("dashboards:county_export", "GET"): row(LOGIN, OK, OK, OK, OK, 403, 403, OK),
    ("dashboards:evaluation", "GET"): row(LOGIN, OK, OK, OK, OK, 403, 403, OK),
    ("dashboards:evaluation_export", "GET"): row(LOGIN, OK, OK, OK, OK, 403, 403, OK),
    ("healthz", "GET"): row(UP, UP, UP, UP, UP, UP, UP, UP),
    ("healthz_live", "GET"): row(OK, OK, OK, OK, OK, OK, OK, OK),  # liveness: public, no data
    ("service_worker", "GET"): row(OK, OK, OK, OK, OK, OK, OK, OK),  # the script only, no data
    ("service_worker", "POST"): row(405, 405, 405, 405, 405, 405, 405, 405),
    ("home", "GET"): row(LOGIN, OK, OK, OK, OK, OK, OK, OK),
    ("home", "POST"): row(LOGIN, TOOK, TOOK, TOOK, TOOK, TOOK, TOOK, TOOK),
    ("matching:confirm_many", "GET"): row(LOGIN, 405, 405, 405, 405, 405, 405, 405),
    ("matching:confirm_many", "POST"): row(LOGIN, REFUSED, 404, 403, 403, 404, 404, REFUSED),
    ("matching:proposal_confirm", "GET"): row(LOGIN, 405, 405, 405, 405, 405, 405, 405),
    ("matching:proposal_confirm", "POST"): row(LOGIN, REFUSED, 404, 403, 403, 404, 404, REFUSED),
    ("matching:proposal_reject", "GET"): row(LOGIN, 405, 405, 405, 405, 405, 405, 405),
    ("matching:proposal_reject", "POST"): row(LOGIN, DONE, 404, 403, 403, 404, 404, DONE),
    ("matching:run_detail", "GET"): row(LOGIN, OK, 404, OK, OK, 403, 403, OK),
    ("matching:run_detail", "POST"): row(LOGIN, TOOK, 404, TOOK, TOOK, 403, 403, TOOK),
    ("matching:run_list", "GET"): row(LOGIN, OK, OK, OK, OK, 403, 403, OK),
    ("matching:run_list", "POST"): row(LOGIN, TOOK, TOOK, TOOK, TOOK, 403, 403, TOOK),
    # The nightly matching by county: city and province levels only (our staff work at county level).
    ("matching:nightly", "GET"): row(LOGIN, 403, 403, 403, 403, 403, 403, OK),
    ("matching:nightly", "POST"): row(LOGIN, 405, 405, 405, 405, 405, 405, 405),
    ("matching:run_new", "GET"): row(LOGIN, 405, 405, 405, 405, 405, 405, 405),
    ("matching:run_new", "POST"): row(LOGIN, DONE, DONE, 403, 403, 403, 403, REFUSED),
    ("schema", "GET"): row(OK, OK, OK, OK, OK, OK, OK, OK),
    # supervision (issue #7): supervisors read the audit log and handle complaints; staff declare relatives;
    # caseworkers approve a declared relative's referral (their own request: a message, MOVED).
    ("api:audit-entry-detail", "GET"): row(401, 403, 403, 403, OK, 403, 403, OK),
    ("api:audit-entry-detail", "POST"): row(401, 403, 403, 403, 405, 403, 403, 405),
    ("api:audit-entry-list", "GET"): row(401, 403, 403, 403, OK, 403, 403, OK),
    ("api:audit-entry-list", "POST"): row(401, 403, 403, 403, 405, 403, 403, 405),
    ("supervision:approval_grant", "GET"): row(LOGIN, 405, 405, 405, 405, 405, 405, 405),
    ("supervision:approval_grant", "POST"): row(LOGIN, REFUSED, 404, 403, 403, 403, 403, 403),
    ("supervision:approval_refuse", "GET"): row(LOGIN, 405, 405, 405, 405, 405, 405, 405),
    ("supervision:approval_refuse", "POST"): row(LOGIN, REFUSED, 404, 403, 403, 403, 403, 403),
    ("supervision:approval_list", "GET"): row(LOGIN, OK, OK, 403, 403, 403, 403, 403),
    ("supervision:approval_list", "POST"): row(LOGIN, 405, 405, 405, 405, 405, 405, 405),
    ("supervision:audit_log", "GET"): row(LOGIN, 403, 403, 403, OK, 403, 403, OK),
    ("supervision:audit_log", "POST"): row(LOGIN, 405, 405, 405, 405, 405, 405, 405),
    ("supervision:complaint_detail", "GET"): row(LOGIN, 403, 403, 403, OK, 403, 403, OK),
    ("supervision:complaint_detail", "POST"): row(LOGIN, 403, 403, 403, TOOK, 403, 403, 403),
    ("supervision:complaint_list", "GET"): row(LOGIN, 403, 403, 403, OK, 403, 403, OK),
    ("supervision:complaint_list", "POST"): row(LOGIN, 405, 405, 405, 405, 405, 405, 405),
    ("supervision:conflict_list", "GET"): row(LOGIN, OK, OK, 403, OK, 403, 403, OK),
    ("supervision:conflict_list", "POST"): row(LOGIN, 405, 405, 405, 405, 405, 405, 405),
    ("supervision:declaration_list", "GET"): row(LOGIN, OK, OK, OK, OK, OK, OK, 403),
    ("supervision:declaration_list", "POST"): row(LOGIN, TOOK, TOOK, TOOK, TOOK, TOOK, TOOK, 403),
    ("supervision:declaration_withdraw", "GET"): row(LOGIN, 405, 405, 405, 405, 405, 405, 405),
    ("supervision:declaration_withdraw", "POST"): row(LOGIN, DONE, 404, 404, 404, 404, 404, 404),
}  # fmt: skip


# --- the URL conf -------------------------------------------------------------------------------
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


@dataclass(frozen=True)
class Xfail:
    """A known hole: what the persona SHOULD get, and why it does not yet (strict: fixing it turns red)."""

    should_be: object
    reason: str


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
