"""Supervisors of the county handle complaints: received → investigating → concluded (with a conclusion),
every step audited and timestamped; a wrong step is a clear message (409 in the API)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEntry
from charities.models import ComplaintStatus
from tests.conftest import api_as
from tests.factories import PASSWORD, ComplaintFactory, UserFactory


def _browser(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def complaint(world):
    return ComplaintFactory.create(region=world.our_township, content="低保评议时村干部优亲厚友，请核查。")


@pytest.fixture
def other_county_complaint(world):
    return ComplaintFactory.create(region=world.other_county, content="另一个县的投诉内容，请核查。")


@pytest.fixture
def other_supervisor(world):
    from accounts.models import Role

    return UserFactory.create(
        username="supervisor2", role=Role.SUPERVISOR, organization=world.other_bureau, jurisdiction=world.other_county
    )


def test_a_supervisor_takes_a_complaint_through_its_steps(supervisor, complaint):
    browser = _browser(supervisor)
    url = reverse("supervision:complaint_detail", args=[complaint.pk])
    page = browser.get(url).content.decode()
    assert "开始调查" in page
    # The organization complained about is 被投诉组织, not a staff member's 所属机构.
    assert "<dt>被投诉组织</dt>" in page and "所属机构" not in page
    assert browser.post(url, {"step": "investigate"}).status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.INVESTIGATING
    missing = browser.post(url, {"step": "conclude", "conclusion": ""})
    assert missing.status_code == 200 and "field__error" in missing.content.decode()
    assert (
        browser.post(url, {"step": "conclude", "conclusion": "经核查属实，已责令重新评议并通报。"}).status_code == 302
    )
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.CONCLUDED and complaint.conclusion.startswith("经核查属实")
    steps = list(complaint.events.values_list("from_status", "to_status", "by"))
    assert steps == [("received", "investigating", supervisor.pk), ("investigating", "concluded", supervisor.pk)]
    assert all(event.at for event in complaint.events.all())
    assert AuditEntry.objects.filter(target_type="charities.complaint", target_id=str(complaint.pk)).count() == 2
    page = browser.get(url).content.decode()
    assert "经核查属实" in page and "开始调查" not in page


def test_a_wrong_step_is_a_clear_message(supervisor, complaint):
    browser = _browser(supervisor)
    url = reverse("supervision:complaint_detail", args=[complaint.pk])
    response = browser.post(url, {"step": "conclude", "conclusion": "直接办结可以吗？"}, follow=True)
    assert "不能" in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.RECEIVED


def test_the_api_patches_one_step_and_answers_409_for_a_wrong_one(supervisor, complaint):
    api = api_as(supervisor)
    url = f"/api/v1/complaints/{complaint.pk}/"
    wrong = api.patch(url, {"status": "concluded", "conclusion": "跳过调查"}, format="json")
    assert wrong.status_code == 409 and wrong.json()["code"] == "complaint_wrong_step"
    assert "调查" in wrong.json()["detail"]
    assert api.patch(url, {"status": "investigating"}, format="json").json()["status"] == "investigating"
    no_conclusion = api.patch(url, {"status": "concluded"}, format="json")
    assert no_conclusion.status_code == 400 and "conclusion" in no_conclusion.json()
    done = api.patch(url, {"status": "concluded", "conclusion": "已核实并处理。"}, format="json")
    assert done.status_code == 200 and done.json()["conclusion"] == "已核实并处理。"
    assert api.patch(url, {"status": "investigating"}, format="json").status_code == 409


@pytest.mark.parametrize("persona", ["caseworker", "station_worker", "charity_staff", "other_charity_staff"])
def test_other_roles_are_refused(request, persona, complaint):
    user = request.getfixturevalue(persona)
    browser = _browser(user)
    assert browser.get(reverse("supervision:complaint_list")).status_code == 403
    assert (
        browser.post(reverse("supervision:complaint_detail", args=[complaint.pk]), {"step": "investigate"}).status_code
        == 403
    )
    assert (
        api_as(user)
        .patch(f"/api/v1/complaints/{complaint.pk}/", {"status": "investigating"}, format="json")
        .status_code
        == 403
    )
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.RECEIVED


def test_another_countys_supervisor_sees_nothing(other_supervisor, complaint):
    browser = _browser(other_supervisor)
    assert complaint.reference not in browser.get(reverse("supervision:complaint_list")).content.decode()
    assert browser.get(reverse("supervision:complaint_detail", args=[complaint.pk])).status_code == 404
    assert (
        browser.post(reverse("supervision:complaint_detail", args=[complaint.pk]), {"step": "investigate"}).status_code
        == 404
    )
    patch = api_as(other_supervisor).patch(
        f"/api/v1/complaints/{complaint.pk}/", {"status": "investigating"}, format="json"
    )
    assert patch.status_code == 404


def test_an_administrator_reads_but_does_not_handle(admin_user, complaint):
    browser = _browser(admin_user)
    page = browser.get(reverse("supervision:complaint_detail", args=[complaint.pk])).content.decode()
    assert complaint.reference in page and "开始调查" not in page
    assert (
        api_as(admin_user)
        .patch(f"/api/v1/complaints/{complaint.pk}/", {"status": "investigating"}, format="json")
        .status_code
        == 403
    )


def test_anonymous_is_refused(client, api, complaint):
    assert client.get(reverse("supervision:complaint_list")).status_code == 302
    assert (
        api.patch(f"/api/v1/complaints/{complaint.pk}/", {"status": "investigating"}, format="json").status_code == 401
    )


def test_the_list_filters_and_counts(supervisor, world, complaint, other_county_complaint):
    ComplaintFactory.create(region=world.our_county, status=ComplaintStatus.INVESTIGATING, content="调查中的投诉内容。")
    ComplaintFactory.create(region=world.our_county, status=ComplaintStatus.CONCLUDED, content="已办结的投诉内容。")
    browser = _browser(supervisor)
    response = browser.get(reverse("supervision:complaint_list"))
    counts = {status: n for status, _label, n in response.context["counts"]}
    assert counts == {"received": 1, "investigating": 1, "concluded": 1} and response.context["total"] == 3
    only = browser.get(reverse("supervision:complaint_list"), {"status": "investigating"})
    assert [c.content for c in only.context["page"].object_list] == ["调查中的投诉内容。"]
    found = browser.get(reverse("supervision:complaint_list"), {"q": "优亲厚友"})
    assert [c.pk for c in found.context["page"].object_list] == [complaint.pk]
    assert other_county_complaint.reference not in response.content.decode()
