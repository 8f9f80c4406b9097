"""Issue 15, "Wrong records": a send refused because the consent does not cover a shared field
names that field, offers to share without it or to record a new consent, and leaves no draft."""

from __future__ import annotations

import re

from django.test import Client

from accounts.models import User
from cases.models import Referral, ReferralStatus
from tests.cases.conftest import Case
from tests.conftest import World

URL = "/cases/new/"


def token_of(client: Client, case: Case) -> str:
    html = client.get(f"{URL}?person={case.person.pk}").content.decode()
    found = re.search(r'<input type="hidden" name="form_token" value="([^"]+)"', html)
    assert found, "the form carries a one-time token"
    return found.group(1)


def send_with_health(client: Client, world: World, case: Case, token: str, **extra: str):
    return client.post(
        URL,
        {
            "person": case.person.pk,
            "to_organization": world.charity.pk,
            "needs": [case.need.pk],
            "shared_fields": ["name", "phone", "health"],  # the consent covers name, phone, address
            "then": "send",
            "form_token": token,
            **extra,
        },
    )


def test_the_refusal_names_the_field_offers_both_ways_out_and_saves_nothing(
    world: World, case: Case, caseworker: User
) -> None:
    client = Client()
    client.force_login(caseworker)
    before = Referral.objects.count()
    token = token_of(client, case)
    for _attempt in range(2):
        response = send_with_health(client, world, case, token)
        assert response.status_code == 200
        text = response.content.decode()
        assert "当事人的授权同意不包括：健康。" in text
        assert "没有允许" not in text  # not "no consent at all"
        assert 'name="drop" value="health"' in text and "不共享健康，直接发送" in text
        assert f'href="/register/persons/{case.person.pk}/consents/new/"' in text and "登记新的授权同意" in text
        assert Referral.objects.count() == before  # no orphan draft, however often it is retried


def test_sharing_without_the_field_sends(world: World, case: Case, caseworker: User) -> None:
    client = Client()
    client.force_login(caseworker)
    token = token_of(client, case)
    assert send_with_health(client, world, case, token).status_code == 200
    response = send_with_health(client, world, case, token, drop="health")
    assert response.status_code == 302
    referral = Referral.objects.get(person=case.person)
    assert referral.status == ReferralStatus.SENT
    assert sorted(referral.shared_fields) == ["name", "phone"]
