"""Making and sending referrals: creation in both directions, the consent gate at sending,
the office's decision, consent revocation, referring again and linking to the register.
The rest of a referral's life is in ``cases.services.lifecycle``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from accounts.models import User
from beneficiaries.crypto import encrypt, mask_id_number, mask_phone
from beneficiaries.models import (
    OPEN_NEED_STATUSES,
    Consent,
    ConsentField,
    ConsentPurpose,
    Need,
    NeedStatus,
    Person,
    Programme,
    Urgency,
)
from beneficiaries.selectors import (
    consent_allowed_fields,
    consent_in_force,
    consent_is_in_force,
    consents_in_force,
    persons_visible_to,
)
from beneficiaries.services.emergencies import needs_mark_picked_up
from cases.government import checked_id_number
from cases.hooks import referral_conflict_check_act, referral_conflict_check_create, referral_conflict_check_send
from cases.models import (
    ACTIVE_STATUSES,
    OPEN_STATUSES,
    Direction,
    Referral,
)
from cases.permissions import RECEIVER, can_create_to_charity, can_create_to_government, require_side
from cases.selectors import referrals_visible_to, response_hours
from cases.services.lifecycle import withdraw_locked
from cases.transitions import (
    REFERRER,
    Message,
    ReferralError,
    S,
    add_event,
    check_transition,
    grant_access,
    lock_referral,
    move,
    needs_to,
    revoke_access,
    tell_both_sides,
    tell_side,
)
from charities.models import Resource
from core.codes import AssistanceStatus
from core.models import Organization, OrganizationKind, Region
from core.texts import text, words_joined

# Statuses that qualify a person for the simplified procedure (SPEC rule 3).
FAST_TRACK_STATUSES = frozenset(
    {
        AssistanceStatus.DIBAO,
        AssistanceStatus.TEKUN,
        AssistanceStatus.ORPHAN,
        AssistanceStatus.DE_FACTO_UNSUPPORTED_CHILD,
    }
)


# --- creating --------------------------------------------------------------------------
def _check_fields(fields: Iterable[str]) -> list[str]:
    fields = list(dict.fromkeys(fields))
    unknown = [f for f in fields if f not in ConsentField.values]
    if unknown:
        raise ValidationError({"shared_fields": _("Unknown fields: %(codes)s.") % {"codes": ", ".join(unknown)}})
    return fields


def referral_create_to_charity(
    *,
    by: User,
    person: Person,
    to_organization: Organization,
    needs: Iterable[Need] = (),
    consent: Consent | None = None,
    shared_fields: Iterable[str] = (),
    urgency: str = "",
    fast_track: bool = False,
    resource: Resource | None = None,
    note: str = "",
    previous: Referral | None = None,
) -> Referral:
    """A draft referral of a person in the caseworker's jurisdiction to a charity."""
    if not can_create_to_charity(by):
        raise PermissionDenied(_("Only civil affairs caseworkers refer people to charities."))
    from_organization = by.organization
    if from_organization is None:
        raise PermissionDenied(_("Only civil affairs caseworkers refer people to charities."))
    if not persons_visible_to(by).filter(pk=person.pk).exists():
        raise ValidationError({"person": _("This person is not in your jurisdiction.")})
    errors: dict[str, Any] = {}
    if to_organization.is_government or not to_organization.is_active:
        errors["to_organization"] = _("Choose an active charity or other supplying organization.")
    needs = list(needs)
    if any(n.person_id != person.pk for n in needs):
        errors["needs"] = _("Every need must be this person's.")
    elif any(n.status not in OPEN_NEED_STATUSES for n in needs):
        errors["needs"] = _("Only open needs can be referred.")
    if consent is not None and consent.person_id != person.pk:
        errors["consent"] = _("This consent is another person's.")
    if resource is not None and resource.organization_id != to_organization.pk:
        errors["resource"] = _("The resource must be one of the receiving organization's.")
    if urgency and urgency not in Urgency.values:
        errors["urgency"] = _("Unknown urgency.")
    if fast_track and not FAST_TRACK_STATUSES.intersection(person.assistance_statuses):
        errors["fast_track"] = _(
            "The simplified procedure is for recognised low-income people, destitute people, orphans and de facto unsupported children."
        )
    try:
        fields = _check_fields(shared_fields)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        fields = []
    if errors:
        raise ValidationError(errors)
    if not urgency:
        order: list[str] = [Urgency.ROUTINE, Urgency.URGENT, Urgency.EMERGENCY]
        urgency = max((n.urgency for n in needs), key=order.index, default=Urgency.ROUTINE)
    with transaction.atomic():
        referral = Referral.objects.create(
            direction=Direction.TO_CHARITY,
            person=person,
            region_id=person.region_id,
            from_organization=from_organization,
            to_organization=to_organization,
            consent=consent,
            shared_fields=fields,
            urgency=urgency,
            fast_track=fast_track,
            resource=resource,
            note=note.strip(),
            previous=previous,
            created_by=by,
        )
        referral.needs.set(needs)
        needs_mark_picked_up(need_ids=[need.pk for need in needs], by=by)  # 救急难: the caseworker acted
        add_event(referral, action="create", by=by, data={"previous": previous.pk} if previous else None)
        referral_conflict_check_create(referral=referral, by=by)  # 严防优亲厚友 (issue #7)
    return referral


