"""Supervision writes: complaint handling, declarations, conflict flags and second approvals."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from audit.models import AuditAction
from audit.services import audit_record
from beneficiaries.crypto import blind_index, mask_id_number
from beneficiaries.validators import parse_id_number
from charities.models import Complaint, ComplaintStatus
from core.errors import ReferralHubError
from supervision.models import (
    ApprovalStatus,
    ComplaintEvent,
    ConflictFlag,
    Declaration,
    FlagKind,
    ReferralApproval,
    Relationship,
)

if TYPE_CHECKING:
    from beneficiaries.models import Person
    from cases.models import Referral


class SupervisionError(ReferralHubError):
    code = "supervision_conflict"


# --- complaints ----------------------------------------------------------------------------

COMPLAINT_STEPS: dict[str, tuple[str, str]] = {
    # action: (from status, to status)
    "investigate": (ComplaintStatus.RECEIVED, ComplaintStatus.INVESTIGATING),
    "conclude": (ComplaintStatus.INVESTIGATING, ComplaintStatus.CONCLUDED),
}


def can_handle_complaints(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role == Role.SUPERVISOR and user.jurisdiction_id)


def complaint_next_step(complaint: Complaint) -> str | None:
    for action, (source, _target) in COMPLAINT_STEPS.items():
        if complaint.status == source:
            return action
    return None


def complaint_move(
    *, complaint: Complaint, by: User, to_status: str, conclusion: str = "", request: HttpRequest | None = None
) -> Complaint:
    """received → investigating → concluded (with a conclusion); each step timestamped and audited.

    The caller has fetched the complaint through ``complaint_for_user`` (404 outside the county).
    """
    if not can_handle_complaints(by):
        raise PermissionDenied(_("Only supervisors of the county handle complaints."))
    if to_status not in ComplaintStatus.values:
        raise ValidationError({"status": [_("Unknown status. Use investigating or concluded.")]})
    conclusion = conclusion.strip()
    with transaction.atomic():
        locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
        source = {target: src for src, target in COMPLAINT_STEPS.values()}.get(to_status)
        if source is None or locked.status != source:
            raise SupervisionError(
                _(
                    "This complaint is “%(status)s”; it cannot be moved to “%(target)s”. A complaint goes from "
                    "received to investigating, then to concluded. Reload the page to see its current state."
                )
                % {"status": locked.get_status_display(), "target": ComplaintStatus(to_status).label},
                code="complaint_wrong_step",
            )
        if to_status == ComplaintStatus.CONCLUDED:
            if len(conclusion) < 5:
                raise ValidationError(
                    {
                        "conclusion": [
                            _("Write the conclusion: what was found and what was done (at least 5 characters).")
                        ]
                    }
                )
            locked.conclusion = conclusion
        previous = locked.status
        locked.status = to_status
        locked.save(update_fields=["status", "conclusion", "updated_at"])
        ComplaintEvent.objects.create(
            complaint=locked, from_status=previous, to_status=to_status, note=conclusion, by=by
        )
        audit_record(
            actor=by,
            action=AuditAction.STATUS,
            target=locked,
            changes={"status": [previous, to_status]},
            reason=conclusion,
            request=request,
        )
    return locked


# --- declarations --------------------------------------------------------------------------

DECLARING_ROLES = frozenset({Role.CASEWORKER, Role.STATION_WORKER, Role.CHARITY_STAFF, Role.SUPERVISOR})


def can_declare(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role in DECLARING_ROLES)


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
    if declaration.declarant_id != by.pk:
        raise PermissionDenied(_("Only the person who made a declaration can withdraw it."))
    with transaction.atomic():
        locked = Declaration.objects.select_for_update().get(pk=declaration.pk)
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


def referral_conflict_check_create(*, referral: Referral, by: User) -> None:
    """On creating a referral: flag it, and when its maker declared the person, open the request
    for a second caseworker's approval."""
    flags = conflict_check(kind=FlagKind.REFERRAL, object_id=referral.pk, person=referral.person, by=by)
    if any(flag.by_declarant for flag in flags):
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
    """Before a referral to a charity is sent: a caseworker who declared the person cannot send it
    alone; another caseworker of the jurisdiction must have approved it first."""
    if referral.person is None:
        return
    declarations = declarations_for(referral.person)
    conflict_check(kind=FlagKind.REFERRAL, object_id=referral.pk, person=referral.person, by=by)
    if not any(d.declarant_id == by.pk for d in declarations):
        return
    approval = ReferralApproval.objects.filter(referral=referral).first()
    if approval is not None and approval.status == ApprovalStatus.APPROVED and approval.approved_by_id != by.pk:
        return
    raise SupervisionError(
        _(
            "You declared %(name)s as your relative or close associate, so you cannot send this referral alone "
            "(严防优亲厚友). Another caseworker of the jurisdiction must approve it first: it is waiting on their "
            "“Second approvals” page. Once approved, send it again."
        )
        % {"name": referral.person.name},
        code="second_approval_required",
    )


def referral_approval_request(*, referral: Referral, by: User) -> ReferralApproval:
    """Ask for a second approval (for a draft made before the declaration, for example)."""
    approval, _created = ReferralApproval.objects.get_or_create(referral=referral, defaults={"requested_by": by})
    return approval


def can_approve(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role == Role.CASEWORKER and user.jurisdiction_id)


def referral_approval_grant(
    *, approval: ReferralApproval, by: User, note: str = "", request: HttpRequest | None = None
) -> ReferralApproval:
    """A second caseworker approves. The caller fetched the approval through
    ``approval_for_user`` (404 outside the jurisdiction)."""
    if not can_approve(by):
        raise PermissionDenied(_("Only civil affairs caseworkers approve referrals."))
    with transaction.atomic():
        locked = (
            ReferralApproval.objects.select_for_update(of=("self",))
            .select_related("referral__person")
            .get(pk=approval.pk)
        )
        person = locked.referral.person
        if locked.requested_by_id == by.pk:
            raise SupervisionError(
                _("You asked for this approval; another caseworker must give it."), code="approval_self"
            )
        if person is not None and any(d.declarant_id == by.pk for d in declarations_for(person)):
            raise SupervisionError(
                _(
                    "You also declared %(name)s as your relative or close associate; a caseworker with no such tie must approve."
                )
                % {"name": person.name},
                code="approval_conflicted",
            )
        if locked.status != ApprovalStatus.PENDING:
            raise SupervisionError(
                _("This referral was already approved by %(name)s.")
                % {"name": locked.approved_by.display_name if locked.approved_by else "—"},
                code="approval_done",
            )
        locked.status = ApprovalStatus.APPROVED
        locked.approved_by, locked.approved_at, locked.note = by, timezone.now(), note.strip()
        locked.save(update_fields=["status", "approved_by", "approved_at", "note"])
        audit_record(
            actor=by,
            action=AuditAction.STATUS,
            target=locked.referral,
            changes={"second_approval": "approved"},
            reason=locked.note,
            request=request,
        )
    return locked
