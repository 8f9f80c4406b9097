"""The public status lookup (SPEC rule 14): a reference number (受理编号) and the last four digits of
the phone given with it → the stage of an online application or a complaint, and nothing else.

No enumeration: a reference that does not exist and one with the wrong digits get the same answer
(``None``), after the same work. Limits: tries an hour from one address, and wrong tries an hour for
one typed reference (so four digits cannot be guessed from many addresses); both answer
``LookupThrottled`` whether the reference exists or not.
"""

from __future__ import annotations

import hmac
import re

from django.conf import settings
from django.utils.translation import gettext as _

from beneficiaries.models import OnlineApplication
from beneficiaries.selectors import application_stage
from charities.models import Complaint, ComplaintStatus
from core.codes import PublicStage
from core.errors import ReferralHubError
from core.rate_limits import rate_limit_hit, rate_limit_passed
from core.references import APPLICATION_PREFIX, COMPLAINT_PREFIX, reference_normalise

LAST4 = re.compile(r"^\d{4}$")
COMPLAINT_STAGES: dict[str, str] = {
    ComplaintStatus.RECEIVED: PublicStage.RECEIVED,
    ComplaintStatus.INVESTIGATING: PublicStage.VERIFYING,
    ComplaintStatus.CONCLUDED: PublicStage.CONCLUDED,
}


class LookupThrottled(ReferralHubError):
    code = "lookup_throttled"


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _stage_and_last4(reference: str) -> tuple[str, str] | None:
    if reference.startswith(APPLICATION_PREFIX):
        application = (
            OnlineApplication.objects.filter(reference=reference)
            .select_related("duplicate_of")
            .only("id", "phone_masked", "called_back_at", "duplicate_of")
        ).first()
        if application is not None:
            return application_stage(application), application.phone_masked[-4:]
    elif reference.startswith(COMPLAINT_PREFIX):
        complaint = Complaint.objects.filter(reference=reference).only("status", "contact").first()
        if complaint is not None:
            phone = _digits(complaint.contact)
            # Only a contact that is a phone number can be matched; an e-mail or nothing never is.
            return COMPLAINT_STAGES.get(complaint.status, PublicStage.RECEIVED), phone[-4:] if len(phone) >= 7 else ""
    return None


def status_lookup(*, reference: str, phone_last4: str, client: str | None) -> str | None:
    """The stage code (core.codes.PublicStage) or None for "no match", whatever the reason."""
    address_limit = settings.STATUS_LOOKUP_RATE_PER_ADDRESS_PER_HOUR
    if rate_limit_hit("lookup-address", client or "unknown", limit=address_limit, window_seconds=3600):
        raise LookupThrottled(_("Too many lookups from this network in the last hour. Please try again later."))
    typed = reference_normalise(reference)
    failures_limit = settings.STATUS_LOOKUP_FAILURES_PER_REFERENCE_PER_HOUR
    if rate_limit_passed("lookup-reference", typed, limit=failures_limit, window_seconds=3600):
        raise LookupThrottled(
            _("This reference number was tried too often with wrong digits. Please try again in an hour.")
        )
    found = _stage_and_last4(typed)
    expected = found[1] if found is not None else "----"
    given = phone_last4.strip() if LAST4.match(phone_last4.strip()) else "####"
    matched = hmac.compare_digest(expected.encode(), given.encode()) and found is not None and expected != ""
    if not matched:
        rate_limit_hit("lookup-reference", typed, limit=failures_limit, window_seconds=3600)
        return None
    assert found is not None  # noqa: S101
    return found[0]


def stage_label(stage: str) -> str:
    return str(PublicStage(stage).label)
