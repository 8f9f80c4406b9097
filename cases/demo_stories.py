"""Demo data that shows what the other demo referrals do not: a household helped twice for the
same thing in the same period (the ledger's duplicate flag) and follow-up visits with real answers
(the evaluation's satisfaction). Each part is idempotent on its own, so running ``seed_demo`` on an
older demo database adds them once."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from accounts.models import User
from beneficiaries.models import (
    Consent,
    ConsentMethod,
    ConsentPurpose,
    Need,
    NeedSource,
    NeedStatus,
    Person,
    Programme,
    RecipientScope,
    Relation,
    Urgency,
)
from beneficiaries.selectors import consent_in_force
from beneficiaries.services import assistance_record_create
from cases import services
from cases.demo import DEMO_PREFIX, _timeline, retime
from cases.models import Direction, FollowUp, Outcome, Referral, ReferralEvent, ReferralStatus
from cases.services.follow_ups import station_for_region
from core.codes import NeedCategory
from core.demo import DEMO_TOWNSHIP
from core.models import Organization

DUPLICATE_NOTE = "肝硬化住院两次，医疗救助报销后仍自付约1.2万元，申请慈善医疗帮扶。"

# What the station heard on its visits: satisfaction 1–5, need really met, the visit's note.
ANSWERS: list[tuple[int, bool, str]] = [
    (5, True, "米面油已收到，志愿者每周上门探访一次，老人说心里踏实多了。"),
    (3, False, "药费只解决了一部分，仍无力承担后续治疗，已告知村委会协助申请医疗救助。"),
    (4, True, "康复训练每周两次，已能扶拐行走；希望训练再延长一个月。"),
]


def seed_stories(organizations: dict[str, Organization], users: dict[str, User]) -> None:
    seed_duplicate_aid(organizations, users)
    seed_follow_ups(users)


def _story_person() -> Person | None:
    """A household head of the demo township with no consent yet (so no other demo referral), past
    the first few people (the supervision demo declares those as the caseworker's relatives)."""
    heads = Person.objects.filter(
        household__register_number__startswith=DEMO_PREFIX,
        relation=Relation.HEAD,
        region__code__startswith=DEMO_TOWNSHIP[:9],
        consents__isnull=True,
    ).order_by("id")
    return heads[5:6].first()


def seed_duplicate_aid(organizations: dict[str, Organization], users: dict[str, User]) -> bool:
    """医疗救助 from the civil affairs office and the charity's medical help for one person in the
    same months: the ledger flags both as a possible duplicate."""
    caseworker, charity_user = users.get("caseworker"), users.get("charity")
    charity, bureau = organizations.get("charity"), organizations.get("bureau")
    if caseworker is None or charity_user is None or charity is None or bureau is None:
        return False
    if Referral.objects.filter(note=DUPLICATE_NOTE).exists():
        return False
    person = _story_person()
    if person is None:
        return False
    now = timezone.now()
    today = timezone.localdate()
    consent = Consent.objects.create(
        person=person,
        purposes=[ConsentPurpose.CHARITY_REFERRAL, ConsentPurpose.FOLLOW_UP],
        recipient_scope=RecipientScope.ORGANIZATION,
        recipient_organization=charity,
        fields=["name", "gender", "birth_date", "phone", "address", "assistance_statuses"],
        method=ConsentMethod.SIGNED_FORM,
        granted_at=now - timedelta(days=25),
        expires_at=now + timedelta(days=340),
        recorded_by=caseworker,
    )
    need = Need.objects.create(
        person=person,
        region_id=person.region_id,
        category=NeedCategory.MEDICAL,
        urgency=Urgency.URGENT,
        description="肝硬化住院两次，医疗救助报销后仍自付约1.2万元，家中无力承担",
        amount_requested=Decimal("8000"),
        source=NeedSource.VISIT,
        status=NeedStatus.OPEN,
        logged_by=caseworker,
        logged_by_organization=caseworker.organization,
    )
    Need.objects.filter(pk=need.pk).update(created_at=now - timedelta(days=24))
    assistance_record_create(
        by=caseworker,
        person=person,
        programme=Programme.MEDICAL,
        amount=Decimal("5000"),
        period_start=today - timedelta(days=45),
        period_end=today + timedelta(days=45),
        granting_organization=bureau,
        note="住院费用医疗救助（二次报销后）",
    )
    rng = random.Random(11)  # noqa: S311  # nosec B311 - demo timings, not secrets
    plan = _timeline(rng, urgency=Urgency.URGENT, path=["send", "accept", "start", "feedback"])
    referral = services.referral_create_to_charity(
        by=caseworker,
        person=person,
        to_organization=charity,
        needs=[need],
        consent=consent,
        urgency=Urgency.URGENT,
        note=DUPLICATE_NOTE,
    )
    services.referral_send(referral=referral, by=caseworker)
    services.referral_accept(referral=referral, by=charity_user)
    services.referral_start(referral=referral, by=charity_user)
    services.referral_feedback(
        referral=referral,
        by=charity_user,
        feedback=services.Feedback(
            outcome=Outcome.HELPED,
            amount=Decimal("3000"),
            services=["rehabilitation"],
            note="大病医疗救助专项资金3000元已打入本人账户，另安排康复指导。",
            helped_on=timezone.localdate(plan["feedback"]),
        ),
    )
    referral.refresh_from_db()
    retime(referral, plan)
    return True


def seed_follow_ups(users: dict[str, User]) -> int:
    """A follow-up visit for each helped demo referral whose person agreed to follow-ups: recorded
    with real answers, except one still due (for the station's form)."""
    if FollowUp.objects.filter(referral__person__household__register_number__startswith=DEMO_PREFIX).exists():
        return 0
    station_user, caseworker = users.get("station"), users.get("caseworker")
    if caseworker is None:
        return 0
    referrals = [
        referral
        for referral in Referral.objects.filter(
            direction=Direction.TO_CHARITY,
            status__in=[ReferralStatus.COMPLETED, ReferralStatus.CLOSED],
            outcome__in=[Outcome.HELPED, Outcome.PARTIALLY_HELPED],
            person__household__register_number__startswith=DEMO_PREFIX,
            follow_up__isnull=True,
        )
        .select_related("person")
        .order_by("id")
        if referral.person is not None
        and consent_in_force(person=referral.person, purpose=ConsentPurpose.FOLLOW_UP) is not None
    ]
    if not referrals:
        return 0
    # The one left due is in the station's township when there is one, so `station` can record it.
    in_township = [r for r in referrals if r.region_id.startswith(DEMO_TOWNSHIP[:9])]
    left_due = (in_township or referrals)[-1]
    today = timezone.localdate()
    created = 0
    answers = iter(ANSWERS * len(referrals))
    for referral in referrals:
        helped_on: date = referral.helped_on or today
        follow_up = FollowUp.objects.create(
            referral=referral,
            region_id=referral.region_id,
            station=station_for_region(referral.region_id),
            due_on=helped_on + timedelta(days=settings.FOLLOW_UP_DUE_DAYS),
        )
        created += 1
        if referral is left_due:
            continue
        satisfaction, need_met, note = next(answers)
        visited_on = min(helped_on + timedelta(days=5), today)
        by = station_user if station_user is not None and referral.region_id.startswith(DEMO_TOWNSHIP[:9]) else None
        services.follow_up_record(
            follow_up=follow_up,
            by=by or caseworker,
            satisfaction=satisfaction,
            need_met=need_met,
            note=note,
            visited_on=visited_on,
        )
        visited_at = timezone.make_aware(datetime.combine(visited_on, time(10)))
        ReferralEvent.objects.filter(referral=referral, action="follow_up").update(at=visited_at)
    return created
