"""Follow-up visits (抽样回访, SPEC rule 10): a weekly sample of completed referrals becomes
visits for the person's station, and the visit's record."""

from __future__ import annotations

import math
import random
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from accounts.models import Role, User
from beneficiaries.models import ConsentPurpose, Person
from beneficiaries.selectors import consent_in_force
from cases.models import Direction, FollowUp, FollowUpStatus, Referral
from cases.notifications import notify
from cases.permissions import can_record_follow_up
from cases.transitions import ReferralError, S, add_event
from core.models import Organization, OrganizationKind
from core.texts import text


def station_for_region(region_code: str) -> Organization | None:
    township = region_code[:9] + "000"
    return (
        Organization.objects.filter(kind=OrganizationKind.SERVICE_STATION, region_id=township, is_active=True)
        .order_by("id")
        .first()
    )


def follow_ups_sample(
    *, now: datetime | None = None, share: float | None = None, rng: random.Random | None = None
) -> int:
    """Each week, a share of the referrals completed in the past week become follow-up tasks
    for the person's station."""
    now = now or timezone.now()
    share = settings.FOLLOW_UP_SHARE if share is None else share
    rng = rng or random.SystemRandom()
    candidates = list(
        Referral.objects.filter(
            direction=Direction.TO_CHARITY,
            status__in=[S.COMPLETED, S.CLOSED],
            person__isnull=False,
            follow_up__isnull=True,
            events__action="feedback",
            events__at__gte=now - timedelta(days=7),
        )
        .distinct()
        .values_list("id", "region_id")
    )
    # Only people who agreed to follow-up visits (consent purpose follow_up, in force now) are sampled.
    persons = dict(Referral.objects.filter(pk__in=[pk for pk, _region in candidates]).values_list("pk", "person"))
    agreed = {
        person.pk
        for person in Person.objects.filter(pk__in=set(persons.values()))
        if consent_in_force(person=person, purpose=ConsentPurpose.FOLLOW_UP, at=now) is not None
    }
    candidates = [(pk, region) for pk, region in candidates if persons[pk] in agreed]
    if not candidates or share <= 0:
        return 0
    chosen = rng.sample(candidates, min(len(candidates), math.ceil(len(candidates) * min(share, 1.0))))
    due = timezone.localdate(now) + timedelta(days=settings.FOLLOW_UP_DUE_DAYS)
    created = 0
    for referral_id, region_code in chosen:
        station = station_for_region(region_code)
        with transaction.atomic():
            _obj, was_created = FollowUp.objects.get_or_create(
                referral_id=referral_id, defaults={"region_id": region_code, "station": station, "due_on": due}
            )
            if was_created:
                created += 1
                if station is not None:
                    notify(
                        recipients=User.objects.filter(organization=station, is_active=True, role=Role.STATION_WORKER),
                        kind="follow_up",
                        title=text(N_("A follow-up visit is due by %(date)s"), date=due.isoformat()),
                        referral=Referral.objects.get(pk=referral_id),
                    )
    return created


def follow_up_record(
    *, follow_up: FollowUp, by: User, satisfaction: int, need_met: bool, note: str = "", visited_on: date | None = None
) -> FollowUp:
    with transaction.atomic():
        if not can_record_follow_up(by, follow_up):
            raise PermissionDenied(_("Only the station or caseworkers of the person's region record follow-up visits."))
        errors: dict[str, Any] = {}
        if satisfaction not in (1, 2, 3, 4, 5):
            errors["satisfaction"] = _("Choose a satisfaction from 1 (very unhappy) to 5 (very happy).")
        visited_on = visited_on or timezone.localdate()
        if visited_on > timezone.localdate():
            errors["visited_on"] = _("The visit date cannot be in the future.")
        if errors:
            raise ValidationError(errors)
        locked = FollowUp.objects.select_for_update(no_key=True).get(pk=follow_up.pk)
        if locked.status != FollowUpStatus.DUE:
            raise ReferralError(_("This follow-up visit was already recorded."), code="follow_up_done")
        locked.status = FollowUpStatus.DONE
        locked.satisfaction, locked.need_met, locked.note = satisfaction, need_met, note.strip()
        locked.visited_on, locked.visited_by = visited_on, by
        locked.save()
        add_event(
            locked.referral,
            action="follow_up",
            by=by,
            from_status=locked.referral.status,
            reason=locked.note,
            data={"satisfaction": satisfaction, "need_met": need_met},
        )
        return locked
