"""The station phone's offline page and the cache it works from (SPEC rule 14, docs/offline.md).

``station_offline`` is a page with no personal data in it: the need form and the follow-up visit
form, and the list of records waiting to be sent. The service worker keeps a copy, so it opens
without a signal. ``station_offline_cache`` is what the page keeps on the phone (IndexedDB): the
people of the worker's own township and the visits due there, masked only (name, ID number), and a
handful of form tokens so that each record made offline is saved once, however often it is sent.
The records themselves are sent to the ordinary need and visit forms (``core.offline``).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.models import Role, User
from audit.models import AuditAction
from audit.services import audit_record
from beneficiaries.crypto import mask_name
from beneficiaries.forms import NeedForm
from beneficiaries.selectors import persons_visible_to
from cases.forms import FollowUpForm
from cases.models import Referral
from cases.selectors import follow_ups_due
from core import form_tokens

# Form tokens handed out with each cache refresh: one per record made offline (more records than
# this are still queued, and get a token when they are sent).
TOKENS_PER_REFRESH = 30


def _station_worker(user: User) -> bool:
    return user.is_active and user.role == Role.STATION_WORKER and user.jurisdiction is not None


@login_required
@require_GET
def station_offline(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if not _station_worker(user):
        raise PermissionDenied
    return render(
        request,
        "cases/offline.html",
        {"need_form": NeedForm(prefix="need"), "visit_form": FollowUpForm(prefix="visit"), "offline_text": _texts()},
    )


def _texts() -> dict[str, str]:
    """What static/js/offline.js says, in the page's language."""
    return {
        "online": _("Connected."),
        "offline": _("No connection: what you record is kept on this phone and sent when the connection returns."),
        "cached": _("Offline copy of %(township)s: %(persons)s people, %(visits)s visits due, updated %(time)s."),
        "no_cache": _("No offline copy of your township on this phone yet: open this page once with a connection."),
        "sign_in": _("Signed out: sign in again to send what is waiting (it stays on this phone)."),
        "waiting": _("Waiting to be sent"),
        "sending": _("Sending…"),
        "saved": _("Saved"),
        "saved_before": _("Saved (it had reached the server before: saved once)"),
        "refused": _("Refused"),
        "retry": _("Not sent yet: the server did not answer. It is sent again by itself."),
        "not_found": _("This person or visit is not in your area, or no longer exists."),
        "forbidden": _("Your role may not record this."),
        "edit": _("Edit"),
        "discard": _("Discard"),
        "open": _("Open"),
        "need": _("Need"),
        "visit": _("Follow-up visit"),
        "choose_person": _("Find and choose the person first."),
        "choose_visit": _("Choose the visit."),
        "required": _("This field is required."),
        "no_match": _("Nobody in the offline copy matches."),
        "kept": _("Kept on this phone: %(label)s."),
        "offline_here": _("No connection: this page works offline; the page you asked for needs the connection."),
    }


@require_GET
def station_offline_cache(request: HttpRequest) -> JsonResponse:
    """The masked people and due visits of the worker's township, for the phone to keep; audited
    like an export, as it leaves the server."""
    user: User = request.user  # type: ignore[assignment]
    if not user.is_authenticated:
        return JsonResponse({"detail": _("Sign in again.")}, status=401)
    if not _station_worker(user):
        return JsonResponse({"detail": _("Only a station social worker keeps the offline cache.")}, status=403)
    persons = [
        {"id": pk, "name": mask_name(name), "id_number": id_masked, "village": village}
        for pk, name, id_masked, village in persons_visible_to(user)
        .order_by("region__code", "id")
        .values_list("pk", "name", "id_number_masked", "region__name")
    ]
    visits = [
        {
            "id": pk,
            "person": mask_name(name or ""),
            "reference": Referral(pk=referral_id).reference,
            "due_on": due_on.isoformat(),
            "village": village,
        }
        for pk, name, referral_id, due_on, village in follow_ups_due(user).values_list(
            "pk", "referral__person__name", "referral_id", "due_on", "region__name"
        )
    ]
    assert user.jurisdiction is not None  # noqa: S101 - _station_worker checked it
    audit_record(
        actor=user,
        action=AuditAction.EXPORT,
        target=user,
        changes={"what": "offline_cache", "persons": len(persons), "visits": len(visits)},
        request=request,
    )
    return JsonResponse(
        {
            "user": user.username,
            "township": user.jurisdiction.name,
            "made_at": timezone.now().isoformat(),
            "persons": persons,
            "visits": visits,
            "form_tokens": form_tokens.issue_many(TOKENS_PER_REFRESH),
            "csrf_token": get_token(request),
        },
        headers={"Cache-Control": "no-store"},
    )
