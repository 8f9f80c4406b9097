"""Who sees and who may change organizations through /api/v1/organizations/."""

from accounts.models import Role
from core.models import Organization, OrganizationKind
from tests.conftest import OUR_COUNTY, api_as
from tests.factories import OrganizationFactory, UserFactory, make_credit_code, region


def names(response):
    assert response.status_code == 200, response.content
    return {row["name"] for row in response.json()["results"]}


def test_anonymous_is_refused(api, world):
    assert api.get("/api/v1/organizations/").status_code == 401


def test_caseworker_sees_the_county_organizations_not_the_other_county(caseworker, world):
    seen = names(api_as(caseworker).get("/api/v1/organizations/"))
    assert {"延川县民政局", "永坪镇民政服务站", "延川县慈善协会"} <= seen
    assert "延长县民政局" not in seen and "延长县阳光助困基金会" not in seen
    assert api_as(caseworker).get(f"/api/v1/organizations/{world.other_charity.pk}/").status_code == 404


def test_caseworker_sees_a_charity_from_elsewhere_that_serves_the_county(caseworker, world):
    guangzhou = region("440100000000", "广州市")
    helper = OrganizationFactory.create(name="广州市慈善会", region=guangzhou, service_regions=[world.our_county])
    assert api_as(caseworker).get(f"/api/v1/organizations/{helper.pk}/").status_code == 200


def test_station_worker_sees_its_township_and_the_county_serving_it(station_worker, world):
    seen = names(api_as(station_worker).get("/api/v1/organizations/"))
    assert "永坪镇民政服务站" in seen
    assert "延川县慈善协会" in seen  # serves the whole county, so the township too
    assert "延长县民政局" not in seen


def test_charity_staff_see_their_own_and_the_offices_not_another_charity(charity_staff, world):
    client = api_as(charity_staff)
    seen = names(client.get("/api/v1/organizations/"))
    assert "延川县慈善协会" in seen and "延川县民政局" in seen
    assert "延长县阳光助困基金会" not in seen
    assert client.get(f"/api/v1/organizations/{world.other_charity.pk}/").status_code == 404


def test_the_other_charity_cannot_see_ours(other_charity_staff, world):
    assert api_as(other_charity_staff).get(f"/api/v1/organizations/{world.charity.pk}/").status_code == 404


def test_only_admins_create_organizations(caseworker, supervisor, station_worker, charity_staff, world):
    body = {"kind": "charity", "name": "新慈善组织", "credit_code": make_credit_code(900), "region": OUR_COUNTY}
    for user in (caseworker, supervisor, station_worker, charity_staff):
        response = api_as(user).post("/api/v1/organizations/", body, format="json")
        assert response.status_code == 403, user.role
    assert not Organization.objects.filter(name="新慈善组织").exists()


def test_admin_creates_an_organization(admin_user, world):
    body = {
        "kind": "group_organization",
        "group_type": "red_cross",
        "name": "延川县红十字会",
        "credit_code": make_credit_code(901).lower(),
        "region": OUR_COUNTY,
        "service_regions": [OUR_COUNTY],
    }
    response = api_as(admin_user).post("/api/v1/organizations/", body, format="json")
    assert response.status_code == 201, response.content
    created = Organization.objects.get(name="延川县红十字会")
    assert created.credit_code == make_credit_code(901)
    assert list(created.service_regions.values_list("code", flat=True)) == [OUR_COUNTY]


def test_a_bad_credit_code_is_a_chinese_400_and_creates_nothing(admin_user, world):
    code = make_credit_code(902)
    body = {
        "kind": "charity",
        "name": "错码慈善",
        "credit_code": code[:-1] + ("0" if code[-1] != "0" else "1"),
        "region": OUR_COUNTY,
    }
    response = api_as(admin_user).post("/api/v1/organizations/", body, format="json")
    assert response.status_code == 400
    assert "校验" in response.json()["credit_code"][0]
    assert not Organization.objects.filter(name="错码慈善").exists()


def test_a_duplicate_credit_code_is_refused(admin_user, world):
    body = {"kind": "charity", "name": "重复", "credit_code": world.charity.credit_code, "region": OUR_COUNTY}
    response = api_as(admin_user).post("/api/v1/organizations/", body, format="json")
    assert response.status_code == 400


def test_group_type_is_only_for_group_organizations(admin_user, world):
    body = {"kind": "charity", "group_type": "red_cross", "name": "混淆", "region": OUR_COUNTY}
    response = api_as(admin_user).post("/api/v1/organizations/", body, format="json")
    assert response.status_code == 400
    assert "group_type" in response.json()


def test_an_unknown_region_is_a_400(admin_user, world):
    body = {"kind": "charity", "name": "无区划", "region": "999999000000"}
    response = api_as(admin_user).post("/api/v1/organizations/", body, format="json")
    assert response.status_code == 400
    assert "region" in response.json()


def test_delete_is_not_offered(admin_user, world):
    response = api_as(admin_user).delete(f"/api/v1/organizations/{world.charity.pk}/")
    assert response.status_code == 405


def test_an_inactive_account_is_refused(world):
    user = UserFactory.create(
        role=Role.CASEWORKER, organization=world.bureau, jurisdiction=world.our_county, is_active=False
    )
    assert api_as(user).get("/api/v1/organizations/").status_code == 401


def test_filter_by_kind(caseworker, world):
    seen = names(api_as(caseworker).get(f"/api/v1/organizations/?kind={OrganizationKind.SERVICE_STATION}"))
    assert seen == {"永坪镇民政服务站"}
