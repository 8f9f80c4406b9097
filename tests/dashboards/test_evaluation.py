"""Every evaluation indicator (SPEC rule 12) against a small hand-built county."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from beneficiaries.models import Need
from cases.models import ReferralEvent
from dashboards import selectors
from dashboards.reports import evaluation_report
from dashboards.selectors import Scope
from tests.factories import (
    DeliveryFactory,
    ResourceFactory,
    make_assistance_record,
    make_need,
    make_person,
    make_referral,
)

TODAY = timezone.localdate()


def _scope(region):
    return Scope(region=region, since=TODAY - timedelta(days=30), until=TODAY)


@pytest.fixture
def county(world):
    """Four households in our county (a, b, c in our township, d in the other), one in the other county.

    a: three needs logged now — n1 referred (r1, answered in 2 h), n2 not referred, n3 only in a draft —
       and dibao 620 from 10 days ago;
    b: a routine need logged 40 days ago with no help (a gap) and charity help of 800 today (r_help);
    c: a minor with medical assistance 300 from 5 days ago;
    d: a need fulfilled.
    Referrals: r1 on time; r_late answered after its deadline; r_silent unanswered past its deadline;
    r_waiting unanswered, deadline ahead (not yet counted)."""
    now = timezone.now()
    a = make_person(world.our_village, name="甲")
    b = make_person(world.our_township, name="乙")
    c = make_person(world.our_township, name="丙", vulnerabilities=["minor"])
    d = make_person(world.other_township, name="丁")
    e = make_person(world.other_county, name="戊")
    n1 = make_need(a)
    make_need(a, category="housing")
    n3 = make_need(a, category="education")
    gap = make_need(b, category="living")
    Need.objects.filter(pk=gap.pk).update(created_at=now - timedelta(days=40))
    make_need(d, status="fulfilled")
    make_need(e)

    r1 = make_referral(
        person=a, from_organization=world.bureau, to_organization=world.charity, status="accepted", needs=[n1]
    )
    ReferralEvent.objects.create(referral=r1, action="accept")
    make_referral(person=a, from_organization=world.bureau, to_organization=world.charity, status="draft", needs=[n3])
    make_referral(
        person=b,
        from_organization=world.bureau,
        to_organization=world.charity,
        status="completed",
        amount=Decimal("800.00"),
    )
    late = make_referral(
        person=c,
        from_organization=world.bureau,
        to_organization=world.charity,
        status="accepted",
        sent_at=now - timedelta(days=10),
        respond_by=now - timedelta(days=7),
    )
    event = ReferralEvent.objects.create(referral=late, action="accept")
    ReferralEvent.objects.filter(pk=event.pk).update(at=now - timedelta(days=5))
    make_referral(
        person=d,
        from_organization=world.bureau,
        to_organization=world.charity,
        status="sent",
        respond_by=now - timedelta(hours=1),
    )
    make_referral(
        person=d,
        from_organization=world.bureau,
        to_organization=world.other_charity,
        status="sent",
        respond_by=now + timedelta(days=2),
    )

    make_assistance_record(
        a,
        world.bureau,
        programme="dibao",
        amount="620.00",
        period_start=TODAY - timedelta(days=10),
        period_end=TODAY + timedelta(days=170),
    )
    make_assistance_record(
        c,
        world.bureau,
        programme="medical",
        amount="300.00",
        period_start=TODAY - timedelta(days=5),
        period_end=TODAY + timedelta(days=20),
    )
    make_assistance_record(
        e,
        world.other_bureau,
        programme="dibao",
        amount="999.00",
        period_start=TODAY - timedelta(days=5),
        period_end=TODAY,
    )

    resource = ResourceFactory.create(organization=world.charity)
    DeliveryFactory.create(
        resource=resource, people=2, amount="500.00", services=["care_visit"], region=world.our_village
    )
    DeliveryFactory.create(resource=resource, people=1, amount="200.00", region=world.our_township)
    DeliveryFactory.create(resource=resource, people=5, amount="999.00", region=world.other_county)
    return {"a": a, "b": b, "c": c, "d": d}


def test_consistency(county, world):
    ratio = selectors.consistency(_scope(world.our_county))
    # due: r1 (answered), r_late (answered), r_silent (deadline passed); on time: r1 only
    assert (ratio.part, ratio.whole, ratio.percent) == (1, 3, 33.3)


def test_coordination(county, world):
    ratio = selectors.coordination(_scope(world.our_county))
    # needs logged in the period: n1, n2, n3, d's fulfilled need; referred across: n1 (n3 only in a draft)
    assert (ratio.part, ratio.whole, ratio.percent) == (1, 4, 25.0)


def test_integration(county, world):
    ratio = selectors.integration(_scope(world.our_county))
    # households in the ledger: a, b, c, d; b's has a gap
    assert (ratio.part, ratio.whole, ratio.percent) == (3, 4, 75.0)


def test_fairness_by_township(county, world):
    rows = {row.key: row for row in selectors.fairness_by_township(_scope(world.our_county))}
    ours, other = rows["610622100"], rows["610622102"]
    assert (ours.label, ours.people, ours.helped, ours.money, ours.per_person) == (
        "永坪镇",
        3,
        3,
        Decimal("1720.00"),
        Decimal("573.33"),
    )
    assert (other.label, other.people, other.helped, other.money, other.per_person) == (
        "文安驿镇",
        1,
        0,
        Decimal("0.00"),
        Decimal("0.00"),
    )
    assert set(rows) == {"610622100", "610622102"}


def test_fairness_by_focus_group(county, world):
    rows = {row.key: row for row in selectors.fairness_by_focus_group(_scope(world.our_county))}
    assert (rows["all"].people, rows["all"].helped, rows["all"].money, rows["all"].per_person) == (
        4,
        3,
        Decimal("1720.00"),
        Decimal("430.00"),
    )
    assert (rows["minor"].people, rows["minor"].helped, rows["minor"].money) == (1, 1, Decimal("300.00"))
    assert (rows["disabled"].people, rows["disabled"].per_person) == (0, None)


def test_effect(county, world):
    result = selectors.effect(_scope(world.our_county))
    assert (result.needs_logged, result.needs_fulfilled, result.fulfilled_percent) == (4, 1, 25.0)


def test_benefit(county, world):
    money = selectors.benefit(_scope(world.our_county))
    assert (money.government_money, money.government_records) == (Decimal("920.00"), 2)
    assert (money.charity_money, money.charity_people, money.charity_deliveries, money.service_deliveries) == (
        Decimal("700.00"),
        3,
        2,
        1,
    )


def test_empty_county_shows_no_percentages(world):
    report = evaluation_report(_scope(world.our_county))
    headlines = {t.key: t.headline for t in report.tables}
    assert headlines["consistency"] is None and headlines["coordination"] is None


def test_every_indicator_has_a_definition(county, world):
    report = evaluation_report(_scope(world.our_county))
    assert all(table.definition for table in report.tables)


def test_page_shows_definitions_in_chinese(county, caseworker):
    client = Client()
    client.force_login(caseworker)
    html = client.get(reverse("dashboards:evaluation")).content.decode()
    assert "一致性" in html and "协调性" in html and "整合性" in html
    assert "公平性" in html and "效果性" in html and "受益性" in html
    assert "定义" in html


def test_export_holds_the_page_numbers(county, caseworker, world):
    client = Client()
    client.force_login(caseworker)
    response = client.get(reverse("dashboards:evaluation_export"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    got = [tuple(None if v == "" else v for v in row) for row in sheet.iter_rows(min_row=3, values_only=True)]
    report = evaluation_report(Scope(region=world.our_county, since=TODAY - timedelta(days=364), until=TODAY))
    expected = [
        tuple(None if v == "" else (float(v) if isinstance(v, Decimal) else v) for v in row)
        for row in report.export_rows()
    ]
    assert got == expected
    values = [row[3] for row in got]
    assert 33.3 in values and 75.0 in values and 1720 in values and 920 in values


def test_fixed_number_of_queries(county, world):
    scope = _scope(world.our_county)
    with CaptureQueriesContext(connection) as first:
        evaluation_report(scope)
    for i in range(4):
        p = make_person(world.our_village, name=f"加{i}", vulnerabilities=["disabled"])
        make_need(p)
        make_assistance_record(p, world.bureau, period_start=TODAY - timedelta(days=3), period_end=TODAY)
        make_referral(person=p, from_organization=world.bureau, to_organization=world.charity, status="completed")
    with CaptureQueriesContext(connection) as second:
        evaluation_report(scope)
    assert len(first) == len(second) <= 20
