from tests.conftest import OUR_COUNTY, OUR_TOWNSHIP
from tests.factories import PASSWORD


def test_it_issues_a_token_that_authenticates(api, caseworker):
    response = api.post("/api/v1/auth/token/", {"username": "caseworker", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = api.get("/api/v1/me/")
    assert me.status_code == 200
    body = me.json()
    assert body["username"] == "caseworker"
    assert body["role"] == "caseworker"
    assert body["organization"] == caseworker.organization_id
    assert body["region"] == OUR_COUNTY


def test_a_wrong_password_gets_no_token(api, caseworker):
    response = api.post("/api/v1/auth/token/", {"username": "caseworker", "password": "wrong"}, format="json")
    assert response.status_code == 400
    assert "token" not in response.json()


def test_a_bad_token_is_401(api, db):
    api.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    assert api.get("/api/v1/me/").status_code == 401


def test_me_needs_authentication(api, db):
    assert api.get("/api/v1/me/").status_code == 401


def test_me_for_a_station_worker(api, station_worker):
    api.force_authenticate(station_worker)
    assert api.get("/api/v1/me/").json()["region"] == OUR_TOWNSHIP


def test_token_requests_are_throttled(api, caseworker):
    statuses = {
        api.post("/api/v1/auth/token/", {"username": "caseworker", "password": "guess"}, format="json").status_code
        for _ in range(25)
    }
    assert 429 in statuses


def test_session_auth_works_for_the_api(client, caseworker):
    client.force_login(caseworker)
    assert client.get("/api/v1/me/").json()["username"] == "caseworker"


def test_a_body_that_is_not_an_object_is_a_400_not_a_500(api, caseworker):
    # Found by the API fuzz test (a JSON body of `0`).
    for body in ("0", "[]", '"caseworker"'):
        response = api.post("/api/v1/auth/token/", body, content_type="application/json")
        assert response.status_code == 400, body
        assert "token" not in response.json()