def office_for_region(region: Region) -> Organization | None:
    """The civil affairs office that receives referrals about people living in ``region``:
    the township office if there is one, else the county bureau."""
    codes = [*region.ancestor_codes(), region.code]
    township = [c for c in codes if c.endswith("000") and not c.endswith("000000")]
    counties = [c for c in codes if c.endswith("000000") and not c.endswith("00000000")]
    for kind, candidates in (
        (OrganizationKind.TOWNSHIP_OFFICE, township),
        (OrganizationKind.CIVIL_AFFAIRS_BUREAU, counties),
    ):
        office = (
            Organization.objects.filter(kind=kind, region_id__in=candidates, is_active=True)
            .order_by("-region_id", "id")
            .first()
        )
        if office is not None:
            return office
    return None


def referral_create_to_government(
    *,
    by: User,
    person: Person | None = None,
    person_details: dict[str, Any] | None = None,
    to_organization: Organization | None = None,
    urgency: str = Urgency.ROUTINE,
    note: str = "",
) -> Referral:
    """A charity's draft referral to government: someone it found who may qualify."""
    from_organization = by.organization
    if not can_create_to_government(by) or from_organization is None:
        raise PermissionDenied(_("Only charity staff refer people to government."))
    errors: dict[str, Any] = {}
    details: dict[str, Any] = {}
    region: Region | None = None
    consent: Consent | None = None
    if person is not None:
        if not referrals_visible_to(by).filter(person=person, status__in=ACTIVE_STATUSES).exists():
            raise ValidationError(
                {"person": _("You can only refer a registered person you are helping through a referral.")}
            )
        region = person.region
        # What the charity knew when it referred, frozen: it never reads the register (finding 16).
        details = {"name": person.name, "region": region.code, "region_name": region.name}
        # The person agreed that this charity passes them on to government (purpose government_referral).
        consent = consent_in_force(
            person=person, purpose=ConsentPurpose.GOVERNMENT_REFERRAL, recipient=from_organization
        )
        if consent is None:
            errors["person"] = _(
                "%(name)s has not consented to being referred to government by your organization; ask the civil "
                "affairs office to record that consent first."
            ) % {"name": person.name}
    else:
        raw = person_details or {}
        name = str(raw.get("name", "")).strip()
        if not name:
            errors["person_details"] = _("Give at least the person's name and region.")
        region = Region.objects.filter(code=str(raw.get("region", "")).strip()).first()
        if region is None:
            errors["person_details"] = _("Give at least the person's name and region (a region code).")
        try:  # 18 characters and the check digit, as in the register (issue #13)
            id_number, id_index = checked_id_number(raw.get("id_number"))
        except ValidationError as error:
            errors.update(error.message_dict)
            id_number, id_index = "", ""
        phone = str(raw.get("phone", "") or "").strip()
        details = {
            "name": name,
            "region": region.code if region else "",
            "region_name": region.name if region else "",
            "address": str(raw.get("address", "") or "").strip()[:300],
        }
        # Sensitive values are kept encrypted with a masked copy, as in the register.
        if id_number:
            details |= {
                "id_number_masked": mask_id_number(id_number),
                "id_number_encrypted": encrypt(id_number),
                "id_number_index": id_index,  # finds other referrals about the same person
            }
        if phone:
            details |= {"phone_masked": mask_phone(phone), "phone_encrypted": encrypt(phone)}
    if urgency not in Urgency.values:
        errors["urgency"] = _("Unknown urgency.")
    if not note.strip():
        errors["note"] = _("Say why this person may qualify for government assistance.")
    if errors:
        raise ValidationError(errors)
    assert region is not None  # noqa: S101 - errors above would have raised
    if to_organization is None:
        to_organization = office_for_region(region)
        if to_organization is None:
            raise ValidationError(
                {"to_organization": _("No civil affairs office is registered for this region; choose one.")}
            )
    elif not to_organization.is_government or to_organization.kind == OrganizationKind.SERVICE_STATION:
        raise ValidationError({"to_organization": _("Choose a civil affairs bureau or township office.")})
    with transaction.atomic():
        referral = Referral.objects.create(
            direction=Direction.TO_GOVERNMENT,
            person=person,
            person_details=details,
            consent=consent,  # revoking or expiry withdraws it (SPEC rule 2)
            region=region,
            from_organization=from_organization,
            to_organization=to_organization,
            urgency=urgency,
            note=note.strip(),
            created_by=by,
        )
        add_event(referral, action="create", by=by)
        referral_conflict_check_create(referral=referral, by=by)  # 严防优亲厚友 (issue #7)
    return referral


