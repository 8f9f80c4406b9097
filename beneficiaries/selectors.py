"""Reads of the register, filtered by what the user may see; and the consent question."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Collate, Substr
from django.utils import timezone

from accounts.models import JURISDICTION_ROLES, Role, User
from beneficiaries.models import (
    GUARDIAN_CONSENT_UNDER_AGE,
    OPEN_NEED_STATUSES,
    AssistanceRecord,
    Consent,
    ConsentStatus,
    Household,
    Need,
    NeedStatus,
    OnlineApplication,
    Person,
    RecipientScope,
    Relation,
)
from beneficiaries.search import parse_id_search
from beneficiaries.validators import ID_PATTERN, normalize_id_number
from core.codes import PublicStage
from core.models import Organization, Region

# Lists show masked copies only: never load (and decrypt) the ciphertext columns for them.
ENCRYPTED_PERSON_FIELDS = ("id_number", "phone", "health", "disability_details")
ENCRYPTED_HOUSEHOLD_FIELDS = (
    "annual_income",
    "previous_annual_income",
    "annual_essential_expenses",
    "annual_medical_expenses",
)


def masked_persons(persons: QuerySet[Person], prefix: str = "") -> QuerySet[Person]:
    """Defer every encrypted column of the person (and of its household, when joined)."""
    fields = [prefix + name for name in ENCRYPTED_PERSON_FIELDS]
    fields += [f"{prefix}household__{name}" for name in ENCRYPTED_HOUSEHOLD_FIELDS]
    return persons.defer(*fields)


def register_scope(user: User, field: str = "region__code") -> Q | None:
    """The filter of what this user sees in the register; None means nothing at all."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_admin_role:
        return Q()
    if user.role in JURISDICTION_ROLES and user.jurisdiction is not None:
        return user.jurisdiction.subtree_q(field)
    # Charity staff see people only through referrals to their organization (cases app).
    return None


def writable_regions(user: User) -> QuerySet[Region]:
    if user.role == Role.SUPERVISOR and not user.is_admin_role:
        return Region.objects.none()
    scope = register_scope(user, "code")
    return Region.objects.none() if scope is None else Region.objects.filter(scope)


def persons_visible_to(user: User) -> QuerySet[Person]:
    scope = register_scope(user)
    qs = Person.objects.select_related("region", "household")
    return qs.none() if scope is None else qs.filter(scope)


def household_members_visible_to(user: User, household: Household | None) -> QuerySet[Person]:
    """The members of a household this user may see: a household can span townships, and a
    station worker sees only the members of its own (issue 14, finding 15)."""
    if household is None:
        return Person.objects.none()
    return persons_visible_to(user).filter(household=household)


def households_visible_to(user: User) -> QuerySet[Household]:
    scope = register_scope(user)
    qs = Household.objects.select_related("region")
    return qs.none() if scope is None else qs.filter(scope)


def household_by_number(user: User, number: str) -> Household | None:
    """The registered household of the user's area with this household number (户编号), or None."""
    return households_visible_to(user).filter(register_number=number.strip()).first() if number.strip() else None


def needs_visible_to(user: User) -> QuerySet[Need]:
    scope = register_scope(user)
    qs = Need.objects.select_related("person", "region")
    return qs.none() if scope is None else qs.filter(scope)


def open_needs_like(person: Person, category: str) -> QuerySet[Need]:
    """The person's open needs of ``category``: a new one repeating them is asked about first."""
    return Need.objects.filter(person=person, category=category, status__in=OPEN_NEED_STATUSES).order_by("-created_at")


def consents_visible_to(user: User) -> QuerySet[Consent]:
    scope = register_scope(user, "person__region__code")
    qs = Consent.objects.select_related("person", "recipient_organization")
    return qs.none() if scope is None else qs.filter(scope)


def assistance_records_visible_to(user: User) -> QuerySet[AssistanceRecord]:
    scope = register_scope(user, "person__region__code")
    qs = AssistanceRecord.objects.select_related("person", "granting_organization")
    return qs.none() if scope is None else qs.filter(scope)


def looks_like_id_number(query: str) -> bool:
    return bool(ID_PATTERN.match(normalize_id_number(query)))


def name_order() -> tuple[Collate | str, str]:
    """The order of a name search: by name in code-point order ("C"), then id.

    PostgreSQL then finds the matches through the prefix index (person_name_prefix_idx) and sorts
    them. Ordered by the database's collation, it walked the whole name index in order and tested
    every name instead: 2 s for a rare name, or a surname alone, at county scale (bench/load.py);
    now 1-30 ms. Under C.UTF-8 the two orders are the same; under a linguistic collation (pinyin,
    say) a search would list by code point rather than by that collation."""
    return (Collate("name", "C") if connection.vendor == "postgresql" else "name", "id")


def person_search(user: User, query: str) -> QuerySet[Person]:
    """By ID number (exact, through the blind index) or by name (prefix, indexed)."""
    persons = persons_visible_to(user)
    query = query.strip()
    if not query:
        return persons
    if (id_search := parse_id_search(query)) is not None:
        return persons.filter(id_number_index=id_search.index)
    return persons.filter(name__startswith=query)


