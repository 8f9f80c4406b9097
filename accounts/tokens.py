"""API tokens: issued by the token endpoint, checked on every API request, ended on every way out.

DRF's own ``Token`` never expired, survived a password reset and a sign-out, and a token issued before
two-step sign-in was required still revealed ID numbers (issue 14, finding 7).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from accounts import two_factor
from accounts.models import ApiToken, User


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    key: str
    expires_at: datetime


def api_token_issue(*, user: User, with_second_step: bool) -> IssuedToken:
    """A new key for ``user`` (shown once; only its digest is kept), valid API_TOKEN_TTL_HOURS."""
    now = timezone.now()
    ApiToken.objects.filter(user=user, expires_at__lt=now).delete()
    key = secrets.token_hex(20)
    token = ApiToken.objects.create(
        user=user,
        key_digest=_digest(key),
        expires_at=now + timedelta(hours=settings.API_TOKEN_TTL_HOURS),
        two_factor=with_second_step,
        password_stamp=user.get_session_auth_hash(),
    )
    return IssuedToken(key=key, expires_at=token.expires_at)


def api_tokens_revoke(*, user: User) -> int:
    """End every token of ``user`` (sign-out, account disabled)."""
    deleted, _counts = ApiToken.objects.filter(user=user).delete()
    return deleted


def api_token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk).delete()


def api_token_check(key: str) -> tuple[User, ApiToken]:
    """The user and token for ``key``, or AuthenticationFailed saying why (in the user's language)."""
    # The user's organization and jurisdiction come in the same query: nearly every API request
    # reads one of them (what the user may see, the audit entry's region), a query each otherwise.
    token = (
        ApiToken.objects.select_related("user__organization", "user__jurisdiction")
        .filter(key_digest=_digest(key))
        .first()
    )
    if token is None or not token.user.is_active:
        raise exceptions.AuthenticationFailed(_("The token is not valid. Ask for a new one."))
    user = token.user
    if token.expires_at <= timezone.now():
        token.delete()
        raise exceptions.AuthenticationFailed(_("The token has expired. Ask for a new one."))
    if not constant_time_compare(token.password_stamp, user.get_session_auth_hash()):
        token.delete()
        raise exceptions.AuthenticationFailed(
            _("The password has changed since this token was issued. Ask for a new one.")
        )
    if not token.two_factor and two_factor.required_for(user):
        raise exceptions.AuthenticationFailed(
            _("Your role needs two-step sign-in: ask for a new token with the 6-digit code (“otp”).")
        )
    return user, token


def api_tokens_prune() -> int:
    deleted, _counts = ApiToken.objects.filter(expires_at__lt=timezone.now()).delete()
    return deleted


class ApiTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>`` checked by api_token_check."""

    def authenticate_credentials(self, key: str) -> tuple[User, ApiToken]:
        return api_token_check(key)
