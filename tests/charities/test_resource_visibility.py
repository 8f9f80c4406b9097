"""Who reads which resources, through the API and the pages (acceptance 1)."""

from tests.conftest import api_as


def names(response):
    assert response.status_code == 200, response.content
    return {row["name"] for row in response.json()["results"]}


def test_anonymous_gets_401_from_the_api_and_the_login_page_from_the_list(api, client, supply):
    assert api.get("/api/v1/resources/").status_code == 401
    assert api.get(f"/api/v1/resources/{supply.ours.pk}/").status_code == 401
    response = client.get("/supply/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_caseworker_reads_the_county_and_the_point_to_point_fund_not_the_other_county(caseworker, supply):
    seen = names(api_as(caseworker).get("/api/v1/resources/"))
    assert seen == {"大病医疗救助专项基金", "永坪镇取暖煤", "以强带弱儿童大病救助"}
    assert api_as(caseworker).get(f"/api/v1/resources/{supply.other_county.pk}/").status_code == 404


def test_drafts_stay_with_the_organization(caseworker, charity_staff, supply):
    assert api_as(caseworker).get(f"/api/v1/resources/{supply.draft.pk}/").status_code == 404
    assert api_as(charity_staff).get(f"/api/v1/resources/{supply.draft.pk}/").status_code == 200


def test_other_county_caseworker_sees_only_their_county(other_county_caseworker, supply):
    assert names(api_as(other_county_caseworker).get("/api/v1/resources/")) == {"延长县临时救助金"}
    assert api_as(other_county_caseworker).get(f"/api/v1/resources/{supply.guangzhou.pk}/").status_code == 404


def test_station_worker_reads_what_serves_the_township_or_the_whole_county(station_worker, supply):
    seen = names(api_as(station_worker).get("/api/v1/resources/"))
    assert seen == {"大病医疗救助专项基金", "永坪镇取暖煤", "以强带弱儿童大病救助"}


def test_station_worker_of_another_township_misses_the_township_only_resource(other_township_station_worker, supply):
    seen = names(api_as(other_township_station_worker).get("/api/v1/resources/"))
    assert "永坪镇取暖煤" not in seen and "大病医疗救助专项基金" in seen


def test_supervisor_reads_the_county(supervisor, supply):
    assert "以强带弱儿童大病救助" in names(api_as(supervisor).get("/api/v1/resources/"))


def test_charity_staff_see_only_their_own_organization(charity_staff, supply):
    seen = names(api_as(charity_staff).get("/api/v1/resources/"))
    assert seen == {"大病医疗救助专项基金", "永坪镇取暖煤", "秋季助学金筹备"}


def test_other_charity_gets_404_on_our_resources(other_charity_staff, supply):
    client = api_as(other_charity_staff)
    assert client.get(f"/api/v1/resources/{supply.ours.pk}/").status_code == 404
    assert client.patch(f"/api/v1/resources/{supply.ours.pk}/", {"name": "改名"}, format="json").status_code == 404


def test_resource_page_shows_people_helped(client, caseworker, supply):
    from tests.factories import DeliveryFactory

    DeliveryFactory.create_batch(3, resource=supply.ours)
    client.force_login(caseworker)
    response = client.get(f"/supply/{supply.ours.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "大病医疗救助专项基金" in html and "至今已帮助人数" in html
    assert response.context["resource"].people_helped == 3


def test_resource_page_of_another_county_is_404(client, other_county_caseworker, other_charity_staff, supply):
    client.force_login(other_county_caseworker)
    assert client.get(f"/supply/{supply.ours.pk}/").status_code == 404
    client.force_login(other_charity_staff)
    assert client.get(f"/supply/{supply.ours.pk}/").status_code == 404


def test_supply_list_page_filters(client, caseworker, world, supply):
    from charities.models import Resource

    Resource.objects.filter(pk=supply.township_only.pk).update(categories=["living", "goods"])
    Resource.objects.filter(pk=supply.guangzhou.pk).update(vulnerabilities=["minor"])
    client.force_login(caseworker)

    def listed(query):
        response = client.get("/supply/" + query)
        assert response.status_code == 200
        return {r.name for r in response.context["page"].object_list}

    assert listed("") == {"大病医疗救助专项基金", "永坪镇取暖煤", "以强带弱儿童大病救助"}
    assert listed("?category=goods") == {"永坪镇取暖煤"}
    assert listed("?focus_group=minor") == {"以强带弱儿童大病救助"}
    assert listed(f"?region={world.other_township.code}") == {"大病医疗救助专项基金", "以强带弱儿童大病救助"}
    assert listed("?q=取暖") == {"永坪镇取暖煤"}
    Resource.objects.filter(pk=supply.ours.pk).update(people_left=0, status="full")
    assert "大病医疗救助专项基金" not in listed("?available=1")


def test_supply_list_costs_a_fixed_number_of_queries(client, caseworker, world, django_assert_max_num_queries):
    from tests.factories import DeliveryFactory, ResourceFactory

    client.force_login(caseworker)
    for _ in range(3):
        DeliveryFactory.create(resource=ResourceFactory.create(organization=world.charity))
    client.get("/supply/")
    with django_assert_max_num_queries(12) as few:
        client.get("/supply/")
    for _ in range(10):
        DeliveryFactory.create(resource=ResourceFactory.create(organization=world.charity))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/supply/")


def test_export_gives_an_xlsx_of_what_the_user_sees(client, caseworker, supply):
    import io

    from openpyxl import load_workbook

    client.force_login(caseworker)
    response = client.get("/supply/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    names = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert names == {"大病医疗救助专项基金", "永坪镇取暖煤", "以强带弱儿童大病救助"}
