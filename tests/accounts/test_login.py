import pytest

from tests.factories import PASSWORD


def test_the_login_page_is_in_chinese_by_default(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "登录" in html and "用户名" in html and "密码" in html


def test_the_login_page_follows_accept_language(client, db):
    html = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Sign in" in html and "Username" in html


def test_the_language_switcher_changes_the_language(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert "Sign in" in client.get("/accounts/login/").content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/accounts/login/"})
    assert "登录" in client.get("/accounts/login/").content.decode()


def test_a_caseworker_signs_in_and_lands_on_home(client, caseworker):
    response = client.post("/accounts/login/", {"username": "caseworker", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/"
    html = response.content.decode()
    assert "民政经办人员" in html
    assert "延川县民政局" in html


def test_a_wrong_password_says_so_in_chinese(client, caseworker):
    response = client.post("/accounts/login/", {"username": "caseworker", "password": "nope"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_home_needs_sign_in(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_logout_is_post_only(client, caseworker):
    client.force_login(caseworker)
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("persona", "sees_admin"),
    [
        ("caseworker", False),
        ("station_worker", False),
        ("charity_staff", False),
        ("supervisor", False),
        ("admin_user", True),
    ],
)
def test_navigation_depends_on_the_role(client, request, persona, sees_admin):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    html = client.get("/").content.decode()
    assert "机构名录" in html
    assert ('href="/admin/"' in html) is sees_admin


def test_pages_load_nothing_from_other_hosts(client, caseworker):
    client.force_login(caseworker)
    for url in ("/", "/accounts/login/", "/organizations/", "/api/docs/"):
        html = client.get(url).content.decode()
        assert 'src="http' not in html and 'href="http' not in html and "//cdn" not in html, url
