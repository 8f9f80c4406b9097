"""Supervision writes: declarations, conflict flags and second approvals (complaint handling is in
``charities.services.complaints``, with the complaint model)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_noop as N_

from accounts.models import User
from audit.models import AuditAction
from audit.services import audit_record
from beneficiaries.crypto import blind_index, mask_id_number
from beneficiaries.validators import parse_id_number
from cases.government import referral_id_index
from cases.models import Direction
from core.errors import ReferralHubError
from core.texts import text
from supervision.models import (
    ApprovalStatus,
    ConflictFlag,
    Declaration,
    FlagKind,
    ReferralApproval,
    Relationship,
)
from supervision.permissions import can_approve, can_declare

if TYPE_CHECKING:
    from beneficiaries.models import Person
    from cases.models import Referral


class SupervisionError(ReferralHubError):
    code = "supervision_conflict"


# --- declarations --------------------------------------------------------------------------


def declaration_create(
    *, by: User, name: str, id_number: str, relationship: str, request: HttpRequest | None = None
) -> Declaration:
    """Declare a relative or close associate. The ID number is kept only as blind index and mask."""
    if not can_declare(by):
        raise PermissionDenied(_("Only staff of civil affairs and of charities declare relatives."))
    errors: dict[str, list[str]] = {}
    name = name.strip()
    if not name:
        errors["name"] = [_("Enter the person's name.")]
    if relationship not in Relationship.values:
        errors["relationship"] = [_("Choose the relationship.")]
    number = ""
    try:
        number = parse_id_number(id_number).number
    except ValidationError as exc:
        errors["id_number"] = exc.messages
    if errors:
        raise ValidationError(errors)
    index = blind_index(number)
    if Declaration.objects.filter(declarant=by, id_number_index=index, ended_at__isnull=True).exists():
        raise ValidationError({"id_number": [_("You have already declared this person.")]})
    try:
        with transaction.atomic():
            declaration = Declaration.objects.create(
                declarant=by,
                name=name[:100],
                id_number_index=index,
                id_number_masked=mask_id_number(number),
                relationship=relationship,
            )
            audit_record(
                actor=by,
                action=AuditAction.CREATE,
                target=declaration,
                changes={"relationship": relationship, "id_number": declaration.id_number_masked},
                request=request,
            )
            _open_approvals_for_drafts(declaration)
    except IntegrityError:
        raise ValidationError({"id_number": [_("You have already declared this person.")]}) from None
    return declaration


def declaration_withdraw(*, declaration: Declaration, by: User, request: HttpRequest | None = None) -> Declaration:
    """End a declaration: records made from now on are no longer flagged. It does not free the
    declarant: their own steps about the person still need a second person (``declared_by``)."""
    if declaration.declarant_id != by.pk:
        raise PermissionDenied(_("Only the person who made a declaration can withdraw it."))
    with transaction.atomic():
        locked = Declaration.objects.select_for_update(no_key=True).get(pk=declaration.pk)
        if locked.ended_at is not None:
            raise SupervisionError(_("This declaration was already withdrawn."), code="declaration_withdrawn")
        locked.ended_at = timezone.now()
        locked.save(update_fields=["ended_at"])
        audit_record(actor=by, action=AuditAction.CHANGE, target=locked, changes={"withdrawn": True}, request=request)
    return locked


# --- conflict flags ------------------------------------------------------------------------


def declarations_for(person: Person) -> list[Declaration]:
    """Active declarations naming this person (matched on the register's blind index)."""
    if not person.id_number_index:
        return []
    return list(
        Declaration.objects.filter(id_number_index=person.id_number_index, ended_at__isnull=True).select_related(
            "declarant"
        )
    )


def declared_by(user: User | None, indexes: Iterable[str]) -> bool:
    """Did ``user`` ever declare one of these people (blind indexes)? A withdrawn declaration
    counts: withdrawing one's own declaration must not be a way to act alone (issue #14 F4)."""
    wanted = {index for index in indexes if index}
    if user is None or not user.is_authenticated or not wanted:
        return False
    return Declaration.objects.filter(declarant=user, id_number_index__in=wanted).exists()


def conflict_check(*, kind: str, object_id: int, person: Person | None, by: User | None) -> list[ConflictFlag]:
    """Flag a need, referral or assistance record about a declared relative (called by the
    services that create them, in their transaction). Returns the flags written."""
    if person is None:
        return []
    flags = []
    for declaration in declarations_for(person):
        flag, _created = ConflictFlag.objects.get_or_create(
            kind=kind,
            object_id=object_id,
            declaration=declaration,
            defaults={
                "person": person,
                "region_id": person.region_id,
                "by": by if by is not None and by.is_authenticated else None,
                "by_declarant": by is not None and declaration.declarant_id == by.pk,
            },
        )
        flags.append(flag)
    return flags


def records_flag(*, kind: str, records: Sequence[tuple[int, Person]], by: User | None) -> None:
    """Hook receiver (``beneficiaries.hooks.records_created``): flag needs or assistance records
    about declared relatives, one query for the declarations of a whole import."""
    indexes = {person.id_number_index for _pk, person in records if person.id_number_index}
    if not indexes:
        return
    declared = Declaration.objects.filter(id_number_index__in=indexes, ended_at__isnull=True)
    by_index: dict[str, list[Declaration]] = {}
    for declaration in declared:
        by_index.setdefault(declaration.id_number_index, []).append(declaration)
    author = by if by is not None and by.is_authenticated else None
    flags = [
        ConflictFlag(
            kind=kind,
            object_id=object_id,
            declaration=declaration,
            person=person,
            region_id=person.region_id,
            by=author,
            by_declarant=author is not None and declaration.declarant_id == author.pk,
        )
        for object_id, person in records
        for declaration in by_index.get(person.id_number_index or "", [])
    ]
    ConflictFlag.objects.bulk_create(flags, ignore_conflicts=True)


def recorder_conflicts(*, kind: str, persons: Sequence[Person], by: User | None) -> set[int]:
    """Hook receiver (``beneficiaries.hooks.recorder_conflicts``): the declarant does not record
    government assistance for their own declared relative (needs they log are flagged only)."""
    if kind != FlagKind.ASSISTANCE or by is None or not by.is_authenticated:
        return set()
    indexes = {person.id_number_index for person in persons if person.id_number_index}
    declared = set(
        Declaration.objects.filter(declarant=by, id_number_index__in=indexes).values_list("id_number_index", flat=True)
    )
    return {person.pk for person in persons if person.id_number_index in declared}


def referral_conflict_check_create(*, referral: Referral, by: User) -> None:
    """On creating a referral: flag it, and when its maker declared the person (now or before),
    open the request for a second caseworker's approval."""
    flags = conflict_check(kind=FlagKind.REFERRAL, object_id=referral.pk, person=referral.person, by=by)
    if referral.direction != Direction.TO_CHARITY:
        return
    if any(flag.by_declarant for flag in flags) or declared_by(by, [referral_id_index(referral)]):
        ReferralApproval.objects.get_or_create(referral=referral, defaults={"requested_by": by})


def _open_approvals_for_drafts(declaration: Declaration) -> None:
    """Drafts the declarant already made for the person wait for a second approval too."""
    from cases.models import Referral, ReferralStatus

    drafts = Referral.objects.filter(
        person__id_number_index=declaration.id_number_index,
        created_by=declaration.declarant,
        status=ReferralStatus.DRAFT,
    ).select_related("person")
    for referral in drafts:
        referral_conflict_check_create(referral=referral, by=declaration.declarant)


def referral_conflict_check_send(*, referral: Referral, by: User) -> None:
    """Before a referral to a charity is sent: once a second approval was asked for, or when the
    sender ever declared the person, it goes only with another caseworker's approval. Withdrawing
    the declaration in between changes nothing: the referral still needs its second person."""
    if referral.person is None or referral.direction != Direction.TO_CHARITY:
        return
    conflict_check(kind=FlagKind.REFERRAL, object_id=referral.pk, person=referral.person, by=by)
    approval = ReferralApproval.objects.filter(referral=referral).select_related("approved_by").first()
    if approval is None and not declared_by(by, [referral_id_index(referral)]):
        return
    if approval is not None and approval.status == ApprovalStatus.APPROVED and approval.approved_by_id != by.pk:
        return
    if approval is not None and approval.status == ApprovalStatus.REFUSED:
        raise SupervisionError(
            _("%(name)s refused the second approval of this referral: %(note)s. It cannot be sent; withdraw it.")
            % {"name": approval.approved_by.display_name if approval.approved_by else "—", "note": approval.note},
            code="second_approval_refused",
        )
    raise SupervisionError(
        _(
            "You declared %(name)s as your relative or close associate, so you cannot send this referral alone "
            "(严防优亲厚友). Another caseworker of the jurisdiction must approve it first: it is waiting on their "
            "“Second approvals” page. Once approved, send it again."
        )
        % {"name": referral.person.name},
        code="second_approval_required",
    )


# The receiver's steps a declarant may not take about their own relative (issue #14 F4).
CONFLICTED_STEPS: dict[str, frozenset[str]] = {
    Direction.TO_CHARITY: frozenset({"accept", "start", "feedback"}),
    Direction.TO_GOVERNMENT: frozenset({"accept", "start", "decide", "link_person"}),
}


def referral_conflict_check_act(*, referral: Referral, by: User, action: str, person: Person | None = None) -> None:
    """Hook receiver (``cases.hooks.referral_before_act``): someone who declared the person (a
    withdrawn declaration counts) does not accept, help, report on, decide or register them:
    a colleague must."""
    if action not in CONFLICTED_STEPS.get(referral.direction, frozenset()):
        return
    indexes = [referral_id_index(referral), (person.id_number_index or "") if person is not None else ""]
    if not declared_by(by, indexes):
        return
    raise SupervisionError(
        _(
            "You declared the person of referral %(ref)s as your relative or close associate (严防优亲厚友): "
            "you cannot %(action)s it. Ask a colleague to take this step."
        )
        % {"ref": referral.reference, "action": CONFLICTED_STEP_LABELS.get(action, action)},
        code="conflict_of_interest",
    )


CONFLICTED_STEP_LABELS = {
    "accept": gettext_lazy("accept"),
    "start": gettext_lazy("start helping with"),
    "feedback": gettext_lazy("report on"),
    "decide": gettext_lazy("decide"),
    "link_person": gettext_lazy("link to the register"),
}


def referral_approval_request(*, referral: Referral, by: User) -> ReferralApproval:
    """Ask for a second approval (for a draft made before the declaration, for example)."""
    approval, _created = ReferralApproval.objects.get_or_create(referral=referral, defaults={"requested_by": by})
    return approval


def _lock_for_decision(approval: ReferralApproval, by: User) -> ReferralApproval:
    if not can_approve(by):
        raise PermissionDenied(_("Only civil affairs caseworkers approve referrals."))
    locked = (
        ReferralApproval.objects.select_for_update(of=("self",), no_key=True)
        .select_related("referral__person")
        .get(pk=approval.pk)
    )
    person = locked.referral.person
    if locked.requested_by_id == by.pk:
        raise SupervisionError(_("You asked for this approval; another caseworker must give it."), code="approval_self")
    if person is not None and declared_by(by, [person.id_number_index or ""]):
        raise SupervisionError(
            _(
                "You also declared %(name)s as your relative or close associate; a caseworker with no such tie must approve."
            )
            % {"name": person.name},
            code="approval_conflicted",
        )
    if locked.status != ApprovalStatus.PENDING:
        raise SupervisionError(
            _("This referral was already %(status)s by %(name)s.")
            % {
                "status": locked.get_status_display(),
                "name": locked.approved_by.display_name if locked.approved_by else "—",
            },
            code="approval_done",
        )
    return locked


def referral_approval_grant(
    *, approval: ReferralApproval, by: User, note: str = "", request: HttpRequest | None = None
) -> ReferralApproval:
    """A second caseworker approves. The caller fetched the approval through
    ``approval_for_user`` (404 outside the jurisdiction)."""
    return _decide(approval=approval, by=by, status=ApprovalStatus.APPROVED, note=note, request=request)


def referral_approval_refuse(
    *, approval: ReferralApproval, by: User, note: str, request: HttpRequest | None = None
) -> ReferralApproval:
    """复核审批 驳回: a second caseworker refuses; the referral cannot be sent (its maker withdraws it)."""
    if len(note.strip()) < 4:
        raise ValidationError({"note": [_("Say why the referral is refused (at least 4 characters).")]})
    return _decide(approval=approval, by=by, status=ApprovalStatus.REFUSED, note=note, request=request)


def _decide(
    *, approval: ReferralApproval, by: User, status: str, note: str, request: HttpRequest | None
) -> ReferralApproval:
    with transaction.atomic():
        locked = _lock_for_decision(approval, by)
        locked.status = status
        locked.approved_by, locked.approved_at, locked.note = by, timezone.now(), note.strip()
        locked.save(update_fields=["status", "approved_by", "approved_at", "note"])
        audit_record(
            actor=by,
            action=AuditAction.STATUS,
            target=locked.referral,
            changes={"second_approval": status},
            reason=locked.note,
            request=request,
        )
        if status == ApprovalStatus.REFUSED:
            _tell_requester_refused(locked)
    return locked


def _tell_requester_refused(approval: ReferralApproval) -> None:
    from cases.notifications import notify

    notify(
        recipients=[approval.requested_by],
        kind="approval_refused",
        title=text(N_("Referral %(ref)s: second approval refused"), ref=approval.referral.reference),
        body=approval.note,
        referral=approval.referral,
    )
