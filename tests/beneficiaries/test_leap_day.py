"""29 February: the consent page proposes an end date one year on, which must exist."""

from __future__ import annotations

from datetime import date, datetime
from unittest import mock
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import timezone

from core.dates import add_years
from tests.factories import PASSWORD

LEAP_DAY = datetime(2028, 2, 29, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
real_localtime = timezone.localtime


def _frozen_localtime(value=None, timezone=None):
    return LEAP_DAY if value is None else real_localtime(value, timezone)


def test_the_consent_form_opens_on_29_february(client, station_worker, people) -> None:
    client.login(username=station_worker.username, password=PASSWORD)
    with mock.patch("django.utils.timezone.localtime", _frozen_localtime):
        page = client.get(reverse("beneficiaries:consent_create", args=[people.in_township.pk]))
    assert page.status_code == 200
    assert "2029-02-28T09:30" in page.content.decode()  # one year on, the last day of February


def test_adding_years_keeps_the_day_or_the_end_of_february() -> None:
    assert add_years(date(2028, 2, 29), 1) == date(2029, 2, 28)
    assert add_years(date(2028, 2, 29), 4) == date(2032, 2, 29)
    assert add_years(date(2026, 12, 6), 1) == date(2027, 12, 6)
