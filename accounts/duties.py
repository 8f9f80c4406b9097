"""Who answers an emergency (救急难, SPEC rule 9): the quick-response team of the village or
township (村级困难群众急难问题快速响应服务队) and the county's on-call caseworker (值班), both
kept by the administrator in the Django admin."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import OnCallDuty, ResponseTeamMember, Role, User
from core.validators import REGION_PREFIX_LENGTHS, ancestor_region_codes


def response_team_for(region_code: str) -> QuerySet[User]:
    """Active members of the quick-response teams serving this region (its village or township)."""
    codes = [region_code, *ancestor_region_codes(region_code)]
    member_ids = ResponseTeamMember.objects.filter(active=True, region_id__in=codes).values("user_id")
    return User.objects.filter(is_active=True, pk__in=member_ids)


def county_code_of(region_code: str) -> str:
    return region_code[: REGION_PREFIX_LENGTHS[3]].ljust(12, "0")


def on_call_caseworkers(region_code: str, *, now: datetime | None = None) -> QuerySet[User]:
    """The caseworkers on duty now for the county holding this region (none when nobody is set)."""
    now = now or timezone.now()
    duty_user_ids = OnCallDuty.objects.filter(
        region_id=county_code_of(region_code), starts_at__lte=now, ends_at__gt=now
    ).values("user_id")
    return User.objects.filter(is_active=True, role=Role.CASEWORKER, pk__in=duty_user_ids)


def is_on_response_team(user: User, region_code: str) -> bool:
    return response_team_for(region_code).filter(pk=user.pk).exists()
