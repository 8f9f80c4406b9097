"""Sign-in protection: lockout after repeated failures, per account and per address."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ApiToken, FailedLogin, User
from audit.models import AuditAction
from audit.services import audit_record
from core.client_address import client_address


@dataclass(frozen=True)
class Lockout:
    message: str


def client_ip(request: HttpRequest | None) -> str | None:
    """The sign-in paths' name for core.client_address (the one function every path uses)."""
    return client_address(request)


def login_lockout(*, username: str, ip_address: str | None) -> Lockout | None:
    """Whether this account or this address is locked out now, and what to tell the person."""
    since = timezone.now() - timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    recent = FailedLogin.objects.filter(attempted_at__gte=since)
    minutes = settings.LOGIN_LOCKOUT_MINUTES
    if username and recent.filter(username__iexact=username).count() >= settings.LOGIN_MAX_FAILURES_PER_ACCOUNT:
        return Lockout(
            _(
                "Too many failed sign-ins for this account. It is locked for %(minutes)d minutes; "
                "try again later or ask your administrator to unlock it."
            )
            % {"minutes": minutes}
        )
    if ip_address and recent.filter(ip_address=ip_address).count() >= settings.LOGIN_MAX_FAILURES_PER_ADDRESS:
        return Lockout(
            _("Too many failed sign-ins from this computer. Try again in %(minutes)d minutes.") % {"minutes": minutes}
        )
    return None


def login_failure_record(*, username: str, ip_address: str | None, request: HttpRequest | None = None) -> None:
    """Count the failure towards the lockout and write it to the audit log."""
    failure = FailedLogin.objects.create(username=username[:150], ip_address=ip_address, attempted_at=timezone.now())
    account = User.objects.filter(username__iexact=username).first() if username else None
    audit_record(
        actor=None,
        action=AuditAction.LOGIN_FAILED,
        target=account or failure,
        changes={"username": username[:150]},
        request=request,
    )


def login_failures_clear(*, user: User) -> None:
    """The right password clears the account's failure count (not the address's)."""
    FailedLogin.objects.filter(username__iexact=user.username).delete()


def login_success_record(*, user: User, request: HttpRequest | None = None) -> None:
    """The person is now signed in (after the second step, where there is one): audit it."""
    login_failures_clear(user=user)
    audit_record(actor=user, action=AuditAction.LOGIN, target=user, request=request)


def logout_record(*, user: User, request: HttpRequest | None = None) -> None:
    """A sign-out: audited. (The web sign-out also ends the person's API tokens, in the view.)"""
    audit_record(actor=user, action=AuditAction.LOGOUT, target=user, request=request)


def user_unlock(*, user: User) -> int:
    deleted, _ = FailedLogin.objects.filter(username__iexact=user.username).delete()
    return deleted


def failed_logins_prune(*, older_than: timedelta = timedelta(days=30)) -> int:
    deleted, _ = FailedLogin.objects.filter(attempted_at__lt=timezone.now() - older_than).delete()
    return deleted


@transaction.atomic
def user_deactivate(*, user: User) -> None:
    """Disable an account and end every way it is signed in: sessions and API tokens."""
    User.objects.filter(pk=user.pk).update(is_active=False)
    user.is_active = False
    ApiToken.objects.filter(user=user).delete()
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()
