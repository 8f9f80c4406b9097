"""Every county dashboard number against a small hand-built county whose answers are known."""

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

from beneficiaries.models import Need, Person
from cases.ledger import ledger_for
from cases.models import FollowUp, ReferralEvent
from dashboards import selectors
from dashboards.reports import county_report
from dashboards.selectors import Scope
from tests.factories import make_assistance_record, make_need, make_person, make_referral

TODAY = timezone.localdate()
PERIOD = Scope(region=None, since=TODAY - timedelta(days=30), until=TODAY)


def _scope(region):
    return Scope(region=region, since=PERIOD.since, until=PERIOD.until)


def _event(referral, action, hours):
    event = ReferralEvent.objects.create(referral=referral, action=action)
    ReferralEvent.objects.filter(pk=event.pk).update(at=referral.sent_at + timedelta(hours=hours))


@pytest.fixture
def county(world):
    """Our township: 3 people; the other township: 1; the other county: 1 (never counted)."""
    now = timezone.now()
    a = make_person(world.our_village, name="甲")
    b = make_person(world.our_township, name="乙")
    c = make_person(world.our_township, name="丙", vulnerabilities=["minor"])
    d = make_person(world.other_township, name="丁")
    e = make_person(world.other_county, name="戊")
    n1 = make_need(a, category="medical", urgency="urgent")
    n2 = make_need(b, category="medical", urgency="routine")
    n3 = make_need(c, category="education", urgency="routine")
    n4 = make_need(d, category="living", urgency="emergency")
    make_need(e, category="medical", urgency="routine")
    old = make_need(b, category="housing", urgency="routine")  # logged 40 days ago: outside the period, a gap
    Need.objects.filter(pk=old.pk).update(created_at=now - timedelta(days=40))

    # Referrals: r1 accepted after 2 h and in progress (covers n1); r2 helped (accept 4 h, feedback 30 h);
    # r3 sent, 10 h left; r4 sent, overdue; r5 in the other county; r6 to government (decided after 10 h).
    r1 = make_referral(
        person=a, from_organization=world.bureau, to_organization=world.charity, status="in_progress", needs=[n1]
    )
    _event(r1, "accept", 2)
    r2 = make_referral(
        person=b,
        from_organization=world.bureau,
        to_organization=world.charity,
        status="completed",
        needs=[n2],
        amount=Decimal("800.00"),
    )
    _event(r2, "accept", 4)
    _event(r2, "feedback", 30)
    make_referral(
        person=c,
        from_organization=world.bureau,
        to_organization=world.other_charity,
        status="sent",
        needs=[n3],
        respond_by=now + timedelta(hours=10),
    )
    make_referral(
        person=d,
        from_organization=world.bureau,
        to_organization=world.charity,
        status="sent",
        needs=[n4],
        respond_by=now - timedelta(hours=5),
    )
    make_referral(
        person=e, from_organization=world.other_bureau, to_organization=world.other_charity, status="in_progress"
    )
    r6 = make_referral(
        person=None,
        region=world.our_township,
        direction="to_government",
        from_organization=world.charity,
        to_organization=world.bureau,
        status="completed",
    )
    _event(r6, "decide", 10)

    # Government assistance: a's medical assistance overlaps r1? r1 is not helped. b: medical this month + r2 → duplicate.
    make_assistance_record(
        b,
        world.bureau,
        programme="medical",
        amount="300.00",
        period_start=TODAY.replace(day=1),
        period_end=TODAY.replace(day=1) + timedelta(days=27),
    )
    make_assistance_record(
        a,
        world.bureau,
        programme="dibao",
        amount="620.00",
        period_start=TODAY - timedelta(days=10),
        period_end=TODAY + timedelta(days=170),
    )

    # Follow-ups: two done (5 and 3, one need met), one due and overdue.
    FollowUp.objects.create(
        referral=r2,
        region=b.region,
        due_on=TODAY - timedelta(days=3),
        status="done",
        satisfaction=5,
        need_met=True,
        visited_on=TODAY - timedelta(days=1),
    )
    r7 = make_referral(person=c, from_organization=world.bureau, to_organization=world.charity, status="closed")
    ReferralEvent.objects.filter(referral=r7).delete()
    FollowUp.objects.create(
        referral=r7,
        region=c.region,
        due_on=TODAY - timedelta(days=3),
        status="done",
        satisfaction=3,
        need_met=False,
        visited_on=TODAY,
    )
    r8 = make_referral(person=d, from_organization=world.bureau, to_organization=world.charity, status="closed")
    FollowUp.objects.create(referral=r8, region=d.region, due_on=TODAY - timedelta(days=1), status="due")
    return {"a": a, "b": b, "c": c, "d": d, "e": e}


