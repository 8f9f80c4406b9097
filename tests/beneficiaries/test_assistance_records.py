"""Government assistance records: entered or imported, read under the person, scoped."""

from django.urls import reverse

from tests.conftest import api_as
from tests.factories import PASSWORD, make_assistance_record


def test_caseworker_enters_a_record_and_reads_it_by_person(caseworker, people, world):
    client = api_as(caseworker)
    response = client.post(
        "/api/v1/assistance-records/",
        {
            "person": people.in_township.pk,
            "programme": "medical",
            "amount": "3200.00",
            "period_start": "2026-03-01",
            "period_end": "2026-03-31",
            "granting_organization": world.bureau.pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    rows = client.get(f"/api/v1/assistance-records/?person={people.in_township.pk}").json()["results"]
    assert [(r["programme"], r["amount"]) for r in rows] == [("medical", "3200.00")]


def test_a_period_ending_before_it_starts_and_a_charity_as_granter_are_refused(caseworker, people, world):
    response = api_as(caseworker).post(
        "/api/v1/assistance-records/",
        {
            "person": people.in_township.pk,
            "programme": "dibao",
            "amount": "620",
            "period_start": "2026-03-01",
            "period_end": "2026-02-01",
            "granting_organization": world.charity.pk,
        },
        format="json",
    )
    assert response.status_code == 400
    assert {"period_end", "granting_organization"} <= set(response.json())


def test_other_county_cannot_see_records(other_county_caseworker, people, world):
    record = make_assistance_record(people.in_township, world.bureau)
    client = api_as(other_county_caseworker)
    assert client.get(f"/api/v1/assistance-records/{record.pk}/").status_code == 404
    assert client.get("/api/v1/assistance-records/").json()["count"] == 0


def test_the_entry_page(client, caseworker, people, world):
    client.login(username=caseworker.username, password=PASSWORD)
    response = client.post(
        reverse("beneficiaries:assistance_create", args=[people.in_township.pk]),
        {
            "programme": "temporary",
            "amount": "1500",
            "period_start": "2026-05-01",
            "period_end": "2026-05-01",
            "granting_organization": world.bureau.pk,
        },
    )
    assert response.status_code == 302
    detail = client.get(reverse("beneficiaries:person_detail", args=[people.in_township.pk])).content.decode()
    assert "1500" in detail


def test_the_entry_page_reads_amounts_as_the_imports_do(client, caseworker, people, world):
    """The form and the spreadsheet share core.normalise: 1.2万元 is 12000 in both, and 五千 is refused the same way."""
    from beneficiaries.models import AssistanceRecord

    client.login(username=caseworker.username, password=PASSWORD)
    url = reverse("beneficiaries:assistance_create", args=[people.in_township.pk])
    values = {
        "programme": "temporary",
        "period_start": "2026-05-01",
        "period_end": "2026-05-01",
        "granting_organization": world.bureau.pk,
    }
    refused = client.post(url, {**values, "amount": "五千"}).content.decode()
    assert "“五千”不是以元为单位的金额" in refused
    assert client.post(url, {**values, "amount": "1.2万元"}).status_code == 302
    assert str(AssistanceRecord.objects.get(person=people.in_township).amount) == "12000.00"
