"""Writes of the cases app. Each state change of the SPEC state machine is one service:
it locks the referral row, checks the actor's side (403) and the current state (409) through
``cases.transitions.TRANSITIONS``, writes the change, the timeline event, the audit entry and
the notification outbox rows in one transaction, and queues delivery on commit.

- ``referrals``: creating, sending (the consent gate), deciding, referring again, consent revoked;
- ``lifecycle``: accept, start, feedback and every end (decline, withdraw, expire, close),
  the ends through one step, ``referral_end``;
- ``follow_ups``: follow-up visits (抽样回访).

Input errors raise ``ValidationError`` keyed by field (400); a wrong state raises
``ReferralError`` (a ``ReferralHubError``, 409); the wrong side raises ``PermissionDenied`` (403).
"""

from cases.permissions import can_create_to_charity, can_create_to_government
from cases.services.follow_ups import follow_up_record, follow_ups_sample, station_for_region
from cases.services.lifecycle import (
    Feedback,
    referral_accept,
    referral_close,
    referral_decline,
    referral_end,
    referral_expire,
    referral_feedback,
    referral_start,
    referral_withdraw,
)
from cases.services.referrals import (
    FAST_TRACK_STATUSES,
    office_for_region,
    referral_create_to_charity,
    referral_create_to_government,
    referral_decide,
    referral_link_person,
    referral_rerefer,
    referral_send,
    referrals_withdraw_for_consent,
)
from cases.transitions import ReferralError

__all__ = [
    "FAST_TRACK_STATUSES",
    "Feedback",
    "ReferralError",
    "can_create_to_charity",
    "can_create_to_government",
    "follow_up_record",
    "follow_ups_sample",
    "office_for_region",
    "referral_accept",
    "referral_close",
    "referral_create_to_charity",
    "referral_create_to_government",
    "referral_decide",
    "referral_decline",
    "referral_end",
    "referral_expire",
    "referral_feedback",
    "referral_link_person",
    "referral_rerefer",
    "referral_send",
    "referral_start",
    "referral_withdraw",
    "referrals_withdraw_for_consent",
    "station_for_region",
]
