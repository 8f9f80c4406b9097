"""Issue 14, finding 12: ordinary bad input is a 400 with a clear Chinese message, never a 500.

Each test is an attack the probe made, through the interface it used: a NUL byte in the anonymous
supply search, in a username and in a referral's ``person_details``; far dates on the dashboards,
the evaluation, the audit log and the complaint pages and their exports; JSON nested 10,000 deep on
the anonymous complaint endpoint; ``{"person": 1e999999}``; a complaint concerning nobody; a 5 MB
body under the development server. The fuzz test (test_fuzz.py) sends the same to every URL.
"""

from __future__ import annotations

import io
from wsgiref.handlers import SimpleHandler
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.wsgi import get_wsgi_application
from django.test import Client

from accounts.models import User
from charities.models import Complaint
from tests.conftest import World, api_as

pytestmark = pytest.mark.django_db

NUL_MESSAGE = "内容中含有空字符"


def test_a_nul_byte_in_the_public_supply_search_is_a_400(client: Client, world: World) -> None:
    response = client.get("/supply/public/?q=%00")
    assert response.status_code == 400
    assert NUL_MESSAGE in response.content.decode()


def test_a_nul_byte_in_an_api_filter_is_a_400_naming_the_parameter(caseworker: User) -> None:
    response = api_as(caseworker).get("/api/v1/persons/?q=abc%00")
    assert response.status_code == 400
    assert NUL_MESSAGE in response.json()["q"][0]


def test_a_nul_byte_in_a_username_is_a_400(client: Client, world: World) -> None:
    response = client.post("/accounts/login/", {"username": "caseworker\x00", "password": "x"})
    assert response.status_code == 400
    assert NUL_MESSAGE in response.content.decode()


def test_a_nul_byte_in_a_referrals_person_details_is_a_400(charity_staff: User, world: World) -> None:
    response = api_as(charity_staff).post(
        "/api/v1/referrals/",
        {
            "direction": "to_government",
            "person_details": {"name": "赵\x00大山", "region": world.our_village.code},
            "note": "独居老人",
        },
        format="json",
    )
    assert response.status_code == 400
    assert NUL_MESSAGE in str(response.json())


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
@pytest.mark.parametrize(
    ("persona", "url"),
    [
        ("caseworker", "/dashboards/"),
        ("caseworker", "/dashboards/export.xlsx"),
        ("caseworker", "/dashboards/evaluation/"),
        ("caseworker", "/dashboards/evaluation/export.xlsx"),
        ("caseworker", "/cases/happiness/"),
        ("supervisor", "/supervision/audit/"),
        ("supervisor", "/supervision/complaints/"),
    ],
)
def test_a_far_date_on_period_pages_and_exports_is_refused_with_a_message(
    persona: str, url: str, day: str, request: pytest.FixtureRequest
) -> None:
    client = Client()
    client.force_login(request.getfixturevalue(persona))
    for query in ({"until": day}, {"since": day}, {"since": day, "until": day}):
        response = client.get(url, query)
        assert response.status_code == 200, (query, response.status_code)
        if "export" not in url and "happiness" not in url:
            assert "不是合理的日期" in response.content.decode(), query


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_a_far_date_on_the_audit_api_is_a_400(supervisor: User, day: str) -> None:
    response = api_as(supervisor).get("/api/v1/audit-entries/", {"until": day})
    assert response.status_code == 400
    assert "不是合理的日期" in response.json()["until"][0]


def test_deeply_nested_json_on_the_anonymous_complaint_endpoint_is_a_400(world: World) -> None:
    body = '{"content": ' + "[" * 10_000 + "]" * 10_000 + "}"
    response = Client().post("/api/v1/complaints/", body, content_type="application/json")
    assert response.status_code == 400
    assert "嵌套超过" in response.json()["detail"]


@pytest.mark.parametrize("number", ["1e999999", "-1e999999", "NaN", "9" * 30])
def test_an_overflowing_number_is_a_400(caseworker: User, number: str) -> None:
    response = api_as(caseworker).post("/api/v1/needs/", '{"person": ' + number + "}", content_type="application/json")
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]


def test_a_30_digit_id_in_an_api_filter_finds_nothing(caseworker: User) -> None:
    response = api_as(caseworker).get("/api/v1/referrals/", {"person": "9" * 30})
    assert response.status_code == 200 and response.json()["count"] == 0


def test_a_complaint_concerning_no_county_and_no_organization_is_refused(world: World) -> None:
    response = Client().post(
        "/api/v1/complaints/", {"content": "发放名单没有公示出来，请核查。"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "请选择" in response.json()["region"][0]
    assert not Complaint.objects.exists()


def test_an_old_complaint_concerning_nobody_does_not_break_the_administrators_list(
    client: Client, admin_user: User, world: World
) -> None:
    Complaint.objects.create(reference="TS20260101000001", content="发放名单没有公示出来，请核查。")
    client.force_login(admin_user)
    response = client.get("/supervision/complaints/")
    assert response.status_code == 200
    assert "TS20260101000001" in response.content.decode()
    assert "未分派" in response.content.decode()


def test_a_5_mb_body_under_the_development_server_is_a_413_not_a_500() -> None:
    # wsgiref (runserver's server) refuses hop-by-hop headers such as "Connection: close" from the app.
    body = b"x" * (5 * 1024 * 1024)
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/api/v1/complaints/",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
    }
    setup_testing_defaults(environ)
    out, errors = io.BytesIO(), io.StringIO()
    SimpleHandler(io.BytesIO(body), out, errors, environ).run(get_wsgi_application())
    status_line = out.getvalue().split(b"\r\n", 1)[0]
    assert b" 413 " in status_line, (status_line, errors.getvalue()[-300:])
