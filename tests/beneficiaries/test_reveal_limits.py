"""Issue 14, finding 17: a reveal needs a reason that says something, and one account cannot pull
full values at any pace; the supervisors hear of a burst.

The attacker revealed with the reason "abcd", and as often as it liked, through the API."""

import pytest

from audit.models import AuditEntry
from beneficiaries.models import Person
from cases.models import Notification
from tests.conftest import api_as
from tests.factories import PASSWORD


def reveal(api, person, reason="核对低保申请材料", field="id_number"):
    return api.post(f"/api/v1/persons/{person.pk}/reveal/", {"field": field, "reason": reason}, format="json")


@pytest.mark.parametrize(
    "reason", ["abcd", "核对", "aaaaaaaaaaaa", "测试测试", "1234", "。。。。。。。。。。", "a b c d e f"]
)
def test_a_thin_reason_is_refused_in_chinese(people, caseworker, reason):
    response = reveal(api_as(caseworker), people.in_township, reason=reason)
    assert response.status_code == 400
    assert "至少 4 个汉字或 10 个字母" in response.json()["reason"][0]
    assert not AuditEntry.objects.filter(action="reveal").exists()


@pytest.mark.parametrize("reason", ["核对身份", "办理医疗救助需核对身份", "verify dibao papers", "核对ID号码"])
def test_a_real_reason_is_accepted(people, caseworker, reason):
    assert reveal(api_as(caseworker), people.in_township, reason=reason).status_code == 200


def test_the_page_refuses_a_thin_reason_too(client, people, station_worker):
    client.login(username=station_worker.username, password=PASSWORD)
    response = client.post(f"/register/persons/{people.in_township.pk}/reveal/", {"field": "phone", "reason": "abcd"})
    page = response.content.decode()
    assert "至少 4 个汉字或 10 个字母" in page
    assert Person.objects.get(pk=people.in_township.pk).phone not in page


def test_reveals_past_the_hourly_limit_are_refused_with_429(people, caseworker, settings):
    settings.REVEAL_MAX_PER_HOUR = 3
    api = api_as(caseworker)
    assert [reveal(api, people.in_township).status_code for _ in range(3)] == [200, 200, 200]
    response = reveal(api, people.in_township)
    assert response.status_code == 429
    assert "最多" in response.json()["detail"]
    assert people.in_township.id_number not in response.content.decode()
    assert AuditEntry.objects.filter(action="reveal").count() == 3


def test_the_limit_is_per_user(people, caseworker, station_worker, settings):
    settings.REVEAL_MAX_PER_HOUR = 1
    assert reveal(api_as(caseworker), people.in_township).status_code == 200
    assert reveal(api_as(station_worker), people.in_township).status_code == 200


def test_a_burst_alerts_the_supervisors_once(people, caseworker, supervisor, other_county_caseworker, settings):
    from tests.factories import UserFactory

    other_supervisor = UserFactory.create(
        username="other_supervisor",
        role="supervisor",
        organization=other_county_caseworker.organization,
        jurisdiction=other_county_caseworker.jurisdiction,
    )
    settings.REVEAL_ALERT_PER_HOUR = 3
    settings.REVEAL_MAX_PER_HOUR = 10
    api = api_as(caseworker)
    for _ in range(2):
        reveal(api, people.in_township)
    assert not Notification.objects.filter(kind="reveal_burst").exists()
    for _ in range(3):
        reveal(api, people.in_township)
    alerts = Notification.objects.filter(kind="reveal_burst")
    assert {n.recipient for n in alerts} == {supervisor}
    assert alerts.values("recipient").distinct().count() == 1 and len({n.channel for n in alerts}) == alerts.count()
    alert = alerts.first()
    assert alert is not None
    assert "caseworker" in alert.title and people.in_township.name not in alert.title + alert.body
    assert not Notification.objects.filter(recipient=other_supervisor).exists()


def test_the_page_says_the_limit_is_reached(client, people, station_worker, settings):
    settings.REVEAL_MAX_PER_HOUR = 1
    client.login(username=station_worker.username, password=PASSWORD)
    url = f"/register/persons/{people.in_township.pk}/reveal/"
    client.post(url, {"field": "phone", "reason": "电话通知领取物资"})
    response = client.post(url, {"field": "phone", "reason": "电话通知领取物资"})
    assert "最多" in response.content.decode()
    assert Person.objects.get(pk=people.in_township.pk).phone not in response.content.decode()
