"""One small view per step of a referral on its page (send, accept, decline, start, feedback, decide,
close, withdraw, link to the register, refer again). Each reads its own form and calls its own
service; the service checks side and state again (cases/transitions.py), and a refusal comes back
to the referral page as a Chinese message, never a 500. ``_step`` is what they share: find the
referral the user may see (404 otherwise), run the step, say what happened."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from beneficiaries.selectors import persons_visible_to
from cases import services
from cases.forms import DecideForm, FeedbackForm, RereferForm
from cases.models import Direction, Referral
from cases.permissions import referral_for_user
from cases.transitions import action_label
from cases.views_common import refuse, user_of
from core.errors import ReferralHubError

# A step: given the referral, the user and the POST, do it; return the referral to show next, if not this one.
Step = Callable[[Referral, User, QueryDict], Referral | None]


def _valid(form: FeedbackForm | DecideForm | RereferForm) -> dict[str, Any]:
    if not form.is_valid():
        raise ValidationError([message for errors in form.errors.values() for message in errors])
    return form.cleaned_data


def _step(request: HttpRequest, pk: int, action: str, step: Step) -> HttpResponse:
    user = user_of(request)
    referral = referral_for_user(user, pk)
    try:
        other = step(referral, user, request.POST)
    except (ReferralHubError, ValidationError, PermissionDenied) as error:
        refuse(request, error)
        return redirect("cases:referral_detail", pk=pk)
    if other is not None:
        messages.success(request, _("Referred again to %(org)s.") % {"org": other.to_organization.name})
        return redirect("cases:referral_detail", pk=other.pk)
    messages.success(request, _("Done: %(action)s.") % {"action": action_label(action)})
    try:
        referral_for_user(user, pk)
    except Http404:
        return redirect("cases:inbox")  # e.g. declined: the charity no longer sees it
    return redirect("cases:referral_detail", pk=pk)


def _view(action: str, step: Step) -> Callable[[HttpRequest, int], HttpResponse]:
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        return _step(request, pk, action, step)

    view.__name__ = view.__qualname__ = f"referral_{action}"
    view.__doc__ = f"The referral step {action!r} from its page."
    return login_required(require_POST(view))


def _send(referral: Referral, user: User, post: QueryDict) -> None:
    services.referral_send(referral=referral, by=user)


def _accept(referral: Referral, user: User, post: QueryDict) -> None:
    services.referral_accept(referral=referral, by=user, start=post.get("start") == "1")


def _decline(referral: Referral, user: User, post: QueryDict) -> None:
    services.referral_decline(referral=referral, by=user, reason=post.get("reason", ""))


def _start(referral: Referral, user: User, post: QueryDict) -> None:
    services.referral_start(referral=referral, by=user)


def _feedback(referral: Referral, user: User, post: QueryDict) -> None:
    d = _valid(FeedbackForm(post))
    feedback = services.Feedback(
        outcome=d["outcome"],
        amount=d["amount"],
        items=d["items"],
        services=d["services"],
        note=d["note"],
        helped_on=d["helped_on"],
    )
    services.referral_feedback(referral=referral, by=user, feedback=feedback)


def _decide(referral: Referral, user: User, post: QueryDict) -> None:
    d = _valid(DecideForm(post))
    services.referral_decide(
        referral=referral,
        by=user,
        eligible=d["eligible"],
        programme=d["programme"],
        reason=d["reason"],
    )


def _close(referral: Referral, user: User, post: QueryDict) -> None:
    services.referral_close(referral=referral, by=user)


def _withdraw(referral: Referral, user: User, post: QueryDict) -> None:
    services.referral_withdraw(referral=referral, by=user, reason=post.get("reason", ""))


def _link_person(referral: Referral, user: User, post: QueryDict) -> None:
    raw = post.get("person", "")
    person = persons_visible_to(user).filter(pk=int(raw)).first() if raw.isdigit() else None
    if person is None:
        raise ValidationError(_("Choose the registered person."))
    services.referral_link_person(referral=referral, by=user, person=person)


def _rerefer(referral: Referral, user: User, post: QueryDict) -> Referral:
    d = _valid(RereferForm(post, user=user, government=referral.direction == Direction.TO_GOVERNMENT))
    return services.referral_rerefer(
        referral=referral,
        by=user,
        to_organization=d["to_organization"],
        reason=d["reason"],
    )


referral_send = _view("send", _send)
referral_accept = _view("accept", _accept)
referral_decline = _view("decline", _decline)
referral_start = _view("start", _start)
referral_feedback = _view("feedback", _feedback)
referral_decide = _view("decide", _decide)
referral_close = _view("close", _close)
referral_withdraw = _view("withdraw", _withdraw)
referral_link_person = _view("link_person", _link_person)
referral_rerefer = _view("rerefer", _rerefer)

# The steps by name, in the order of the state machine: cases/urls.py gives each its own path.
STEPS = {
    "send": referral_send,
    "accept": referral_accept,
    "decline": referral_decline,
    "start": referral_start,
    "feedback": referral_feedback,
    "decide": referral_decide,
    "close": referral_close,
    "withdraw": referral_withdraw,
    "link_person": referral_link_person,
    "rerefer": referral_rerefer,
}
