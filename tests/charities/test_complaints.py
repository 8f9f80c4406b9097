"""投诉举报: the public files, supervisors of the county read (SPEC rule 11)."""

import time

from charities.forms import complaint_form_token
from charities.models import Complaint
from tests.conftest import api_as
from tests.factories import ComplaintFactory


def test_the_public_files_a_complaint_through_the_api(api, world):
    response = api.post(
        "/api/v1/complaints/",
        {"content": "助学金名额给了村干部亲戚，请核查。", "about_organization": world.charity.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"reference", "status", "received_at"}
    complaint = Complaint.objects.get(reference=body["reference"])
    assert complaint.region == world.charity.region and complaint.status == "received"


def test_too_short_is_400_with_a_message(api, world):
    response = api.post("/api/v1/complaints/", {"content": "差"}, format="json")
    assert response.status_code == 400 and response.json()["content"]
    assert not Complaint.objects.exists()


def test_the_api_is_throttled(api, world, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, "complaints": "2/hour"}
    )
    for _ in range(2):
        assert (
            api.post(
                "/api/v1/complaints/",
                {"content": "发放名单没有公示出来。", "region": world.our_county.pk},
                format="json",
            ).status_code
            == 201
        )
    assert (
        api.post(
            "/api/v1/complaints/", {"content": "发放名单没有公示出来。", "region": world.our_county.pk}, format="json"
        ).status_code
        == 429
    )
    assert Complaint.objects.count() == 2


def test_the_complaint_rate_is_configured():
    from rest_framework.settings import api_settings

    assert api_settings.DEFAULT_THROTTLE_RATES["complaints"]


def test_reading_is_for_supervisors_of_the_county(
    api, caseworker, charity_staff, supervisor, other_county_supervisor, world
):
    ours = ComplaintFactory.create(region=world.our_county)
    theirs = ComplaintFactory.create(region=world.other_county)
    assert api.get("/api/v1/complaints/").status_code == 401
    assert api_as(caseworker).get("/api/v1/complaints/").status_code == 403
    assert api_as(charity_staff).get("/api/v1/complaints/").status_code == 403
    listed = api_as(supervisor).get("/api/v1/complaints/").json()["results"]
    assert [c["reference"] for c in listed] == [ours.reference]
    assert api_as(supervisor).get(f"/api/v1/complaints/{theirs.pk}/").status_code == 404
    assert api_as(other_county_supervisor).get(f"/api/v1/complaints/{ours.pk}/").status_code == 404


def test_supervisor_list_page_is_the_complaint_handling_page(client, supervisor, caseworker, world):
    ComplaintFactory.create(region=world.our_county, content="名单没有公示。")
    client.force_login(caseworker)
    assert client.get("/supply/complaints/").status_code == 403
    client.force_login(supervisor)
    response = client.get("/supply/complaints/", follow=True)
    assert response.redirect_chain == [("/supervision/complaints/", 302)]
    assert "名单没有公示。" in response.content.decode()


def form_data(world, **overrides):
    data = {
        "about_organization": str(world.charity.pk),
        "region": world.our_county.code,
        "content": "冬季取暖煤发放名单没有公示，请核查。",
        "contact": "",
        "website": "",
        "form_token": complaint_form_token(time.time() - 30),
    }
    data.update(overrides)
    return data


def test_the_public_form_works_without_javascript(client, world, supply):
    page = client.get("/supply/public/complaint/")
    assert page.status_code == 200 and "<script" not in page.content.decode().split("</head>")[1]
    response = client.post("/supply/public/complaint/", form_data(world))
    assert response.status_code == 200
    complaint = Complaint.objects.get()
    assert complaint.reference in response.content.decode()
    assert complaint.about_organization == world.charity


def test_the_honeypot_catches_bots(client, world, supply):
    response = client.post("/supply/public/complaint/", form_data(world, website="http://spam.example"))
    assert response.status_code == 200 and not Complaint.objects.exists()


def test_a_form_sent_too_quickly_is_refused(client, world, supply):
    response = client.post("/supply/public/complaint/", form_data(world, form_token=complaint_form_token()))
    assert not Complaint.objects.exists()
    assert response.context["form"].non_field_errors()


def test_a_forged_or_missing_token_is_refused(client, world, supply):
    client.post("/supply/public/complaint/", form_data(world, form_token="forged"))
    client.post("/supply/public/complaint/", form_data(world, form_token=""))
    assert not Complaint.objects.exists()


def test_the_public_form_is_throttled(client, world, supply):
    for _ in range(5):
        assert client.post("/supply/public/complaint/", form_data(world)).status_code == 200
    assert client.post("/supply/public/complaint/", form_data(world)).status_code == 429
    assert Complaint.objects.count() == 5


def test_a_complaint_about_an_organization_helping_in_the_county_reaches_its_supervisor(
    api, supervisor, other_county_supervisor, world
):
    # 以强带弱: a Guangzhou charity helps here; the complaint names our county as the region concerned.
    from tests.factories import OrganizationFactory, region

    helper = OrganizationFactory.create(
        name="广州市慈善会", region=region("440100000000", "广州市"), service_regions=[world.our_county]
    )
    complaint = ComplaintFactory.create(region=world.our_county, about_organization=helper)
    assert api_as(supervisor).get(f"/api/v1/complaints/{complaint.pk}/").status_code == 200
    assert api_as(other_county_supervisor).get(f"/api/v1/complaints/{complaint.pk}/").status_code == 404
