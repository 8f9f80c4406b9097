"""What a reveal needs besides the role: a reason that says something, and a pace a person can keep.

"abcd" was accepted as a reason and nothing limited how many full values one account could pull
(issue 14, finding 17).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.models import AuditAction, AuditEntry
from core.errors import ReferralHubError

# A Chinese character carries about as much as two and a half letters: 4 characters or 10 letters.
REASON_MIN_WEIGHT = 10
REASON_MIN_DISTINCT = 3


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or "\uf900" <= ch <= "\ufaff"


def reveal_reason_check(reason: str) -> str:
    """The reason, stripped; ValidationError when it is too thin to tell a supervisor anything."""
    text = reason.strip()
    meaningful = [ch for ch in text if _is_cjk(ch) or ch.isalnum()]
    weight = sum(2.5 if _is_cjk(ch) else 1 for ch in meaningful)
    if weight < REASON_MIN_WEIGHT or len(set(meaningful)) < REASON_MIN_DISTINCT:
        raise ValidationError(
            {
                "reason": _(
                    "Say why you need the full value in at least 4 Chinese characters or 10 letters "
                    "(for example: checking the documents of a dibao application); the reason is logged."
                )
            }
        )
    return text


class RevealLimitReached(ReferralHubError):
    pass


def reveals_in_the_last_hour(user: User) -> int:
    since = timezone.now() - timedelta(hours=1)
    return AuditEntry.objects.filter(actor=user, action=AuditAction.REVEAL, at__gte=since).count()


def reveal_rate_check(user: User) -> int:
    """How many reveals ``user`` made in the last hour; RevealLimitReached at REVEAL_MAX_PER_HOUR."""
    done = reveals_in_the_last_hour(user)
    if done >= settings.REVEAL_MAX_PER_HOUR:
        raise RevealLimitReached(
            _("You have seen %(count)d full values in the last hour, the most allowed in an hour. Try again later.")
            % {"count": done},
            code="reveal_rate_limited",
        )
    return done
