"""Reads of referrals, notifications and follow-ups, filtered in the database by what the user may see."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import JURISDICTION_ROLES, Role, User
from accounts.permissions import effective_role
from audit.models import AuditAction
from audit.services import audit_record
from beneficiaries.models import (
    ConsentField,
    ConsentPurpose,
    Person,
)
from beneficiaries.selectors import consent_allowed_fields, consent_is_in_force
from cases.models import (
    ACTIVE_STATUSES,
    OPEN_STATUSES,
    Channel,
    Direction,
    FollowUp,
    FollowUpStatus,
    Notification,
    Referral,
    ReferralGroupObjectPermission,
    ReferralStatus,
)
from core.texts import words_joined
from core.validators import parse_object_id

VIEW_PERMISSION = "view_referral"


def organization_group_name(organization_id: int) -> str:
    """The django-guardian group that holds an organization's grants."""
    return f"organization:{organization_id}"


def _granted_to_organization(organization_id: int) -> QuerySet[ReferralGroupObjectPermission]:
    return ReferralGroupObjectPermission.objects.filter(
        group__name=organization_group_name(organization_id), permission__codename=VIEW_PERMISSION
    )


def receiver_may_see_q(now: datetime | None = None) -> Q:
    """Active, or closed less than the after-close period ago: checked live, so a grant
    the nightly job has not yet removed shows nothing."""
    now = now or timezone.now()
    return Q(status__in=ACTIVE_STATUSES) | Q(status=ReferralStatus.CLOSED, visible_until__gt=now)


def receiver_may_see(referral: Referral, now: datetime | None = None) -> bool:
    """``receiver_may_see_q`` for one referral in memory."""
    now = now or timezone.now()
    return referral.status in ACTIVE_STATUSES or (
        referral.status == ReferralStatus.CLOSED and referral.visible_until is not None and referral.visible_until > now
    )


def visible_after_own_step(user: User, referral: Referral, *, now: datetime | None = None) -> bool:
    """Whether ``user``, who could see ``referral`` before taking a step on it, still sees it after.

    ``referrals_visible_to`` decided on the region, the direction and the organizations, which no
    step changes, except for the receiving charity, whose sight also follows the status (a step
    that ends the referral removes the grant with it, as ``receiver_may_see`` says). So only that
    case is checked again, in memory; ``tests/cases/test_action_answers.py`` holds every step's
    answer to a fresh read of the referral."""
    if user.role == Role.CHARITY_STAFF and not user.is_admin_role and referral.direction == Direction.TO_CHARITY:
        return referral.to_organization_id == user.organization_id and receiver_may_see(referral, now)
    return True


def referrals_visible_to(user: User, *, now: datetime | None = None) -> QuerySet[Referral]:
    referrals = Referral.objects.all()
    if not user.is_authenticated or not user.is_active:
        return referrals.none()
    if user.is_admin_role:
        return referrals
    if user.role in JURISDICTION_ROLES:
        if user.jurisdiction is None:
            return referrals.none()
        # A charity's unsent draft is its own business.
        return referrals.filter(user.jurisdiction.subtree_q("region__code")).exclude(
            status=ReferralStatus.DRAFT, direction=Direction.TO_GOVERNMENT
        )
    if user.role == Role.CHARITY_STAFF and user.organization_id:
        # The grants are read first (one indexed query): an id list lets PostgreSQL combine
        # the two branches below with a BitmapOr of primary-key and foreign-key index scans,
        # where an OR over a subquery would scan the whole table.
        granted = list(_granted_to_organization(user.organization_id).values_list("content_object_id", flat=True))
        received = Q(id__in=granted, direction=Direction.TO_CHARITY) & receiver_may_see_q(now)
        # The cases it helped with stay the charity's own record of what it did (issue 15), also
        # once the person revoked their consent or the after-close period is over: only the
        # person's details go then (receiver_person_view shows none, the inbox the reference).
        done = Q(
            direction=Direction.TO_CHARITY,
            to_organization_id=user.organization_id,
            status__in=(ReferralStatus.COMPLETED, ReferralStatus.CLOSED),
        )
        sent = Q(direction=Direction.TO_GOVERNMENT, from_organization_id=user.organization_id)
        return referrals.filter(received | done | sent)
    return referrals.none()