def test_needs_by_category_and_urgency(county, world):
    rows = selectors.needs_by_category_and_urgency(_scope(world.our_county))
    assert {(r["category"], r["urgency"]): r["count"] for r in rows} == {
        ("medical", "urgent"): 1,
        ("medical", "routine"): 1,
        ("education", "routine"): 1,
        ("living", "emergency"): 1,
    }


def test_township_filter_narrows_every_count(county, world):
    rows = selectors.needs_by_category_and_urgency(_scope(world.our_township))
    assert sum(r["count"] for r in rows) == 3
    assert selectors.coverage(_scope(world.other_township)).open_needs == 1


def test_period_filter_leaves_out_older_needs(county, world):
    scope = Scope(region=world.our_county, since=TODAY - timedelta(days=60), until=TODAY)
    assert sum(r["count"] for r in selectors.needs_by_category_and_urgency(scope)) == 5
    past = Scope(region=world.our_county, since=TODAY - timedelta(days=60), until=TODAY - timedelta(days=35))
    assert [(r["category"], r["count"]) for r in selectors.needs_by_category_and_urgency(past)] == [("housing", 1)]


def test_referrals_by_status_and_organization(county, world):
    scope = _scope(world.our_county)
    by_status = {(r["direction"], r["status"]): r["count"] for r in selectors.referrals_by_status(scope)}
    assert by_status == {
        ("to_charity", "in_progress"): 1,
        ("to_charity", "completed"): 1,
        ("to_charity", "sent"): 2,
        ("to_charity", "closed"): 2,
        ("to_government", "completed"): 1,
    }
    by_org = {
        r["to_organization__name"]: (r["sent"], r["accepted"], r["helped"], r["declined"])
        for r in selectors.referrals_by_organization(scope)
    }
    # 延川县慈善协会: r1, r2, r4, r7, r8 — accepted at some point: r1, r2, r7, r8; helped: r2, r7, r8 (closed ones carry "helped")
    assert by_org == {"延川县慈善协会": (5, 4, 3, 0), "延长县阳光助困基金会": (1, 0, 0, 0)}


def test_median_times(county, world):
    scope = _scope(world.our_county)
    assert selectors.median_hours_to_accept(scope) == (3.0, 2)  # 2 h and 4 h
    assert selectors.median_hours_to_feedback(scope) == (20.0, 2)  # 30 h feedback, 10 h decision


def test_median_of_an_odd_count_is_the_middle_one(county, world):
    r = make_referral(
        person=county["a"], from_organization=world.bureau, to_organization=world.charity, status="accepted"
    )
    _event(r, "accept", 100)
    assert selectors.median_hours_to_accept(_scope(world.our_county)) == (4.0, 3)


def test_expiring_and_overdue(county, world):
    due = selectors.deadlines(_scope(world.our_county))
    assert (due.expiring, due.overdue, due.follow_ups_overdue) == (1, 1, 1)
    assert selectors.deadlines(_scope(world.our_township)).overdue == 0


def test_coverage(county, world):
    cover = selectors.coverage(_scope(world.our_county))
    # open needs: n1 (referred, help under way), n3, n4, old housing need; n2 is still open too (not fulfilled)
    assert (cover.open_needs, cover.with_help) == (5, 1)
    assert cover.percent == 20.0


def test_ledger_flags_match_the_ledger_page(county, world):
    flags = selectors.ledger_flags(_scope(world.our_county))
    ledger = ledger_for(Person.objects.filter(region__code__startswith="610622"))
    assert flags.duplicates == ledger.duplicate_count == 2  # b's medical assistance and r2's help, same month
    assert flags.gaps == len(ledger.gaps) == 1  # the housing need logged 40 days ago
    assert flags.people == 4