# --- the transitions --------------------------------------------------------------------
class ConsentFieldsNotCovered(ReferralError):
    """A consent is in force for the organization but not for every field shared: ``fields``
    are the ones it lacks, so a page can offer to share without them (issue 15)."""

    def __init__(self, message: str, *, fields: list[str]) -> None:
        super().__init__(message, code="consent_missing")
        self.fields = fields


def _consent_for_sending(referral: Referral, now: datetime) -> tuple[Consent, list[str]]:
    """The consent gate (SPEC rule 1): a consent in force for this organization (or the
    network), for charity referral, covering every field shared."""
    person = referral.person
    assert person is not None  # noqa: S101 - to_charity always names a person
    allowed = consent_allowed_fields(
        organization=referral.to_organization, person=person, purpose=ConsentPurpose.CHARITY_REFERRAL, at=now
    )
    purpose, receiver = ConsentPurpose.CHARITY_REFERRAL, referral.to_organization
    candidates = (
        [referral.consent]
        if referral.consent is not None
        else consents_in_force(person=person, purpose=purpose, recipient=receiver, at=now)
    )
    shortest: list[str] = []  # the fewest fields a consent in force lacks (issue 15: name them)
    labels = dict(ConsentField.choices)
    for consent in candidates:
        if not consent_is_in_force(consent, purpose=purpose, recipient=receiver, at=now):
            continue
        covered = set(consent.fields) & allowed
        fields = list(referral.shared_fields) or sorted(covered)
        if fields and set(fields) <= covered:
            return consent, fields
        missing = sorted(set(fields) - covered)
        if referral.consent is not None:
            raise ConsentFieldsNotCovered(
                _("The consent does not cover these fields: %(fields)s. Share fewer fields or record a new consent.")
                % {"fields": words_joined(labels.get(f, f) for f in missing)},
                fields=missing,
            )
        if missing and (not shortest or len(missing) < len(shortest)):
            shortest = missing
    if shortest:
        raise ConsentFieldsNotCovered(
            _("The person's consent does not include: %(fields)s.")
            % {"fields": words_joined(labels.get(f, f) for f in shortest)},
            fields=shortest,
        )
    raise ReferralError(
        _(
            "%(name)s has no consent in force that lets us share their details with %(org)s for a charity referral. Record the person's consent first."
        )
        % {"name": person.name, "org": referral.to_organization.name},
        code="consent_missing",
    )


def _deadline(referral: Referral, now: datetime) -> datetime:
    return now + timedelta(hours=response_hours(referral.urgency, referral.fast_track))


def referral_send(*, referral: Referral, by: User, now: datetime | None = None) -> Referral:
    with transaction.atomic():
        now = now or timezone.now()
        referral = lock_referral(referral)
        check_transition("send", referral, by)
        if referral.direction == Direction.TO_CHARITY:
            referral_conflict_check_send(referral=referral, by=by)  # a declared relative: second approval first
        extra = ["sent_at", "respond_by"]
        if referral.direction == Direction.TO_CHARITY:
            consent, fields = _consent_for_sending(referral, now)
            referral.consent, referral.shared_fields = consent, fields
            extra += ["consent", "shared_fields"]
        referral.sent_at, referral.respond_by = now, _deadline(referral, now)
        move(referral, action="send", by=by, extra=extra, data={"respond_by": referral.respond_by.isoformat()})
        if referral.direction == Direction.TO_CHARITY:
            grant_access(referral)
            needs_to(referral, NeedStatus.REFERRED, by=by, note=referral.reference)
        answer_by = text(
            N_("Please answer by %(when)s."), when=timezone.localtime(referral.respond_by).strftime("%Y-%m-%d %H:%M")
        )
        tell_both_sides(
            referral,
            kind="sent",
            referrer=Message(text(N_("sent to %(org)s"), org=referral.to_organization.name)),
            receiver=Message(text(N_("new referral from %(org)s"), org=referral.from_organization.name), answer_by),
            by=by,
        )
        return referral