def household_search(user: User, query: str = "") -> QuerySet[Household]:
    """Households for the list: by register number or the head's name (both prefixes, indexed),
    with the head (masked ID number only) and the number of members; no money column is loaded."""
    heads = Person.objects.filter(household=OuterRef("pk"), relation=Relation.HEAD).order_by("id")
    households = households_visible_to(user).defer(*ENCRYPTED_HOUSEHOLD_FIELDS)
    query = query.strip()
    if query:
        named = Person.objects.filter(household=OuterRef("pk"), relation=Relation.HEAD, name__startswith=query)
        households = households.filter(Q(register_number__startswith=query) | Exists(named))
    return households.annotate(
        member_count=Subquery(
            Person.objects.filter(household=OuterRef("pk"))
            .order_by()
            .values("household")
            .annotate(n=Count("id"))
            .values("n")
        ),
        head_pk=Subquery(heads.values("pk")[:1]),
        head_name=Subquery(heads.values("name")[:1]),
        head_id_number_masked=Subquery(heads.values("id_number_masked")[:1]),
    ).order_by("register_number")


def probable_duplicates(user: User) -> list[list[Any]]:
    """Same name, birth date and county with different ID numbers: listed for review."""
    persons = persons_visible_to(user).annotate(county=Substr("region_id", 1, 6))
    groups = (
        persons.values("name", "birth_date", "county").annotate(n=Count("id")).filter(n__gt=1).order_by("name")[:200]
    )
    result: list[list[Any]] = []
    for group in groups:
        members = list(
            persons.filter(name=group["name"], birth_date=group["birth_date"], county=group["county"]).order_by("id")
        )
        # Two records with the same ID number cannot exist (unique blind index); a
        # record without an ID number next to one with it is still worth a look.
        result.append(members)
    return result


# --- the consent question ------------------------------------------------------
def consent_is_in_force(
    consent: Consent,
    *,
    purpose: str,
    fields: Iterable[str] = (),
    recipient: Organization | None = None,
    at: datetime | None = None,
) -> bool:
    """The one rule of "consent in force for purpose P, fields F, recipient R, at time T" (SPEC
    rule 2). Yes only if the consent names the purpose and every field asked, covers the recipient
    (by name, or the whole network; ``recipient=None`` asks about no particular organisation, for
    the register's own uses such as follow-up visits), was granted by ``at``, has not expired by
    then and was not revoked by then, and — for a child under 14 at ``at`` — was given by a
    recorded guardian. It reads times, not only the status: an expired consent says no before the
    hourly job marks it, a revoked one from the moment of revocation."""
    at = at or timezone.now()
    if not (consent.granted_at <= at < consent.expires_at):
        return False
    if consent.revoked_at is not None and consent.revoked_at <= at:
        return False
    if consent.status == ConsentStatus.REVOKED and consent.revoked_at is None:
        return False  # revoked with no time recorded: never in force
    if purpose not in consent.purposes or not set(fields) <= set(consent.fields):
        return False
    if recipient is not None and not (
        consent.recipient_scope == RecipientScope.NETWORK or consent.recipient_organization_id == recipient.pk
    ):
        return False
    person = consent.person
    return not (person.age_on(timezone.localdate(at)) < GUARDIAN_CONSENT_UNDER_AGE and not consent.guardian_name)


def consents_in_force(
    *,
    person: Person,
    purpose: str,
    fields: Iterable[str] = (),
    recipient: Organization | None = None,
    at: datetime | None = None,
) -> list[Consent]:
    """Every consent of ``person`` in force for this purpose, fields and recipient, newest first."""
    at = at or timezone.now()
    fields = list(fields)
    candidates = Consent.objects.filter(person=person, granted_at__lte=at, expires_at__gt=at).order_by(
        "-granted_at", "-id"
    )
    if recipient is not None:
        candidates = candidates.filter(Q(recipient_scope=RecipientScope.NETWORK) | Q(recipient_organization=recipient))
    result = []
    for consent in candidates:
        consent.person = person  # saves a query per consent for the guardian rule
        if consent_is_in_force(consent, purpose=purpose, fields=fields, recipient=recipient, at=at):
            result.append(consent)
    return result


def consent_in_force(
    *,
    person: Person,
    purpose: str,
    fields: Iterable[str] = (),
    recipient: Organization | None = None,
    at: datetime | None = None,
) -> Consent | None:
    """The newest consent in force for this purpose, fields and recipient, or None."""
    found = consents_in_force(person=person, purpose=purpose, fields=fields, recipient=recipient, at=at)
    return found[0] if found else None


def consent_allowed_fields(
    *, organization: Organization, person: Person, purpose: str, at: datetime | None = None
) -> frozenset[str]:
    """Every person field organisation may see for this purpose at ``at`` (default now)."""
    fields: set[str] = set()
    for consent in consents_in_force(person=person, purpose=purpose, recipient=organization, at=at):
        fields.update(consent.fields)
    return frozenset(fields)


def consent_allows(
    *, organization: Organization, person: Person, field: str, purpose: str, at: datetime | None = None
) -> bool:
    """May organisation X see field F of person P for purpose U now? (``consent_is_in_force``)"""
    return consent_in_force(person=person, purpose=purpose, fields=[field], recipient=organization, at=at) is not None


def application_stage(application: OnlineApplication) -> str:
    """The one thing the public lookup tells about an application (core.codes.PublicStage):
    concluded when every need of it has ended, referred when one is with a charity or an office,
    being verified once the station called back, received before. A repeat from another phone
    (``duplicate_of``) has no needs of its own: it follows the first one's end, never its referral."""
    source = application.duplicate_of or application
    statuses = set(Need.objects.filter(application=source).values_list("status", flat=True))
    if statuses and not statuses & set(OPEN_NEED_STATUSES):
        return PublicStage.CONCLUDED
    if application.duplicate_of is None and NeedStatus.REFERRED in statuses:
        return PublicStage.REFERRED
    if application.called_back_at is not None:
        return PublicStage.VERIFYING
    return PublicStage.RECEIVED
