"""Passwords a person chooses: self-service change (forced after an administrator set one) and the
one-time invite link that replaces an initial password handed over by whoever created the account."""

from __future__ import annotations

from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User
from audit.models import AuditAction
from audit.services import audit_record


@transaction.atomic
def password_changed_record(*, user: User, request: HttpRequest | None = None, how: str) -> None:
    """The person set their own password (``how``: "change" or "invite"): the forced change is done.
    Their other sessions and every API token end by themselves (both carry the old password's hash)."""
    User.objects.filter(pk=user.pk).update(must_change_password=False)
    user.must_change_password = False
    audit_record(
        actor=user,
        action=AuditAction.CHANGE,
        target=user,
        changes={"fields": ["password"], "how": how},
        request=request,
    )


def password_set_by_administrator(*, user: User) -> None:
    """An administrator chose this password (new account, reset): the person must change it."""
    User.objects.filter(pk=user.pk).update(must_change_password=True)
    user.must_change_password = True


def invite_path(user: User) -> str:
    """The path of a one-time link with which ``user`` chooses a first password.

    Django's password-reset token: it covers the password hash and the last sign-in, so it stops
    working once used, and after PASSWORD_RESET_TIMEOUT."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("accounts:invite", args=[uid, default_token_generator.make_token(user)])