def with_list_relations(referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    """What a list row shows, fetched in the same query (a fixed number of queries per page)."""
    return referrals.select_related("person", "region", "from_organization", "to_organization").only(
        "id",
        "direction",
        "status",
        "urgency",
        "fast_track",
        "respond_by",
        "updated_at",
        "created_at",
        "person_details",
        "person__id",
        "person__name",
        "region__code",
        "region__name",
        "from_organization__id",
        "from_organization__name",
        "to_organization__id",
        "to_organization__name",
    )


def page_of_rows(rows: QuerySet[Referral], per_page: int, number: Any, *, count: int | None = None) -> Page[Referral]:
    """One page of a list of ``with_list_relations`` rows, joined for that page only.

    The page's ids are chosen by a LIMIT subquery without the joins; only those rows are then read
    with their people, regions and organizations (still one query). Given the whole list, PostgreSQL
    underestimates a county's share of ``region LIKE 'prefix%'`` and joined all ~6,000 open referrals
    of a county before sorting and keeping 25 (150 ms at county scale; 27 ms this way). ``count``:
    the number of rows when the caller has counted them already (the inbox's tab counts).
    """
    paginator = Paginator(rows.values_list("pk", flat=True), per_page)
    if count is not None:
        paginator.count = count
    ids = paginator.get_page(number)
    chosen = with_list_relations(Referral.objects.filter(pk__in=ids.object_list)).order_by(*rows.query.order_by)
    return Page(chosen, ids.number, ids.paginator)  # type: ignore[arg-type]


# --- inboxes --------------------------------------------------------------------------
@dataclass
class Inbox:
    tabs: list[tuple[str, str, int]]  # (code, label, count)
    tab: str
    referrals: QuerySet[Referral]


def _expiring_soon(now: datetime) -> Q:
    return Q(status=ReferralStatus.SENT, respond_by__lte=now + timedelta(hours=24))


def inbox_for(user: User, *, tab: str = "", now: datetime | None = None) -> Inbox:
    """The role's inbox: tabs with counts (one aggregate query) and the chosen tab's rows."""
    now = now or timezone.now()
    visible = referrals_visible_to(user, now=now)
    tabs: list[tuple[str, str, Q]]
    role = effective_role(user)
    if role == Role.CHARITY_STAFF:
        org = user.organization_id
        incoming = Q(direction=Direction.TO_CHARITY, to_organization_id=org)
        tabs = [
            ("incoming", _("New referrals"), incoming & Q(status=ReferralStatus.SENT)),
            (
                "in_progress",
                _("In progress"),
                incoming & Q(status__in=[ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS]),
            ),
            ("overdue", _("Overdue"), incoming & Q(status=ReferralStatus.SENT, respond_by__lt=now)),
            ("sent", _("Referred to government"), Q(direction=Direction.TO_GOVERNMENT, from_organization_id=org)),
            (
                "done",
                _("Completed and closed"),
                incoming & Q(status__in=[ReferralStatus.COMPLETED, ReferralStatus.CLOSED]),
            ),
        ]
    elif role == Role.CASEWORKER:
        tabs = [
            (
                "outgoing",
                _("Outgoing"),
                Q(direction=Direction.TO_CHARITY) & ~Q(status__in=[ReferralStatus.CLOSED, ReferralStatus.WITHDRAWN]),
            ),
            ("incoming", _("From charities"), Q(direction=Direction.TO_GOVERNMENT, status__in=OPEN_STATUSES)),
            ("expiring", _("Expiring soon"), Q(direction=Direction.TO_CHARITY) & _expiring_soon(now)),
            (
                "attention",
                _("Declined or expired"),
                Q(
                    direction=Direction.TO_CHARITY,
                    status__in=[ReferralStatus.DECLINED, ReferralStatus.EXPIRED],
                    rereferred=False,
                ),
            ),
            ("all", _("All"), Q()),
        ]
    else:
        tabs = [
            ("open", _("Open"), Q(status__in=OPEN_STATUSES)),
            ("expiring", _("Expiring soon"), _expiring_soon(now)),
            ("all", _("All"), Q()),
        ]
    # Count a column of referral_region_counts_idx (status is never null), not the id: counting the
    # id made PostgreSQL visit every row of the county (~8,000 pages, 45-70 ms at county scale)
    # instead of answering from the index alone (~12 ms).
    counts = visible.aggregate(**{code: Count("status", filter=condition) for code, _label, condition in tabs})
    chosen = next((t for t in tabs if t[0] == tab), tabs[0])
    rows = with_list_relations(visible.filter(chosen[2]))
    if chosen[0] in ("expiring", "overdue", "incoming"):
        rows = rows.order_by("respond_by", "id")
    else:
        rows = rows.order_by("-updated_at", "-id")
    return Inbox(tabs=[(code, str(label), counts[code]) for code, label, _c in tabs], tab=chosen[0], referrals=rows)


def filter_referrals(referrals: QuerySet[Referral], params: dict[str, str]) -> QuerySet[Referral]:
    if status := params.get("status"):
        referrals = referrals.filter(status=status)
    if urgency := params.get("urgency"):
        referrals = referrals.filter(urgency=urgency)
    if direction := params.get("direction"):
        referrals = referrals.filter(direction=direction)
    if params.get("fast_track") in ("1", "true"):
        referrals = referrals.filter(fast_track=True)
    if person := params.get("person"):
        person_id = parse_object_id(person)
        referrals = referrals.filter(person_id=person_id) if person_id else referrals.none()
    return referrals


# --- what the receiving charity sees of the person (the consent gate) ----------------
@dataclass
class PersonView:
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # (code, label, value)
    id_number_masked: str = ""
    hidden_reason: str = ""

    @property
    def codes(self) -> set[str]:
        return {code for code, _label, _value in self.fields}


def _field_value(person: Person, code: str) -> str:
    if code == ConsentField.NAME:
        return person.name
    if code == ConsentField.GENDER:
        return str(person.get_gender_display())
    if code == ConsentField.BIRTH_DATE:
        return person.birth_date.isoformat()
    if code == ConsentField.PHONE:
        return person.phone
    if code == ConsentField.ADDRESS:
        return person.address
    if code == ConsentField.HOUSEHOLD:
        household = person.household
        return f"{household.register_number} · {household.address}"
    if code == ConsentField.ASSISTANCE_STATUSES:
        return words_joined(person.get_assistance_status_labels())
    if code == ConsentField.VULNERABILITIES:
        return words_joined(person.get_vulnerability_labels())
    if code == ConsentField.INCOME:
        income = person.household.income
        return "" if income is None else _("%(amount)s yuan a year") % {"amount": income}
    if code == ConsentField.HEALTH:
        return person.health
    return ""


def consented_fields_now(referral: Referral, *, now: datetime | None = None) -> frozenset[str]:
    """The fields the receiving organization may see right now: those shared, the referral's
    consent still in force (checked live: a revoked consent hides everything at once) and the
    beneficiaries app's consent question still saying yes."""
    now = now or timezone.now()
    consent = referral.consent
    if referral.person is None or consent is None:
        return frozenset()
    if consent.person_id == referral.person_id:
        consent.person = referral.person  # the guardian rule reads the person: saves a query
    if not consent_is_in_force(
        consent, purpose=ConsentPurpose.CHARITY_REFERRAL, recipient=referral.to_organization, at=now
    ):
        return frozenset()
    allowed = consent_allowed_fields(
        organization=referral.to_organization,
        person=referral.person,
        purpose=ConsentPurpose.CHARITY_REFERRAL,
        at=now,
    )
    return frozenset(referral.shared_fields) & frozenset(consent.fields) & allowed


def receiver_person_view(referral: Referral, *, now: datetime | None = None) -> PersonView:
    """What the receiving charity sees of the person: exactly the consented fields, the ID
    number masked, and only while the referral is active or within the after-close period."""
    now = now or timezone.now()
    person = referral.person
    if person is None:
        return PersonView(hidden_reason=_("No person is attached to this referral."))
    if not receiver_may_see(referral, now):
        return PersonView(hidden_reason=_("This referral has ended; the person's details are no longer shown."))
    codes = consented_fields_now(referral, now=now)
    if not codes:
        return PersonView(
            hidden_reason=_("The person's consent does not cover sharing their details with you (or it was revoked).")
        )
    labels = dict(ConsentField.choices)
    order = [c for c in ConsentField.values if c in codes]
    return PersonView(
        fields=[(code, str(labels[code]), _field_value(person, code)) for code in order],
        id_number_masked=person.id_number_masked,
    )


def names_shown_to_receiver(referrals: Iterable[Referral], *, now: datetime | None = None) -> dict[int, str]:
    """For a page of a charity's inbox: the person's name where the receiving charity may see it
    now (the same rule as ``receiver_person_view``: visible referral, its consent in force for this
    charity, the name both consented and shared), read in one query whatever the page's size.
    Referrals missing from the result show their reference instead."""
    now = now or timezone.now()
    ids = [r.pk for r in referrals if r.direction == Direction.TO_CHARITY and r.person_id is not None]
    if not ids:
        return {}
    names: dict[int, str] = {}
    rows = Referral.objects.filter(pk__in=ids).filter(receiver_may_see_q(now))
    for referral in rows.select_related("person", "consent", "to_organization"):
        consent, person = referral.consent, referral.person
        if consent is None or person is None or ConsentField.NAME not in referral.shared_fields:
            continue
        consent.person = person  # the guardian rule reads the person: saves a query per row
        if ConsentField.NAME in consent.fields and consent_is_in_force(
            consent, purpose=ConsentPurpose.CHARITY_REFERRAL, recipient=referral.to_organization, at=now
        ):
            names[referral.pk] = person.name
    return names


# Sensitive personal information (PIPL): every time a reader is shown one, the audit log says so.
SENSITIVE_FIELDS = frozenset({ConsentField.PHONE, ConsentField.INCOME, ConsentField.HEALTH})


def referred_person_for_reader(
    *, referral: Referral, reader: User, via: str, request: HttpRequest | None = None
) -> PersonView:
    """The one way a receiving charity reads a referred person (the page, the print view, the API,
    any export): exactly the consented fields, and an audit entry whenever they include sensitive
    ones, naming the interface (``via``)."""
    view = receiver_person_view(referral)
    shown_sensitive = sorted(view.codes & SENSITIVE_FIELDS)
    if shown_sensitive and referral.person is not None:
        audit_record(
            actor=reader,
            action=AuditAction.REVEAL,
            target=referral.person,
            changes={"fields": shown_sensitive, "referral": referral.pk, "via": via},
            reason=_("Viewed through referral %(ref)s") % {"ref": referral.reference},
            request=request,
        )
    return view


# --- notifications ------------------------------------------------------------------------
def notifications_for(user: User) -> QuerySet[Notification]:
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user, channel=Channel.IN_APP).select_related("referral")


def unread_notification_count(user: User) -> int:
    return notifications_for(user).filter(read_at__isnull=True).count()


# --- follow-up visits ------------------------------------------------------------------
def follow_ups_visible_to(user: User) -> QuerySet[FollowUp]:
    follow_ups = FollowUp.objects.all()
    if not user.is_authenticated or not user.is_active:
        return follow_ups.none()
    if user.is_admin_role:
        return follow_ups
    if user.role in JURISDICTION_ROLES and user.jurisdiction is not None:
        return follow_ups.filter(user.jurisdiction.subtree_q("region__code"))
    return follow_ups.none()


def follow_ups_due(user: User) -> QuerySet[FollowUp]:
    return (
        follow_ups_visible_to(user)
        .filter(status=FollowUpStatus.DUE)
        .select_related("referral__person", "referral__to_organization", "region")
        .order_by("due_on", "id")
    )


def response_hours(urgency: str, fast_track: bool) -> int:
    hours: dict[str, int] = settings.REFERRAL_RESPONSE_HOURS
    value = hours.get(urgency, hours["routine"])
    if fast_track:
        value = min(value, hours["fast_track"])
    return value
