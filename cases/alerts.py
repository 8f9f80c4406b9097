"""Notifications that are not about a referral: an emergency need (救急难, SPEC rule 9) tells the
quick-response team of its village or township and the county's on-call caseworker at once (in the
app and by SMS; every caseworker of the area when nobody is on call), then the others when someone
picks it up, and the supervisors when nobody did within the emergency response time
(``emergencies_escalate``); an early-warning alert (SPEC rule 13) tells the caseworkers whose
jurisdiction holds the person; a new
complaint (SPEC rule 11) tells the supervisors of the region it concerns and of the organization
complained about. Texts carry no names (titles become e-mail subjects and SMS texts)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_noop as N_

from accounts.duties import on_call_caseworkers, response_team_for
from accounts.models import Role, User
from beneficiaries.models import OPEN_NEED_STATUSES, Need, NeedSource, Urgency
from cases.notifications import notify
from charities.models import Complaint
from core.codes import NeedCategory
from core.texts import choice, text
from core.validators import ancestor_region_codes


def covering(role: str, region_codes: Iterable[str]) -> QuerySet[User]:
    """Active users of ``role`` whose jurisdiction holds any of these regions."""
    codes: set[str] = set()
    for code in region_codes:
        if code:
            codes.update([*ancestor_region_codes(code), code])
    return User.objects.filter(is_active=True, role=role, jurisdiction_id__in=codes)


def emergency_responders(region_code: str, *, now: datetime | None = None) -> list[User]:
    """Who is told of an emergency at once: the quick-response team serving the region and the
    county's on-call caseworker; every caseworker of the area when nobody is on call."""
    on_call = list(on_call_caseworkers(region_code, now=now)) or list(covering(Role.CASEWORKER, [region_code]))
    return list({user.pk: user for user in [*response_team_for(region_code), *on_call]}.values())


def need_picked_up_receiver(*, need: Need, by: User, **_: Any) -> int:
    """Someone answered an emergency: the others who were told hear it is taken (no second trip)."""
    if need.urgency != Urgency.EMERGENCY:
        return 0
    recipients = [u for u in emergency_responders(need.region_id) if u != by]
    notify(
        recipients=recipients,
        kind="emergency_picked_up",
        title=text(N_("Emergency need %(ref)s is picked up by %(who)s"), ref=need.pk, who=by.display_name),
        body=choice(NeedCategory(need.category)),
        need=need,
    )
    return len(recipients)


def emergencies_escalate(*, now: datetime | None = None) -> int:
    """Emergency needs nobody picked up within the emergency response time (SPEC rule 9,
    ``REFERRAL_RESPONSE_HOURS["emergency"]``): told once to the supervisors and caseworkers of the
    area. Idempotent: an escalated need is not told again."""
    now = now or timezone.now()
    late = now - timedelta(hours=emergency_pickup_hours())
    ids = list(
        Need.objects.filter(
            urgency=Urgency.EMERGENCY,
            responded_at__isnull=True,
            escalated_at__isnull=True,
            status__in=OPEN_NEED_STATUSES,
            created_at__lt=late,
        ).values_list("id", flat=True)[:5000]
    )
    told = 0
    for pk in ids:
        with transaction.atomic():
            if not Need.objects.filter(pk=pk, escalated_at__isnull=True, responded_at__isnull=True).update(
                escalated_at=now
            ):
                continue
            need = Need.objects.select_related("region").get(pk=pk)
            recipients = [
                *covering(Role.SUPERVISOR, [need.region_id]),
                *covering(Role.CASEWORKER, [need.region_id]),
            ]
            notify(
                recipients=recipients,
                kind="emergency_late",
                title=text(
                    N_("Emergency need %(ref)s in %(region)s: nobody picked it up within %(hours)s hours"),
                    ref=need.pk,
                    region=need.region.name,
                    hours=emergency_pickup_hours(),
                ),
                body=choice(NeedCategory(need.category)),
                need=need,
            )
            told += 1
    return told


def emergency_pickup_hours() -> int:
    return int(settings.REFERRAL_RESPONSE_HOURS["emergency"])


def needs_logged(*, need_ids: Iterable[int], by: User | None = None) -> int:
    """Tell the covering caseworkers of each emergency need and each early-warning alert."""
    told = 0
    needs = Need.objects.filter(
        Q(source=NeedSource.MONITORING_ALERT) | Q(urgency=Urgency.EMERGENCY), pk__in=list(need_ids)
    ).select_related("region")
    # One query per region, not per need: an import can log hundreds of emergencies in one village.
    recipients_by_region: dict[str, list[User]] = {}
    for need in needs:
        if need.source == NeedSource.MONITORING_ALERT:
            kind = "early_warning"
            title = text(
                N_("Early warning in %(region)s: need %(ref)s, please visit the household"),
                region=need.region.name,
                ref=need.pk,
            )
        elif need.urgency == Urgency.EMERGENCY:
            kind = "emergency_need"
            title = text(
                N_("Emergency need %(ref)s in %(region)s: please respond at once"), region=need.region.name, ref=need.pk
            )
        else:
            continue
        if need.region_id not in recipients_by_region:
            recipients_by_region[need.region_id] = (
                emergency_responders(need.region_id)
                if kind == "emergency_need"
                else list(covering(Role.CASEWORKER, [need.region_id]))
            )
        recipients = [u for u in recipients_by_region[need.region_id] if u != by]
        notify(recipients=recipients, kind=kind, title=title, body=choice(NeedCategory(need.category)), need=need)
        told += len(recipients)
    return told


def records_created_receiver(*, kind: str, records: list[tuple[int, Any]], by: User | None = None, **_: Any) -> None:
    """Receiver for ``beneficiaries.hooks.records_created``: needs were written."""
    if kind == "need":
        needs_logged(need_ids=[pk for pk, _person in records], by=by)


def complaint_received(*, complaint: Complaint) -> int:
    """Tell the supervisors of the complaint's region and of the organization complained about."""
    regions = [complaint.region_id or ""]
    if complaint.about_organization is not None:
        regions.append(complaint.about_organization.region_id or "")
    recipients = list(covering(Role.SUPERVISOR, regions))
    notify(
        recipients=recipients,
        kind="complaint",
        title=text(N_("New complaint %(ref)s"), ref=complaint.reference),
        body=text(N_("Read it in the complaints list and start handling it.")),
    )
    return len(recipients)
