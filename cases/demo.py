"""Demo referrals in every state, made through the services (so timelines and notifications are real)."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from beneficiaries.models import OPEN_NEED_STATUSES, Consent, ConsentPurpose, Need
from cases import jobs, services
from cases.models import Referral
from core.models import Organization, Region

DEMO_PREFIX = "YC"

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
            urgency=["routine", "urgent", "emergency"][index % 3],
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
        created += 1
    created += _seed_to_government(organizations, charity_user, caseworker)
    jobs.follow_ups_sample(share=0.5, rng=random.Random(2))
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
    for index, (name, decision) in enumerate([("刘小梅", None), ("赵大山", True), ("孙桂芳", False)]):
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
        created += 1
    return created
