"""Error pages speak Chinese and stand alone (no database, session or static files needed)."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.views.defaults import bad_request, server_error

from accounts.models import User
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_a_missing_page_says_so_in_chinese(client: Client, caseworker: User) -> None:
    client.force_login(caseworker)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "页面不存在" in page and "返回首页" in page
    assert "Not Found" not in page


def test_a_page_of_another_role_is_refused_in_chinese(client: Client, station_worker: User) -> None:
    client.force_login(station_worker)
    response = client.get("/cases/new/")
    assert response.status_code == 403
    assert "您无权打开此页面" in response.content.decode()


def test_an_expired_form_explains_what_to_do(world, caseworker: User) -> None:
    browser = Client(enforce_csrf_checks=True)
    response = browser.post("/accounts/login/", {"username": caseworker.username, "password": PASSWORD})
    assert response.status_code == 403
    page = response.content.decode()
    assert "表单已过期" in page and "刷新后再提交" in page
    assert "CSRF" not in page


def test_a_bad_request_and_a_server_error_render_without_a_request_context() -> None:
    request = RequestFactory().get("/")
    assert "请求无法处理" in bad_request(request, Exception("bad")).content.decode()
    response = server_error(request)
    assert response.status_code == 500
    assert "系统出现了问题" in response.content.decode()


def test_the_database_outage_page_keeps_its_message() -> None:
    from core.unavailable import service_unavailable

    response = service_unavailable(RequestFactory().get("/cases/"))
    assert response.status_code == 503
    page = response.content.decode()
    assert "数据库暂时不可用" in page and "返回首页" in page
