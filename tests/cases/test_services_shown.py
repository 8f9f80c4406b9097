"""Services a charity reports in its feedback (访视照料, 康复 …) are shown in words on the referral
page, the printed 转介单, the ledger and its export, and the ledger dates charity help by the day
it was given, not by the resource's period (issue 15, "Wrong records")."""

from __future__ import annotations

import io
from datetime import date, timedelta

from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import User
from tests.cases.conftest import Case
from tests.conftest import World, api_as
from tests.factories import PASSWORD, ResourceFactory


def browser(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _helped_day() -> date:
    """A recent day that is neither the first nor the last of its month (a month's bounds are not it)."""
    day = timezone.localdate() - timedelta(days=3)
    while day.day in (1, 28, 29, 30, 31):
        day -= timedelta(days=1)
    return day


def _helped_with_care_visits(world: World, case: Case, caseworker: User, charity_staff: User) -> tuple[int, date]:
    today = timezone.localdate()
    resource = ResourceFactory.create(
        organization=world.charity,
        capacity_people=2,
        people_left=2,
        starts_on=today - timedelta(days=200),
        ends_on=today + timedelta(days=100),
    )
    office, charity = api_as(caseworker), api_as(charity_staff)
    created = office.post(
        "/api/v1/referrals/",
        {
            "direction": "to_charity",
            "person": case.person.pk,
            "needs": [case.need.pk],
            "to_organization": world.charity.pk,
            "resource": resource.pk,
            "note": "独居老人",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert office.post(f"/api/v1/referrals/{pk}/send/").json()["status"] == "sent"
    assert charity.post(f"/api/v1/referrals/{pk}/accept/").json()["status"] == "accepted"
    assert charity.post(f"/api/v1/referrals/{pk}/start/").json()["status"] == "in_progress"
    day = _helped_day()
    feedback = charity.post(
        f"/api/v1/referrals/{pk}/feedback/",
        {"outcome": "helped", "services": ["care_visit"], "helped_on": day.isoformat(), "note": "已入户"},
        format="json",
    )
    assert feedback.status_code == 200, feedback.content
    return pk, day


def test_the_referral_page_and_the_print_name_the_services(
    world: World, case: Case, caseworker: User, charity_staff: User
) -> None:
    pk, day = _helped_with_care_visits(world, case, caseworker, charity_staff)
    page = browser(caseworker).get(f"/cases/{pk}/").content.decode()
    assert "访视照料" in page and "care_visit" not in page
    printed = browser(caseworker).get(f"/cases/{pk}/print/").content.decode()
    assert "访视照料" in printed and "care_visit" not in printed
    assert day.isoformat() in printed
    # The charity that reported it reads the same words on its own page.
    assert "访视照料" in browser(charity_staff).get(f"/cases/{pk}/").content.decode()


def test_the_ledger_shows_the_services_on_the_day_they_were_given(
    world: World, case: Case, caseworker: User, charity_staff: User
) -> None:
    _, day = _helped_with_care_visits(world, case, caseworker, charity_staff)
    page = browser(caseworker).get(f"/cases/ledger/?person={case.person.pk}").content.decode()
    assert "访视照料" in page and "care_visit" not in page
    row = next(r for r in page.split("<tr>") if "访视照料" in r)
    assert day.isoformat() in row
    assert day.replace(day=1).isoformat() not in row  # not the month of the help
    resource_starts = timezone.localdate() - timedelta(days=200)
    assert resource_starts.isoformat() not in row  # nor the resource's period

    entries = api_as(caseworker).get(f"/api/v1/ledger/?person={case.person.pk}").json()["results"]
    assert [(e["period_start"], e["period_end"]) for e in entries] == [(day.isoformat(), day.isoformat())]

    export = browser(caseworker).get(f"/cases/ledger/export.xlsx?person={case.person.pk}")
    assert export.status_code == 200
    rows = [[c for c in r if c is not None] for r in load_workbook(io.BytesIO(export.content)).active.values]
    charity_rows = [r for r in rows if any("访视照料" in str(c) for c in r)]
    assert len(charity_rows) == 1
    assert day in [c.date() if hasattr(c, "date") else c for c in charity_rows[0]]
