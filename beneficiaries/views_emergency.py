"""救急难 pages (SPEC rule 9): the emergency board (every emergency need of the user's area,
waiting ones first with their clock, late ones flagged, picked-up ones with who and how fast) and
the "我来响应" pick-up of one need."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import JURISDICTION_ROLES, Role, User
from accounts.permissions import effective_role
from beneficiaries.models import OPEN_NEED_STATUSES, Need, Urgency
from beneficiaries.permissions import need_for_user
from beneficiaries.selectors import needs_visible_to
from beneficiaries.services.common import RegisterError
from beneficiaries.services.emergencies import can_pick_up, need_pick_up

BOARD_DAYS = 30


def pickup_hours() -> int:
    return int(settings.REFERRAL_RESPONSE_HOURS["emergency"])


def emergency_context(user: User, need: Need) -> dict[str, Any]:
    """What the need page shows of the emergency clock and whether it offers 我来响应."""
    if need.urgency != Urgency.EMERGENCY:
        return {}
    deadline = need.created_at + timedelta(hours=pickup_hours())
    return {
        "pickup_deadline": deadline,
        "pickup_late": need.responded_at is None and deadline < timezone.now(),
        "can_pick_up": need.responded_at is None and need.status in OPEN_NEED_STATUSES and can_pick_up(user, need),
    }


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@login_required
@require_POST
def need_pick_up_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    need = need_for_user(user, pk)
    try:
        need_pick_up(by=user, need=need, request=request)
    except RegisterError as error:
        messages.error(request, error.message)
    except PermissionDenied as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("You picked this need up: the others who were told now know it is taken."))
    return redirect("beneficiaries:need_detail", pk=need.pk)


@login_required
@require_GET
def emergency_board(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if effective_role(user) not in (*JURISDICTION_ROLES, Role.ADMIN):
        raise PermissionDenied
    now = timezone.now()
    since = now - timedelta(days=BOARD_DAYS)
    needs = (
        needs_visible_to(user).filter(urgency=Urgency.EMERGENCY, created_at__gte=since).select_related("responded_by")
    )
    waiting = list(needs.filter(responded_at__isnull=True).order_by("created_at")[:200])
    page = Paginator(needs.filter(responded_at__isnull=False).order_by("-created_at"), 25).get_page(
        request.GET.get("page")
    )
    hours = pickup_hours()
    rows = [
        {
            "need": n,
            "deadline": n.created_at + timedelta(hours=hours),
            "late": n.created_at + timedelta(hours=hours) < now,
            "open": n.status in OPEN_NEED_STATUSES,
        }
        for n in waiting
    ]
    answered = [
        {"need": n, "minutes": int((n.responded_at - n.created_at).total_seconds() // 60) if n.responded_at else 0}
        for n in page
    ]
    return render(
        request,
        "beneficiaries/emergency_board.html",
        {
            "rows": rows,
            "late_count": sum(1 for r in rows if r["late"] and r["open"]),
            "answered": answered,
            "page": page,
            "hours": hours,
            "days": BOARD_DAYS,
        },
    )