def referral_decide(*, referral: Referral, by: User, eligible: bool, programme: str = "", reason: str = "") -> Referral:
    """The office's decision on a referral to government; the referring charity is told either way."""
    with transaction.atomic():
        if eligible and programme not in Programme.values:
            raise ValidationError({"programme": _("Choose the programme the person qualifies for.")})
        if not eligible and not reason.strip():
            raise ValidationError({"reason": _("Say why the person does not qualify, so the charity can tell them.")})
        referral = lock_referral(referral)
        check_transition("decide", referral, by)
        referral.eligible, referral.programme, referral.decision_reason = (
            eligible,
            programme if eligible else "",
            reason.strip(),
        )
        move(
            referral,
            action="decide",
            by=by,
            reason=reason.strip(),
            extra=["eligible", "programme", "decision_reason"],
            data={"eligible": eligible, "programme": referral.programme},
        )
        what = (
            text(N_("eligible for %(programme)s"), programme=Programme(programme))
            if eligible
            else text(N_("not eligible"))
        )
        tell_both_sides(
            referral,
            kind="decided",
            referrer=Message(what, reason.strip()),
            receiver=Message(what, reason.strip()),
            by=by,
        )
        return referral


def referrals_withdraw_for_consent(*, consent: Consent, by: User | None, reason: str) -> int:
    """Consent revoked (SPEC rule 2): withdraw every open referral under it at once and end
    the receiving organizations' sight of the person. Call it from ``consent_revoke``."""
    with transaction.atomic():
        count = 0
        reason = reason.strip() or _("The person revoked their consent.")
        for referral in Referral.objects.select_for_update(no_key=True).filter(consent=consent).order_by("id"):
            if referral.status in (S.DRAFT, *OPEN_STATUSES):
                withdraw_locked(referral, by=by, reason=reason, data={"consent_revoked": consent.pk})
                count += 1
            elif referral.status in (S.COMPLETED, S.CLOSED):
                revoke_access(referral)
                referral.visible_until = timezone.now()
                referral.save(update_fields=["visible_until", "updated_at"])
                add_event(referral, action="access_ended", by=by, from_status=referral.status, reason=reason)
        return count


def referral_rerefer(
    *, referral: Referral, by: User, to_organization: Organization, consent: Consent | None = None, reason: str = ""
) -> Referral:
    """Refer a declined or expired case to another organization in one step, keeping the history."""
    with transaction.atomic():
        old = lock_referral(referral)
        check_transition("rerefer", old, by)
        if old.rereferred:
            raise ReferralError(_("This referral was already referred again."), code="referral_already_rereferred")
        if to_organization.pk == old.to_organization_id:
            raise ValidationError(
                {"to_organization": _("Choose another organization than the one that did not take the case.")}
            )
        if old.direction == Direction.TO_CHARITY:
            assert old.person is not None  # noqa: S101
            new = referral_create_to_charity(
                by=by,
                person=old.person,
                to_organization=to_organization,
                needs=[n for n in old.needs.all() if n.status in OPEN_NEED_STATUSES],
                consent=consent,
                shared_fields=old.shared_fields
                if consent is None or set(old.shared_fields) <= set(consent.fields)
                else (),
                urgency=old.urgency,
                fast_track=old.fast_track,
                note=old.note,
                previous=old,
            )
        else:
            new = referral_create_to_government(
                by=by,
                person=old.person,
                person_details=None if old.person else old.person_details,
                to_organization=to_organization,
                urgency=old.urgency,
                note=old.note,
            )
            new.previous = old
            new.person_details = old.person_details
            new.save(update_fields=["previous", "person_details"])
        old.rereferred = True
        old.save(update_fields=["rereferred", "updated_at"])
        add_event(
            old, action="rerefer", by=by, from_status=old.status, reason=reason.strip(), data={"new_referral": new.pk}
        )
        return referral_send(referral=new, by=by)


def referral_link_person(*, referral: Referral, by: User, person: Person) -> Referral:
    """To government: once the office has verified the details and registered the person, the
    referral names the register's person (the charity's details stay as they were sent)."""
    with transaction.atomic():
        referral = lock_referral(referral)
        require_side(by, referral, RECEIVER)
        if referral.direction != Direction.TO_GOVERNMENT:
            raise ReferralError(
                _("Only a referral to government is linked to the register this way."), code="referral_wrong_direction"
            )
        if referral.person_id is not None:
            raise ReferralError(_("This referral already names a registered person."), code="referral_person_linked")
        if referral.status not in (S.ACCEPTED, S.IN_PROGRESS, S.COMPLETED):
            raise ReferralError(
                _("Accept the referral before linking it to the register."), code="referral_wrong_status"
            )
        if not persons_visible_to(by).filter(pk=person.pk).exists():
            raise ValidationError({"person": _("This person is not in your jurisdiction.")})
        referral_conflict_check_act(referral=referral, by=by, action="link_person", person=person)
        referral.person = person
        referral.region_id = person.region_id
        referral.save(update_fields=["person", "region", "updated_at"])
        add_event(referral, action="link_person", by=by, from_status=referral.status, data={"person": person.pk})
        tell_side(
            referral,
            side=REFERRER,
            kind="registered",
            message=Message(text(N_("verified and entered in the register"))),
            by=by,
        )
        return referral
