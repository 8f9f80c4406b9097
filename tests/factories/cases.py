"""Factories for referrals: a referral put straight into any state, grants included."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from beneficiaries.models import Consent, Need, Person
from cases.models import Direction, Referral, ReferralStatus
from cases.transitions import grant_access, organization_group
from core.models import Organization

RECEIVER_SEES = {
    ReferralStatus.SENT,
    ReferralStatus.ACCEPTED,
    ReferralStatus.IN_PROGRESS,
    ReferralStatus.COMPLETED,
    ReferralStatus.CLOSED,
}


def make_referral(
    *,
    person: Person | None,
    from_organization: Organization,
    to_organization: Organization,
    status: str = ReferralStatus.SENT,
    direction: str = Direction.TO_CHARITY,
    consent: Consent | None = None,
    needs: list[Need] | None = None,
    shared_fields: list[str] | None = None,
    **kwargs: Any,
) -> Referral:
    """A referral in ``status`` as if it had got there through the services (grant included)."""
    now = timezone.now()
    sent = status != ReferralStatus.DRAFT
    region = person.region if person is not None else kwargs.pop("region")
    defaults: dict[str, Any] = {
        "sent_at": now - timedelta(hours=1) if sent else None,
        "respond_by": now + timedelta(days=3) if sent else None,
        "ended_at": now
        if status in (ReferralStatus.CLOSED, ReferralStatus.DECLINED, ReferralStatus.WITHDRAWN, ReferralStatus.EXPIRED)
        else None,
        "visible_until": now + timedelta(days=30) if status == ReferralStatus.CLOSED else None,
    }
    if direction == Direction.TO_GOVERNMENT and person is None:
        defaults["person_details"] = {"name": "赵大山", "region": region.code}
    if status in (ReferralStatus.COMPLETED, ReferralStatus.CLOSED) and direction == Direction.TO_CHARITY:
        defaults |= {"outcome": "helped", "amount": "500.00", "helped_on": timezone.localdate()}
    defaults.update(kwargs)
    referral = Referral.objects.create(
        direction=direction,
        person=person,
        region=region,
        from_organization=from_organization,
        to_organization=to_organization,
        consent=consent,
        shared_fields=shared_fields if shared_fields is not None else (list(consent.fields) if consent else []),
        status=status,
        **defaults,
    )
    if needs:
        referral.needs.set(needs)
    if direction == Direction.TO_CHARITY and status in RECEIVER_SEES:
        grant_access(referral)
    else:
        organization_group(to_organization)
    return referral
