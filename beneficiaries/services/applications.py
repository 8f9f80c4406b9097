"""Online applications from the public (在线申请, SPEC rule 14): no account, so every limit is here,
where the page and the API both pass (address and phone throttles, sizes, repeats).

An application becomes one need per category (source ``online``) in the region the person names
(a township or a village: its station's need list), with a time to call back, and a consent
record (method ``online``, the consent text's version). Nothing the register holds is shown back:
the answer is the reference number and what happens next.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.models import AuditAction
from audit.services import audit_record
from beneficiaries import consent_texts
from beneficiaries.crypto import blind_index, mask_id_number, mask_phone
from beneficiaries.models import (
    OPEN_NEED_STATUSES,
    ApplicantKind,
    ConsentField,
    ConsentMethod,
    ConsentPurpose,
    Household,
    Need,
    NeedSource,
    OnlineApplication,
    Person,
    RecipientScope,
    Relation,
    Urgency,
)
from beneficiaries.permissions import require_write
from beneficiaries.selectors import needs_visible_to
from beneficiaries.services.common import RegisterError
from beneficiaries.services.consent import consent_grant
from beneficiaries.services.needs import need_log
from beneficiaries.services.persons import check_identity
from beneficiaries.texting import text_person
from beneficiaries.validators import validate_phone
from core.codes import NeedCategory
from core.errors import ReferralHubError
from core.models import Region, RegionLevel
from core.rate_limits import rate_limit_hit
from core.references import APPLICATION_PREFIX, reference_new
from core.validators import visible_text_error

NAME_MAX = 50
ADDRESS_MAX = 200
WHAT_HAPPENED_MIN, WHAT_HAPPENED_MAX = 10, 1000
CATEGORIES_MAX = 4
HOUSEHOLD_MAX = 20
APPLICANT_MIN_AGE = 16
CONSENT_FIELDS = [
    ConsentField.NAME,
    ConsentField.GENDER,
    ConsentField.BIRTH_DATE,
    ConsentField.PHONE,
    ConsentField.ADDRESS,
]
CONSENT_PURPOSES = [ConsentPurpose.CHARITY_REFERRAL, ConsentPurpose.MATCHING, ConsentPurpose.FOLLOW_UP]


class ApplicationThrottled(ReferralHubError):
    """Too many applications from one address or one phone: the page and the API answer 429."""

    code = "application_throttled"


@dataclass(frozen=True)
class ApplicationReceipt:
    reference: str
    already_received: bool
    call_back_hours: int


def call_back_hours(urgency: str) -> int:
    hours: dict[str, int] = settings.APPLICATION_CALL_BACK_HOURS
    return hours.get(urgency, hours["routine"])


def _check(
    *,
    name: str,
    id_number: str,
    applicant_kind: str,
    household_size: int | None,
    region: Region | None,
    address: str,
    what_happened: str,
    categories: list[str],
    urgency: str,
    phone: str,
    consent_version: str,
    agrees: bool,
) -> tuple[str, str, list[str], str]:
    """Every field at once; returns (ID number, ID index, categories, phone) or raises the errors."""
    errors: dict[str, list[str]] = {}
    name = name.strip()
    if not name:
        errors["name"] = [_("Enter your name as on your ID card.")]
    elif len(name) > NAME_MAX:
        errors["name"] = [_("The name is longer than %(limit)d characters.") % {"limit": NAME_MAX}]
    elif (invisible := visible_text_error(name)) is not None:
        errors["name"] = [invisible]
    identity = None
    try:
        identity = check_identity(id_number)
    except ValidationError as error:
        errors.update({key: list(value) for key, value in error.message_dict.items()})
    if identity is not None:
        today = timezone.localdate()
        born = identity.birth_date
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        if age < APPLICANT_MIN_AGE:
            errors["id_number"] = [
                _(
                    "The applicant must be at least %(age)d. To apply for a child, enter your own details "
                    "and choose “For my family”."
                )
                % {"age": APPLICANT_MIN_AGE}
            ]
    if applicant_kind not in ApplicantKind.values:
        errors["applicant_kind"] = [_("Choose whether you apply for yourself or for your family.")]
    elif applicant_kind == ApplicantKind.FAMILY and not (household_size and 1 <= household_size <= HOUSEHOLD_MAX):
        errors["household_size"] = [
            _("Enter how many people live in your household (1 to %(limit)d).") % {"limit": HOUSEHOLD_MAX}
        ]
    if region is None or region.level not in (RegionLevel.TOWNSHIP, RegionLevel.VILLAGE):
        errors["region"] = [_("Choose your township (street) or village (community) from the list.")]
    if len(address.strip()) > ADDRESS_MAX:
        errors["address"] = [_("The address is longer than %(limit)d characters.") % {"limit": ADDRESS_MAX}]
    told = what_happened.strip()
    if len(told) < WHAT_HAPPENED_MIN:
        errors["what_happened"] = [
            _("Tell us what happened in at least %(limit)d characters.") % {"limit": WHAT_HAPPENED_MIN}
        ]
    elif len(told) > WHAT_HAPPENED_MAX:
        errors["what_happened"] = [
            _("Please keep it under %(limit)d characters; the station will call you for the rest.")
            % {"limit": WHAT_HAPPENED_MAX}
        ]
    chosen = list(dict.fromkeys(categories))
    if not chosen:
        errors["categories"] = [_("Choose what you need (at least one).")]
    elif len(chosen) > CATEGORIES_MAX:
        errors["categories"] = [_("Choose at most %(limit)d kinds of help.") % {"limit": CATEGORIES_MAX}]
    elif unknown := [c for c in chosen if c not in NeedCategory.values]:
        errors["categories"] = [_("Unknown kind of help: %(codes)s.") % {"codes": ", ".join(unknown)[:100]}]
    if urgency not in Urgency.values:
        errors["urgency"] = [_("Say how urgent it is.")]
    clean_phone = ""
    try:
        clean_phone = validate_phone(phone)
    except ValidationError as error:
        errors["phone"] = list(error.messages)
    if not clean_phone and "phone" not in errors:
        errors["phone"] = [_("Enter a phone number: the station calls you back on it.")]
    if consent_version not in consent_texts.TEXTS:
        errors["consent_version"] = [_("The consent text has changed. Reload the page and read it again.")]
    elif not agrees:
        errors["agrees"] = [_("The station can only handle the application if you agree to the consent text.")]
    if errors:
        raise ValidationError(errors)
    assert identity is not None  # noqa: S101 - errors above would have raised
    return identity.id_number, identity.index, chosen, clean_phone


def _throttle(scope: str, ident: str, *, limit: int, window_seconds: int, message: str) -> None:
    if rate_limit_hit(scope, ident, limit=limit, window_seconds=window_seconds):
        raise ApplicationThrottled(message, code="application_throttled")


def _open_application_like(*, categories: list[str], phone_index: str, id_index: str) -> tuple[Need | None, bool]:
    """An open need of an online application with one of these categories for the same phone
    (→ the same reference) or the same ID number from another phone; and whether the phone matched."""
    open_needs = Need.objects.filter(
        application__isnull=False, status__in=OPEN_NEED_STATUSES, category__in=categories
    ).select_related("application")
    same_phone = open_needs.filter(application__phone_index=phone_index).order_by("created_at").first()
    if same_phone is not None:
        return same_phone, True
    return open_needs.filter(person__id_number_index=id_index).order_by("created_at").first(), False


def _person_for(
    *, id_number: str, id_index: str, name: str, region: Region, address: str, phone: str, gender: str, born: date
) -> Person:
    """The register's record for this ID number, or a new household and person where they live.
    Nothing of an existing record is changed or shown: the station checks it when it calls back."""
    existing = Person.objects.filter(id_number_index=id_index).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            household = Household.objects.create(
                register_number=reference_new(
                    f"H{region.code[:6]}", taken=lambda n: Household.objects.filter(register_number=n).exists()
                ),
                region=region,
                address=address or region.name,
            )
            person = Person.objects.create(
                household=household,
                relation=Relation.HEAD,
                name=name,
                id_number=id_number,
                id_number_index=id_index,
                id_number_masked=mask_id_number(id_number),
                gender=gender,
                birth_date=born,
                phone=phone,
                phone_masked=mask_phone(phone),
                region=region,
                address=address,
            )
            audit_record(
                actor=None,
                action=AuditAction.CREATE,
                target=person,
                changes={"fields": ["name", "id_number", "phone", "region"], "source": NeedSource.ONLINE},
            )
            return person
    except IntegrityError:  # the same ID number applied twice at once: the other one registered it
        return Person.objects.get(id_number_index=id_index)


def application_submit(
    *,
    name: str,
    id_number: str,
    region: Region | None,
    what_happened: str,
    categories: list[str],
    phone: str,
    consent_version: str,
    agrees: bool,
    applicant_kind: str = ApplicantKind.SELF,
    household_size: int | None = None,
    address: str = "",
    urgency: str = Urgency.ROUTINE,
    may_text: bool = False,
    client: str | None = None,
) -> ApplicationReceipt:
    """File an application from the public; ``client`` is the request's address (core.client_address)."""
    _throttle(
        "apply-address",
        client or "unknown",
        limit=settings.APPLICATION_RATE_PER_ADDRESS_PER_HOUR,
        window_seconds=3600,
        message=_(
            "Too many applications were sent from this network in the last hour. Please try again later, "
            "or call your township's civil affairs station."
        ),
    )
    id_number, id_index, chosen, clean_phone = _check(
        name=name,
        id_number=id_number,
        applicant_kind=applicant_kind,
        household_size=household_size,
        region=region,
        address=address,
        what_happened=what_happened,
        categories=categories,
        urgency=urgency,
        phone=phone,
        consent_version=consent_version,
        agrees=agrees,
    )
    assert region is not None  # noqa: S101 - checked above
    phone_index = blind_index(f"phone:{clean_phone}")
    _throttle(
        "apply-phone",
        phone_index,
        limit=settings.APPLICATION_RATE_PER_PHONE_PER_DAY,
        window_seconds=24 * 3600,
        message=_(
            "Too many applications were sent with this phone number today. The station will call you about "
            "the ones already received; for anything new, please call your township's civil affairs station."
        ),
    )
    hours = call_back_hours(urgency)
    repeated, same_phone = _open_application_like(categories=chosen, phone_index=phone_index, id_index=id_index)
    if repeated is not None and same_phone:
        assert repeated.application is not None  # noqa: S101 - filtered on it
        return ApplicationReceipt(
            reference=repeated.application.reference, already_received=True, call_back_hours=hours
        )
    parsed = check_identity(id_number)
    now = timezone.now()
    with transaction.atomic():
        person = _person_for(
            id_number=id_number,
            id_index=id_index,
            name=name.strip(),
            region=region,
            address=address.strip(),
            phone=clean_phone,
            gender=parsed.gender,
            born=parsed.birth_date,
        )
        consent = consent_grant(
            by=None,
            person=person,
            purposes=[*CONSENT_PURPOSES, *([ConsentPurpose.CONTACT] if may_text else [])],
            recipient_scope=RecipientScope.NETWORK,
            fields=CONSENT_FIELDS,
            method=ConsentMethod.ONLINE,
            granted_at=now,
            expires_at=now + timedelta(days=settings.APPLICATION_CONSENT_DAYS),
            wording_version=consent_version,
        )
        application = OnlineApplication.objects.create(
            reference=reference_new(
                APPLICATION_PREFIX, taken=lambda ref: OnlineApplication.objects.filter(reference=ref).exists()
            ),
            person=person,
            region=region,
            applicant_kind=applicant_kind,
            household_size=household_size if applicant_kind == ApplicantKind.FAMILY else None,
            what_happened=what_happened.strip(),
            categories=chosen,
            urgency=urgency,
            phone=clean_phone,
            phone_masked=mask_phone(clean_phone),
            phone_index=phone_index,
            consent=consent,
            may_text=may_text,
            duplicate_of=repeated.application if repeated is not None else None,
            call_back_by=now + timedelta(hours=hours),
        )
        if repeated is None:  # the same ID number from another phone: no second need, the station sees both
            for category in chosen:
                need_log(
                    by=None,
                    person=person,
                    category=category,
                    description=what_happened.strip(),
                    urgency=urgency,
                    source=NeedSource.ONLINE,
                    region=region,
                    application=application,
                )
        text_person(
            person=person,
            phone=clean_phone,
            template="application_received",
            params={"reference": application.reference, "hours": str(hours)},
            text=_(
                "Your application %(reference)s has been received. The civil affairs station will call you within %(hours)s hours."
            )
            % {"reference": application.reference, "hours": hours},
        )
    return ApplicationReceipt(reference=application.reference, already_received=False, call_back_hours=hours)


def application_called_back(*, by: User, need: Need, request: HttpRequest | None = None) -> OnlineApplication:
    """The station called the applicant back: the public lookup now reads 核实中, the queue stops
    counting down. ``need`` was fetched through ``need_for_user``."""
    require_write(by)
    if need.application_id is None or not needs_visible_to(by).filter(pk=need.pk).exists():
        raise RegisterError(_("This need did not come from an online application."), code="not_an_application")
    application = need.application
    assert application is not None  # noqa: S101
    now = timezone.now()
    with transaction.atomic():
        updated = OnlineApplication.objects.filter(pk=application.pk, called_back_at__isnull=True).update(
            called_back_at=now, called_back_by=by
        )
        if updated:
            OnlineApplication.objects.filter(duplicate_of=application, called_back_at__isnull=True).update(
                called_back_at=now, called_back_by=by
            )
            audit_record(
                actor=by, action=AuditAction.STATUS, target=application, changes={"called_back": True}, request=request
            )
    application.refresh_from_db()
    return application
