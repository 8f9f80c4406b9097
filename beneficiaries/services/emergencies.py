"""救急难 (SPEC rule 9): the first answer to an emergency need. Someone of the quick-response team
serving the need's village or township, or a caseworker or station worker whose jurisdiction holds
it, picks it up ("我来响应"); the clock that started when it was logged stops, the audit log keeps
who and when, and the others who were told hear that it is taken."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.duties import is_on_response_team
from accounts.models import Role, User
from accounts.permissions import effective_role
from audit.models import AuditAction
from audit.services import audit_record
from beneficiaries.hooks import need_picked_up
from beneficiaries.models import OPEN_NEED_STATUSES, Need
from beneficiaries.services.common import RegisterError


def can_pick_up(user: User, need: Need) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    role = effective_role(user)
    in_jurisdiction = user.jurisdiction is not None and need.region_id.startswith(user.jurisdiction.subtree_prefix)
    if role in (Role.CASEWORKER, Role.STATION_WORKER) and in_jurisdiction:
        return True
    return is_on_response_team(user, need.region_id)


def need_pick_up(*, by: User, need: Need, request: HttpRequest | None = None) -> Need:
    """Take the need (once: a second answer is told who took it). Open needs only."""
    if not can_pick_up(by, need):
        raise PermissionDenied(_("Only the quick-response team and the caseworkers of this area pick up its needs."))
    with transaction.atomic():
        # No join in the locked read: PostgreSQL refuses FOR UPDATE on a nullable outer join.
        current = Need.objects.select_for_update(no_key=True).get(pk=need.pk)
        if current.responded_at is not None:
            taker = current.responded_by
            who = taker.display_name if taker is not None else _("someone")
            raise RegisterError(
                _("%(who)s already picked this need up at %(when)s.")
                % {"who": who, "when": timezone.localtime(current.responded_at).strftime("%m-%d %H:%M")},
                code="need_already_picked_up",
            )
        if current.status not in OPEN_NEED_STATUSES:
            raise RegisterError(_("This need is no longer open."), code="need_not_open")
        current.responded_at = timezone.now()
        current.responded_by = by
        current.save(update_fields=["responded_at", "responded_by", "updated_at"])
        audit_record(actor=by, action=AuditAction.CHANGE, target=current, changes={"picked_up": True}, request=request)
        need_picked_up(need=current, by=by)
    return current


def needs_mark_picked_up(*, need_ids: list[int], by: User) -> int:
    """A referral made for needs answers them too (the caseworker acted): their clocks stop."""
    now = timezone.now()
    return Need.objects.filter(pk__in=need_ids, responded_at__isnull=True).update(responded_at=now, responded_by=by)