def test_gap_rule_in_sql_is_the_ledgers(county, world):
    in_county = selectors.gap_needs().filter(region__code__startswith="610622")
    ledger = ledger_for(Person.objects.filter(region__code__startswith="610622"))
    assert sorted(in_county.values_list("id", flat=True)) == sorted(g.need_id for g in ledger.gaps)


def test_follow_up_satisfaction(county, world):
    result = selectors.follow_up_satisfaction(_scope(world.our_county))
    assert (result.visits, result.average, result.need_met) == (2, 4.0, 1)
    assert result.by_score == {1: 0, 2: 0, 3: 1, 4: 0, 5: 1}


def test_other_county_is_never_counted(county, world):
    scope = _scope(world.other_county)
    assert sum(r["count"] for r in selectors.needs_by_category_and_urgency(scope)) == 1
    assert {r["status"] for r in selectors.referrals_by_status(scope)} == {"in_progress"}


def test_report_costs_a_fixed_number_of_queries(county, world):
    scope = _scope(world.our_county)
    with CaptureQueriesContext(connection) as first:
        county_report(scope)
    for i in range(5):
        p = make_person(world.our_village, name=f"加{i}")
        n = make_need(p)
        make_referral(
            person=p, from_organization=world.bureau, to_organization=world.charity, status="completed", needs=[n]
        )
        make_assistance_record(p, world.bureau)
    with CaptureQueriesContext(connection) as second:
        county_report(scope)
    assert len(first) == len(second) <= 20


def test_page_shows_the_numbers(county, caseworker):
    client = Client()
    client.force_login(caseworker)
    response = client.get(reverse("dashboards:county"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "延川县慈善协会" in html and "延长县阳光助困基金会" in html
    assert 'id="dashboard-charts"' in html
    # Charts come from the npm copy served locally and a static script: no CDN, no inline code.
    assert 'src="/static/vendor/chart.umd.js"' in html and 'src="/static/dashboards/charts.js"' in html
    assert "<script>" not in html and " onclick=" not in html and "http://" not in html.split("<body>")[0]
    assert "戊" not in html


def test_export_holds_the_same_numbers(county, caseworker, world):
    client = Client()
    client.force_login(caseworker)
    response = client.get(reverse("dashboards:county_export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [tuple(row) for row in sheet.iter_rows(min_row=2, values_only=True)]
    report = county_report(Scope(region=world.our_county, since=TODAY - timedelta(days=364), until=TODAY))
    expected = [
        tuple(None if v is None else (float(v) if isinstance(v, Decimal) else v) for v in row)
        for row in report.export_rows()
    ]
    got = [tuple(None if v in ("", None) else v for v in row) for row in cells[1:]]
    assert got == [tuple(None if v == "" else v for v in row) for row in expected]
    assert any(row[-1] == 3.0 for row in got)  # the median hours to accept


def test_default_period_is_the_last_year(caseworker):
    client = Client()
    client.force_login(caseworker)
    response = client.get(reverse("dashboards:county"))
    scope = response.context["report"].scope
    assert scope.until == TODAY and scope.since == TODAY - timedelta(days=364)
    html = response.content.decode()
    assert f'value="{TODAY - timedelta(days=364):%Y-%m-%d}"' in html and f'value="{TODAY:%Y-%m-%d}"' in html


def test_reversed_period_is_an_error_next_to_the_field(caseworker):
    client = Client()
    client.force_login(caseworker)
    response = client.get(reverse("dashboards:county"), {"since": "2026-05-01", "until": "2026-04-01"})
    assert response.status_code == 200
    assert response.context["form"].errors["until"]


def test_a_chart_with_nothing_to_show_is_not_drawn(county, caseworker):
    client = Client()
    client.force_login(caseworker)
    charts = client.get(reverse("dashboards:county"), {"since": "2020-01-01", "until": "2020-12-31"}).context["charts"]
    assert charts == {}
    charts = client.get(reverse("dashboards:county")).context["charts"]
    assert set(charts) == {"needs", "referral_status", "referral_organization", "satisfaction"}
    assert charts["needs"]["series"][0]["label"] == "常规"
