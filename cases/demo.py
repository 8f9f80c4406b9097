"""Demo referrals in every state, made through the services (so timelines and notifications are real)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from accounts.models import User
from beneficiaries.models import OPEN_NEED_STATUSES, Consent, ConsentPurpose, Need
from cases import services
from cases.models import Referral, ReferralEvent, ReferralStatus
from cases.selectors import response_hours
from core.models import Organization, Region

DEMO_PREFIX = "YC"
URGENCIES = ["routine", "urgent", "emergency"]

# The path each demo referral takes; the last step names its final state.
PATHS: list[list[str]] = [
    [],  # draft
    ["send"],
    ["send", "accept"],
    ["send", "accept", "start"],
    ["send", "accept", "start", "feedback"],
    ["send", "accept", "start", "feedback", "close"],
    ["send", "decline"],
    ["send", "expire"],
    ["send", "accept", "withdraw"],
    ["send", "accept_start"],  # fast track
    ["send"],
    ["send", "accept", "start", "feedback", "close"],
]


def _timeline(rng: random.Random, *, urgency: str, path: list[str], nearly_due: bool = False) -> dict[str, datetime]:
    """When each step of a demo referral happened: sent minutes after it was made, answered hours
    later (within the deadline), helped days later. Referrals still waiting for an answer were sent
    recently (one with less than a day left); the others two to four weeks ago, after the consent."""
    deadline = timedelta(hours=settings.REFERRAL_RESPONSE_HOURS[urgency])
    if path == ["send"]:
        ago = deadline - timedelta(hours=16) if nearly_due else timedelta(hours=rng.randint(3, 9))
    elif not path:
        ago = timedelta(hours=rng.randint(2, 30))
    else:
        ago = timedelta(days=rng.randint(12, 27), hours=rng.randint(0, 8))
    created = timezone.now() - ago
    sent = created + timedelta(minutes=rng.randint(10, 90))
    answered = sent + min(timedelta(hours=rng.choice([1.5, 3, 4.5, 6, 9, 20, 26, 41])), deadline * 0.8)
    started = answered + timedelta(hours=rng.randint(4, 30))
    helped = started + timedelta(days=rng.randint(2, 6), hours=rng.randint(0, 8))
    return {
        "create": created,
        "send": sent,
        "accept": answered,
        "decline": answered,
        "decide": answered + timedelta(days=rng.randint(2, 5)),
        "start": started,
        "feedback": helped,
        "close": helped + timedelta(days=rng.randint(1, 3)),
        "withdraw": answered + timedelta(days=2),
        "expire": sent + deadline + timedelta(minutes=5),
    }


def retime(referral: Referral, plan: dict[str, datetime]) -> None:
    """Put a demo referral's steps at the times of ``plan`` (the services stamp them all "now",
    which would give the dashboards and the evaluation page 0.0-hour response times)."""
    referral.refresh_from_db()
    last = plan["create"]
    for event in referral.events.order_by("at", "id"):
        last = plan.get(event.action, last)
        ReferralEvent.objects.filter(pk=event.pk).update(at=last)
    changes: dict[str, object] = {"created_at": plan["create"]}
    if referral.sent_at is not None:
        changes["sent_at"] = plan["send"]
        changes["respond_by"] = plan["send"] + timedelta(hours=response_hours(referral.urgency, referral.fast_track))
    if referral.ended_at is not None:
        changes["ended_at"] = last
        if referral.status == ReferralStatus.CLOSED and referral.visible_until is not None:
            changes["visible_until"] = last + timedelta(days=settings.REFERRAL_VISIBLE_AFTER_CLOSE_DAYS)
    Referral.objects.filter(pk=referral.pk).update(**changes)
    referral.refresh_from_db()


def seed_referrals(organizations: dict[str, Organization], users: dict[str, User]) -> int:
    """Referrals in every state for the demo accounts. Idempotent: does nothing if any exist."""
    caseworker, charity_user = users.get("caseworker"), users.get("charity")
    charity = organizations.get("charity")
    if caseworker is None or charity_user is None or charity is None:
        return 0
    if Referral.objects.filter(person__household__register_number__startswith=DEMO_PREFIX).exists():
        return 0
    consents = [
        c
        for c in Consent.objects.filter(person__household__register_number__startswith=DEMO_PREFIX)
        .select_related("person")
        .order_by("id")
        if ConsentPurpose.CHARITY_REFERRAL in c.purposes
    ]
    if not consents:
        return 0
    rng = random.Random(5)
    created = 0
    for index, path in enumerate(PATHS):
        plan = _timeline(rng, urgency=URGENCIES[index % 3], path=path, nearly_due=index == 10)
        consent = consents[index % len(consents)]
        person = consent.person
        needs = list(Need.objects.filter(person=person, status__in=OPEN_NEED_STATUSES)[:1])
        fast = "accept_start" in path and bool(services.FAST_TRACK_STATUSES.intersection(person.assistance_statuses))
        referral = services.referral_create_to_charity(
            by=caseworker,
            person=person,
            to_organization=charity,
            needs=needs,
            consent=consent,
            urgency=URGENCIES[index % 3],
            fast_track=fast,
            note="入户走访发现家庭困难，申请慈善帮扶。",
        )
        for step in path:
            if step == "send":
                services.referral_send(referral=referral, by=caseworker)
            elif step == "accept":
                services.referral_accept(referral=referral, by=charity_user)
            elif step == "accept_start":
                services.referral_accept(referral=referral, by=charity_user, start=fast)
            elif step == "start":
                services.referral_start(referral=referral, by=charity_user)
            elif step == "feedback":
                services.referral_feedback(
                    referral=referral,
                    by=charity_user,
                    feedback=services.Feedback(
                        outcome="helped",
                        amount=Decimal(rng.choice([500, 800, 1200, 3000])),
                        items="米、面、油各一份",
                        services=["care_visit"],
                        note="已入户送达，老人情绪稳定。",
                        helped_on=timezone.localdate(plan["feedback"]),
                    ),
                )
            elif step == "close":
                services.referral_close(referral=referral, by=caseworker)
            elif step == "decline":
                services.referral_decline(
                    referral=referral, by=charity_user, reason="本季度项目名额已满，建议转介县红十字会。"
                )
            elif step == "withdraw":
                services.referral_withdraw(referral=referral, by=caseworker, reason="家属已通过医保报销解决。")
            elif step == "expire":
                Referral.objects.filter(pk=referral.pk).update(respond_by=timezone.now() - timedelta(hours=1))
                services.referral_expire(referral_id=referral.pk)
            referral.refresh_from_db()
        retime(referral, plan)
        created += 1
    created += _seed_to_government(organizations, charity_user, caseworker)
    return created


def _seed_to_government(organizations: dict[str, Organization], charity_user: User, caseworker: User) -> int:
    village = (
        Region.objects.filter(
            code__startswith=caseworker.jurisdiction.subtree_prefix if caseworker.jurisdiction else "-", level=5
        )
        .order_by("code")
        .first()
    )
    if village is None:
        return 0
    created = 0
    rng = random.Random(7)
    for index, (name, decision) in enumerate([("刘小梅", None), ("赵大山", True), ("孙桂芳", False)]):
        plan = _timeline(rng, urgency="urgent", path=["send"] if decision is None else ["send", "accept", "decide"])
        referral = services.referral_create_to_government(
            by=charity_user,
            person_details={
                "name": name,
                "region": village.code,
                "phone": f"1390000{index:04d}",
                "address": f"{village.name}{index + 3}组",
            },
            urgency="urgent",
            note="志愿者走访发现：独居，无稳定收入，可能符合低保或特困条件。",
        )
        services.referral_send(referral=referral, by=charity_user)
        if decision is not None:
            services.referral_accept(referral=referral, by=caseworker)
            services.referral_decide(
                referral=referral,
                by=caseworker,
                eligible=decision,
                programme="dibao" if decision else "",
                reason="" if decision else "经入户核查，家庭人均收入高于当地低保标准。",
            )
        retime(referral, plan)
        created += 1
    return created
