"""The referral state machine: which side may take which action from which state, and the
bookkeeping every change shares (the locked row, the timeline event, telling both sides,
per-object access for the receiving organization, moving the linked needs along).

The writes themselves, one service per action, are in ``cases.services``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_
from guardian.shortcuts import assign_perm, remove_perm

from accounts.models import Role, User
from audit.models import AuditAction
from audit.services import audit_record
from beneficiaries.models import (
    OPEN_NEED_STATUSES,
    ConsentField,
    NeedStatus,
)
from beneficiaries.services import need_set_status
from cases.hooks import referral_conflict_check_act
from cases.models import (
    ACTIVE_STATUSES,
    OPEN_STATUSES,
    REREFERABLE_STATUSES,
    Direction,
    Referral,
    ReferralEvent,
    ReferralStatus,
)
from cases.notifications import notify
from cases.permissions import RECEIVER, REFERRER, require_side
from cases.selectors import VIEW_PERMISSION, organization_group_name
from core.errors import ReferralHubError
from core.models import GOVERNMENT_KINDS, Organization
from core.texts import Text, join, text
from core.validators import ancestor_region_codes

# The side of steps no person takes (the deadline job).
SYSTEM = "system"


class ReferralError(ReferralHubError):
    code = "referral_wrong_status"


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str
    side: str
    directions: frozenset[str] = frozenset({Direction.TO_CHARITY, Direction.TO_GOVERNMENT})


S = ReferralStatus
# The SPEC state machine. ``rerefer`` leaves the old referral as it is and sends a new one.
TRANSITIONS: dict[str, Transition] = {
    "send": Transition(frozenset({S.DRAFT}), S.SENT, REFERRER),
    "accept": Transition(frozenset({S.SENT}), S.ACCEPTED, RECEIVER),
    "decline": Transition(frozenset({S.SENT}), S.DECLINED, RECEIVER),
    "start": Transition(frozenset({S.ACCEPTED}), S.IN_PROGRESS, RECEIVER),
    "feedback": Transition(frozenset({S.IN_PROGRESS}), S.COMPLETED, RECEIVER, frozenset({Direction.TO_CHARITY})),
    "decide": Transition(
        frozenset({S.ACCEPTED, S.IN_PROGRESS}), S.COMPLETED, RECEIVER, frozenset({Direction.TO_GOVERNMENT})
    ),
    "close": Transition(frozenset({S.COMPLETED}), S.CLOSED, REFERRER),
    "withdraw": Transition(frozenset({S.DRAFT, *OPEN_STATUSES}), S.WITHDRAWN, REFERRER),
    "rerefer": Transition(frozenset(REREFERABLE_STATUSES), S.SENT, REFERRER),
    # No answer within the deadline: only the periodic job takes this step.
    "expire": Transition(frozenset({S.SENT}), S.EXPIRED, SYSTEM),
}
# The actions that end a referral; each goes through ``cases.services.lifecycle.referral_end``.
ENDING_ACTIONS = frozenset({"decline", "withdraw", "expire", "close"})


def allowed_actions(user: User, referral: Referral) -> list[str]:
    """The actions this user could take now (for buttons; the services check again)."""
    from cases.permissions import is_on_side

    return [
        action
        for action, t in TRANSITIONS.items()
        if t.side != SYSTEM
        and referral.status in t.sources
        and referral.direction in t.directions
        and is_on_side(user, referral, t.side)
        and (action != "rerefer" or not referral.rereferred)
    ]


def lock_referral(referral: Referral) -> Referral:
    """The referral, locked for this transaction's change. Only its own row (``of=self``), and as FOR NO
    KEY UPDATE: locking its organizations too serialized every action of a charity, and at commit a
    transaction that had appended to the audit chain waited for the organization row (its foreign-key
    check) that another one held while it waited for the chain: a deadlock under load (bench/load.py)."""
    return (
        Referral.objects.select_for_update(of=("self",), no_key=True)
        .select_related("to_organization", "from_organization")
        .get(pk=referral.pk)
    )


def transition_for(action: str) -> Transition:
    """The transition named ``action``; an unknown name is a programming error, never a status."""
    try:
        return TRANSITIONS[action]
    except KeyError:
        raise ValueError(f"unknown referral action {action!r}") from None


def check_transition(action: str, referral: Referral, by: User | None) -> Transition:
    transition = transition_for(action)
    if transition.side == SYSTEM:
        if by is not None:
            raise PermissionDenied(_("Only the deadline job expires a referral."))
    elif by is not None:
        require_side(by, referral, transition.side)
    if referral.direction not in transition.directions:
        if action == "decide":
            raise ReferralError(_("Only a referral to government gets a decision."), code="referral_wrong_direction")
        raise ReferralError(
            _("A referral to government ends with the office's decision, not with feedback."),
            code="referral_wrong_direction",
        )
    if referral.status not in transition.sources:
        raise ReferralError(
            _(
                "This referral is “%(status)s”; “%(action)s” is not possible now. Reload the page to see its current state."
            )
            % {"status": referral.get_status_display(), "action": action_label(action)},
        )
    referral_conflict_check_act(referral=referral, by=by, action=action)  # 严防优亲厚友 (supervision)
    return transition


def action_label(action: str) -> str:
    """The action as its button says it."""
    labels = {
        "send": _("Send"),
        "accept": _("Accept"),
        "decline": _("Decline"),
        "start": _("Start helping"),
        "feedback": _("Report what was given"),
        "decide": _("Decide"),
        "close": _("Close the referral"),
        "withdraw": _("Withdraw"),
        "rerefer": _("Refer again"),
        "link_person": _("Link to the register"),
    }
    return str(labels.get(action, action))


def add_event(
    referral: Referral,
    *,
    action: str,
    by: User | None,
    from_status: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> ReferralEvent:
    return ReferralEvent.objects.create(
        referral=referral,
        action=action,
        from_status=from_status,
        to_status=referral.status,
        actor=by,
        actor_organization=by.organization if by is not None else None,
        reason=reason,
        data=data or {},
    )


def move(
    referral: Referral,
    *,
    action: str,
    by: User | None,
    reason: str = "",
    data: dict[str, Any] | None = None,
    extra: Sequence[str] = (),
) -> ReferralEvent:
    """Change the status as ``TRANSITIONS[action]`` says, with its timeline event and a
    hash-chained audit entry (the timeline is for reading; the audit log is the record)."""
    previous = referral.status
    referral.status = transition_for(action).target
    referral.save(update_fields=["status", "updated_at", *extra])
    event = add_event(referral, action=action, by=by, from_status=previous, reason=reason, data=data)
    audit_record(
        actor=by,
        action=AuditAction.STATUS,
        target=referral,
        changes={"step": action, "from": previous, "to": referral.status, **_audit_data(data)},
        reason=reason[:500],
    )
    return event


def _audit_data(data: dict[str, Any] | None) -> dict[str, Any]:
    # Only plain codes and numbers: never names or free text in the audit details.
    return {k: v for k, v in (data or {}).items() if isinstance(v, bool | int) or k in ("outcome", "amount")}


def staff_of(organization: Organization, *, region_code: str = "") -> list[User]:
    """Who acts for an organization. An office with no caseworkers of its own (a township
    office run from the county) is covered by the caseworkers whose jurisdiction holds the region."""
    if organization.kind not in GOVERNMENT_KINDS:
        return list(User.objects.filter(organization=organization, is_active=True, role=Role.CHARITY_STAFF))
    own = list(User.objects.filter(organization=organization, is_active=True, role=Role.CASEWORKER))
    if own or not region_code:
        return own
    covering = [*ancestor_region_codes(region_code), region_code]
    return list(User.objects.filter(is_active=True, role=Role.CASEWORKER, jurisdiction_id__in=covering))


def headline(referral: Referral, what: Text) -> Text:
    """A notification title: the reference number and what happened, never the person's name
    (titles become e-mail subjects and SMS texts, and are shown in lists)."""
    return text(N_("Referral %(ref)s: %(what)s"), ref=referral.reference, what=what)


def name_visible_to_side(referral: Referral, side: str) -> bool:
    """May the people of ``side`` read the person's name now? The referring office of a referral
    to a charity keeps the register; a charity reads the name only while its referral is active
    and the consent shared the name; the office receiving a charity's referral reads what the
    charity sent, and the charity knows whom it referred."""
    government_side = (REFERRER if referral.direction == Direction.TO_CHARITY else RECEIVER) == side
    if government_side or referral.direction == Direction.TO_GOVERNMENT:
        return True
    return referral.status in ACTIVE_STATUSES and ConsentField.NAME in (referral.shared_fields or [])


def about_person(referral: Referral, side: str) -> Text:
    """The opening of a message body: the name where the side may read it, else the reference."""
    if name_visible_to_side(referral, side) and referral.person_name:
        return text(N_("About %(name)s (referral %(ref)s)."), name=referral.person_name, ref=referral.reference)
    return text(N_("About the person of referral %(ref)s."), ref=referral.reference)


@dataclass(frozen=True)
class Message:
    """What one side hears: the title's ending and the body's text, as texts (core/texts.py: message
    keys and parameters, said in each reader's language), or plain strings (a reason someone typed)."""

    what: Text
    body: Text = ""


def tell_side(referral: Referral, *, side: str, kind: str, message: Message, by: User | None) -> None:
    organization = referral.from_organization if side == REFERRER else referral.to_organization
    recipients = [u for u in staff_of(organization, region_code=referral.region_id) if u != by]
    body = join(about_person(referral, side), message.body)
    notify(recipients=recipients, kind=kind, title=headline(referral, message.what), body=body, referral=referral)


def tell_both_sides(referral: Referral, *, kind: str, referrer: Message, receiver: Message, by: User | None) -> None:
    """Each side gets its own text, carrying only what that side may read now."""
    tell_side(referral, side=REFERRER, kind=kind, message=referrer, by=by)
    tell_side(referral, side=RECEIVER, kind=kind, message=receiver, by=by)


# --- per-object access (django-guardian) ----------------------------------------------
def organization_group(organization: Organization) -> Group:
    """The group holding an organization's grants; its active staff are members."""
    group, _created = Group.objects.get_or_create(name=organization_group_name(organization.pk))
    group.user_set.add(*User.objects.filter(organization=organization, is_active=True))
    return group


def grant_access(referral: Referral) -> None:
    assign_perm(f"cases.{VIEW_PERMISSION}", organization_group(referral.to_organization), referral)


def revoke_access(referral: Referral) -> None:
    group = Group.objects.filter(name=organization_group_name(referral.to_organization_id)).first()
    if group is not None:
        remove_perm(f"cases.{VIEW_PERMISSION}", group, referral)


# --- needs ------------------------------------------------------------------------------
def needs_to(referral: Referral, status: str, *, by: User | None, note: str = "") -> None:
    for need in referral.needs.all():
        if need.status == status or need.status not in (*OPEN_NEED_STATUSES,):
            continue
        if status == NeedStatus.OPEN:
            # Back to open only if no other referral is still working on it.
            others = Referral.objects.filter(needs=need, status__in=ACTIVE_STATUSES).exclude(pk=referral.pk).exists()
            if others or need.status != NeedStatus.REFERRED:
                continue
        need_set_status(by=by, need=need, status=status, note=note)
