"""What the referral pages share: the signed-in user, and a refusal shown as a message."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import ReferralHubError


def user_of(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def refuse(request: HttpRequest, error: Exception) -> None:
    if isinstance(error, ValidationError):
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.error(request, refusal_text(error))


def refusal_text(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "；".join(error.messages)
    if isinstance(error, ReferralHubError):
        return error.message
    return str(error) or _("You may not do this.")
