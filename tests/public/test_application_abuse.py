"""Issue #16 item 1, anti-abuse without a captcha service: each limit through the page and the API
(one service behind both), and what a person sees when one is hit."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from beneficiaries.forms_public import application_initial
from beneficiaries.models import Need, OnlineApplication
from tests.conftest import World
from tests.public.conftest import APPLY_URL, api_data, apply, form_data

pytestmark = pytest.mark.django_db


def test_one_address_is_throttled_after_the_hourly_limit(client: Client, world: World, settings) -> None:
    settings.APPLICATION_RATE_PER_ADDRESS_PER_HOUR = 2
    statuses = [apply(client, phone=f"1390000000{n}").status_code for n in range(3)]
    assert statuses == [200, 200, 429]
    response = apply(client, phone="13900000009")
    assert "过去一小时内从此网络提交的申请过多" in response.content.decode()
    assert OnlineApplication.objects.count() == 2


def test_another_address_is_not_throttled_by_the_first(client: Client, world: World, settings) -> None:
    settings.APPLICATION_RATE_PER_ADDRESS_PER_HOUR = 1
    apply(client)
    response = client.post(APPLY_URL, form_data(phone="13900000001", categories=["housing"]), REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 200 and OnlineApplication.objects.count() == 2


def test_a_forged_forwarded_for_header_does_not_escape_the_address_limit(
    client: Client, world: World, settings
) -> None:
    settings.APPLICATION_RATE_PER_ADDRESS_PER_HOUR = 1
    apply(client)
    response = client.post(
        APPLY_URL, form_data(phone="13900000001", categories=["housing"]), HTTP_X_FORWARDED_FOR="8.8.8.8"
    )
    assert response.status_code == 429


def test_one_phone_is_throttled_after_the_daily_limit_from_any_address(client: Client, world: World, settings) -> None:
    settings.APPLICATION_RATE_PER_PHONE_PER_DAY = 2
    answers = [
        client.post(APPLY_URL, form_data(categories=[category]), REMOTE_ADDR=f"10.0.0.{n}")
        for n, category in enumerate(["medical", "housing", "education"], start=1)
    ]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert "今天用此电话号码提交的申请过多" in answers[2].content.decode()
    assert Need.objects.count() == 2


def test_the_honeypot_refuses_and_files_nothing(client: Client, world: World) -> None:
    response = apply(client, website="http://spam.example")
    assert response.status_code == 200
    assert "表单未能受理" in response.content.decode()
    assert not OnlineApplication.objects.exists()


def test_a_form_sent_faster_than_a_person_reads_is_refused(
    client: Client, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("beneficiaries.forms_public.APPLICATION_MIN_SECONDS", 5)
    response = client.post(APPLY_URL, form_data(**application_initial()))
    assert "提交过快" in response.content.decode()
    assert not OnlineApplication.objects.exists()


def test_the_same_phone_and_category_again_gets_the_same_reference_and_no_second_need(
    client: Client, world: World
) -> None:
    apply(client)
    first = OnlineApplication.objects.get()
    response = apply(client, name="李桂兰", what_happened="再次提交：丈夫透析费用太高，家里负担不起。")
    page = response.content.decode()
    assert "此申请此前已经受理" in page and first.reference in page
    assert OnlineApplication.objects.count() == 1 and Need.objects.count() == 1


def test_the_same_id_number_from_another_phone_logs_no_second_need_and_tells_nothing(
    client: Client, world: World, station_worker
) -> None:
    apply(client)
    first = OnlineApplication.objects.get()
    response = apply(client, phone="13600001234")
    page = response.content.decode()
    assert first.reference not in page and "此申请此前已经受理" not in page  # no oracle for an ID number
    repeat = OnlineApplication.objects.exclude(pk=first.pk).get()
    assert repeat.duplicate_of == first and Need.objects.count() == 1
    client.force_login(station_worker)
    need_page = client.get(f"/register/needs/{Need.objects.get().pk}/").content.decode()
    assert "136****1234" in need_page and repeat.reference in need_page


def test_a_closed_need_does_not_count_as_a_repeat(client: Client, world: World) -> None:
    apply(client)
    Need.objects.update(status="closed")
    apply(client)
    assert OnlineApplication.objects.count() == 2 and Need.objects.count() == 2


def test_too_long_a_story_is_refused_with_the_limit(client: Client, world: World) -> None:
    response = apply(client, what_happened="很" * 1001)
    assert "请控制在 1000 字以内" in response.content.decode()
    assert not OnlineApplication.objects.exists()


def test_too_many_categories_are_refused(client: Client, world: World) -> None:
    response = apply(client, categories=["medical", "living", "housing", "education", "care"])
    assert "最多选择 4 项帮助" in response.content.decode()


def test_a_body_over_the_byte_limit_is_refused_unread(client: Client, world: World, settings) -> None:
    settings.APPLICATION_MAX_BODY_BYTES = 2048
    response = apply(client, address="村" * 2000)
    assert response.status_code == 413
    assert "申请内容过长" in response.content.decode()
    assert not OnlineApplication.objects.exists()


# --- the API: the same service, so the same limits -------------------------------------------


def test_the_api_files_an_application_without_an_account(world: World) -> None:
    response = APIClient().post("/api/v1/applications/", api_data(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == {"reference", "already_received", "call_back_hours"}
    assert Need.objects.get().source == "online"


def test_the_api_answers_a_repeat_with_the_same_reference(world: World) -> None:
    api = APIClient()
    first = api.post("/api/v1/applications/", api_data(), format="json").json()
    again = api.post("/api/v1/applications/", api_data(), format="json")
    assert again.status_code == 200 and again.json() == {**first, "already_received": True}


def test_the_api_is_held_to_the_address_limit(world: World, settings) -> None:
    settings.APPLICATION_RATE_PER_ADDRESS_PER_HOUR = 1
    api = APIClient()
    api.post("/api/v1/applications/", api_data(), format="json")
    response = api.post("/api/v1/applications/", api_data(phone="13900000001"), format="json")
    assert response.status_code == 429 and response.json()["code"] == "application_throttled"


def test_the_api_refuses_bad_fields_in_chinese(world: World) -> None:
    response = APIClient().post("/api/v1/applications/", api_data(region="610622000000", agrees=False), format="json")
    assert response.status_code == 400
    assert "乡镇" in response.json()["region"][0] and "同意" in response.json()["agrees"][0]


def test_the_api_refuses_an_oversized_body(world: World, settings) -> None:
    settings.APPLICATION_MAX_BODY_BYTES = 1024
    response = APIClient().post("/api/v1/applications/", api_data(address="村" * 1000), format="json")
    assert response.status_code == 413
