"""Two-factor sign-in with an authenticator app (TOTP).

After the password is right, the person is *pending*: their id waits in the
session for a few minutes while they type the 6-digit code (or, the first
time, scan a QR code and confirm it). Only then are they signed in.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pyotp
import segno
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import TOTPDevice, User
from accounts.permissions import effective_role

PENDING_KEY = "two_factor_pending"
ISSUER = "Referral Hub"


def required_for(user: User) -> bool:
    role = effective_role(user)
    return role in settings.TWO_FACTOR_REQUIRED_ROLES


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def needs_second_step(user: User) -> bool:
    return confirmed_device(user) is not None or required_for(user)


@dataclass(frozen=True)
class Pending:
    user_id: int
    backend: str
    next_url: str


def pending_start(request: HttpRequest, *, user: User, next_url: str) -> None:
    """The password was right: wait for the code. Someone not yet enrolled gets a fresh secret now,
    so a secret seen in an earlier attempt (by whoever had the password then) is worthless."""
    if confirmed_device(user) is None:
        enrolment_start(user=user)
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "backend": getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[0]),
        "next": next_url,
        "at": time.time(),
        "secret_shown": False,
    }


def pending_get(request: HttpRequest) -> Pending | None:
    data = request.session.get(PENDING_KEY)
    if not data or time.time() - float(data.get("at", 0)) > settings.TWO_FACTOR_PENDING_SECONDS:
        return None
    return Pending(user_id=int(data["user"]), backend=str(data["backend"]), next_url=str(data["next"]))


def pending_clear(request: HttpRequest) -> None:
    request.session.pop(PENDING_KEY, None)


def secret_show_once(request: HttpRequest) -> bool:
    """Whether this attempt may still show the set-up secret; true only the first time it is asked."""
    data = request.session.get(PENDING_KEY)
    if not data or data.get("secret_shown"):
        return False
    request.session[PENDING_KEY] = {**data, "secret_shown": True}
    return True


def enrolment_start(*, user: User) -> TOTPDevice:
    """A fresh secret for each enrolment attempt (the unconfirmed device is replaced, never reused)."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device, _created = TOTPDevice.objects.get_or_create(user=user, defaults={"secret": pyotp.random_base32()})
    return device


def device_for_setup(user: User) -> TOTPDevice:
    """The device being set up in this attempt (made by pending_start; made here if it went missing)."""
    device = TOTPDevice.objects.filter(user=user).first()
    return device if device is not None else enrolment_start(user=user)


def provisioning_qr_svg(device: TOTPDevice) -> str:
    uri = pyotp.TOTP(device.secret).provisioning_uri(name=device.user.username, issuer_name=ISSUER)
    return str(segno.make(uri, error="m").svg_inline(scale=5, dark="#1f2933"))


def code_verify(*, device: TOTPDevice, code: str) -> bool:
    """Check a code (±1 time step for clock drift) and refuse a code that was already used."""
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6:
        return False
    totp = pyotp.TOTP(device.secret)
    now = timezone.now().timestamp()
    current_step = int(now // totp.interval)
    for step in (current_step - 1, current_step, current_step + 1):
        if step <= device.last_used_step:
            continue
        if totp.at(step * totp.interval) == code:
            with transaction.atomic():
                # Compare-and-swap: two requests with the same code cannot both win.
                won = TOTPDevice.objects.filter(pk=device.pk, last_used_step__lt=step).update(
                    last_used_step=step,
                    confirmed=True,
                    confirmed_at=device.confirmed_at or timezone.now(),
                )
            return bool(won)
    return False


def device_reset(*, user: User) -> None:
    """An administrator removes a lost authenticator; the person sets up a new one at next sign-in."""
    TOTPDevice.objects.filter(user=user).delete()
