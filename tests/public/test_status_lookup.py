"""Issue #16 item 2 and issue #15's "no page to look it up": reference + last four digits → the
stage only; "not found" and "wrong digits" look the same; throttled per address and per reference."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from beneficiaries.models import Need, OnlineApplication
from tests.conftest import World
from tests.factories import ComplaintFactory
from tests.public.conftest import LOOKUP_URL, PHONE, apply

pytestmark = pytest.mark.django_db


def _look(client: Client, reference: str, last4: str, **extra: Any) -> tuple[int, str]:
    response = client.post(LOOKUP_URL, {"reference": reference, "phone_last4": last4}, **extra)
    return response.status_code, response.content.decode()


def test_an_application_reads_received_then_verifying_then_referred_then_concluded(
    client: Client, world: World, station_worker: User
) -> None:
    apply(client)
    application = OnlineApplication.objects.get()
    need = Need.objects.get()
    status, page = _look(client, application.reference, PHONE[-4:])
    assert status == 200 and "办理阶段" in page and "<strong>受理</strong>" in page
    for personal in ("李桂兰", "永坪", "尿毒症", "医疗"):
        assert personal not in page  # the stage and nothing else
    staff = Client()
    staff.force_login(station_worker)
    staff.post(f"/register/needs/{need.pk}/", {"action": "called_back"})
    assert "<strong>核实中</strong>" in _look(client, application.reference, PHONE[-4:])[1]
    Need.objects.update(status="referred")
    assert "<strong>已转介</strong>" in _look(client, application.reference, PHONE[-4:])[1]
    Need.objects.update(status="fulfilled")
    assert "<strong>已办结</strong>" in _look(client, application.reference.lower(), PHONE[-4:])[1]


def test_a_complaint_with_a_phone_can_be_looked_up(client: Client, world: World) -> None:
    complaint = ComplaintFactory.create(region=world.our_county, contact="电话 139-1234-5678")
    assert "<strong>受理</strong>" in _look(client, complaint.reference, "5678")[1]
    complaint.status = "investigating"
    complaint.save()
    assert "<strong>核实中</strong>" in _look(client, complaint.reference, "5678")[1]


def test_not_found_and_wrong_digits_get_the_same_answer(client: Client, world: World) -> None:
    apply(client)
    reference = OnlineApplication.objects.get().reference
    anonymous = ComplaintFactory.create(region=world.our_county, contact="")
    answers = [
        _look(client, reference, "0000"),  # wrong digits
        _look(client, "SQ20000101000000", PHONE[-4:]),  # no such application
        _look(client, "TS20000101000000", "5678"),  # no such complaint
        _look(client, anonymous.reference, "0000"),  # a complaint without a phone
        _look(client, "XYZ", "12a4"),  # nonsense
    ]
    statuses = {status for status, _page in answers}
    assert statuses == {200}
    for _status, page in answers:
        assert "没有查到与该受理编号和号码后四位相符的记录" in page and "办理阶段" not in page
    alerts = {re.search(r'role="alert">(.*?)</div>', page, re.S).group(1) for _s, page in answers}  # type: ignore[union-attr]
    assert len(alerts) == 1


def test_the_api_answers_not_found_and_wrong_digits_alike(client: Client, world: World) -> None:
    apply(client)
    reference = OnlineApplication.objects.get().reference
    api = APIClient()
    wrong = api.post("/api/v1/status-lookup/", {"reference": reference, "phone_last4": "0000"}, format="json")
    missing = api.post(
        "/api/v1/status-lookup/", {"reference": "SQ20000101000000", "phone_last4": "5678"}, format="json"
    )
    assert (wrong.status_code, wrong.json()) == (missing.status_code, missing.json()) == (404, wrong.json())
    right = api.post("/api/v1/status-lookup/", {"reference": reference, "phone_last4": "5678"}, format="json")
    assert right.status_code == 200
    assert right.json() == {"reference": reference, "stage": "received", "stage_label": "受理"}


def test_wrong_digits_for_one_reference_are_limited_even_from_many_addresses(
    client: Client, world: World, settings
) -> None:
    settings.STATUS_LOOKUP_FAILURES_PER_REFERENCE_PER_HOUR = 3
    apply(client)
    reference = OnlineApplication.objects.get().reference
    for n in range(3):
        _look(client, reference, f"000{n}", REMOTE_ADDR=f"10.1.1.{n}")
    status, page = _look(client, reference, PHONE[-4:], REMOTE_ADDR="10.1.1.99")
    assert status == 429 and "查询错误次数过多" in page and "办理阶段" not in page
    # The same for a reference that does not exist: the limit tells nothing about existence.
    for n in range(3):
        _look(client, "SQ20000101000000", f"000{n}", REMOTE_ADDR=f"10.2.2.{n}")
    assert _look(client, "SQ20000101000000", "1234", REMOTE_ADDR="10.2.2.99")[0] == 429


def test_one_address_is_limited(client: Client, world: World, settings) -> None:
    settings.STATUS_LOOKUP_RATE_PER_ADDRESS_PER_HOUR = 2
    statuses = [_look(client, f"SQ2000010100000{n}", "1234")[0] for n in range(3)]
    assert statuses == [200, 200, 429]


def test_the_lookup_is_linked_from_the_public_pages(client: Client, world: World) -> None:
    assert LOOKUP_URL in client.get("/supply/public/").content.decode()
    assert LOOKUP_URL in apply(client).content.decode()
    assert LOOKUP_URL in client.get("/apply/").content.decode()
    sign_in_page = client.get("/accounts/login/").content.decode()
    assert LOOKUP_URL in sign_in_page and 'href="/apply/"' in sign_in_page


def test_the_complaint_confirmation_links_the_lookup(
    client: Client, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from charities.forms import complaint_form_token

    monkeypatch.setattr("charities.forms.COMPLAINT_MIN_SECONDS", 0)
    response = client.post(
        "/supply/public/complaint/",
        {
            "region": "陕西省 › 延安市 › 延川县",
            "content": "村里的救助名额没有公示，希望核查。",
            "contact": "13912345678",
            "form_token": complaint_form_token(),
        },
    )
    assert "投诉已受理" in response.content.decode() and LOOKUP_URL in response.content.decode()
