"""Notifications that are not about a referral: an emergency need (救急难, SPEC rule 9) and an
early-warning alert (SPEC rule 13) tell the caseworkers whose jurisdiction holds the person; a new
complaint (SPEC rule 11) tells the supervisors of the region it concerns and of the organization
complained about. Texts carry no names (titles become e-mail subjects and SMS texts)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_noop as N_

from accounts.models import Role, User
from beneficiaries.models import Need, NeedSource, Urgency
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
            recipients_by_region[need.region_id] = list(covering(Role.CASEWORKER, [need.region_id]))
        recipients = [u for u in recipients_by_region[need.region_id] if u != by]
        notify(recipients=recipients, kind=kind, title=title, body=choice(NeedCategory(need.category)))
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
