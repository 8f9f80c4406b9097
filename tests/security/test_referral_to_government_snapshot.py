"""Issue 14, finding 16: a charity's referral to government shows what the charity sent, frozen.

After the office linked the referral to the register and decided it, the referring charity kept
seeing the person's current register address (and any later change) on the referral's page and
its print view. It now sees the details as it sent them, whatever the register holds.
"""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User
from tests.conftest import World, api_as
from tests.factories import make_person

pytestmark = pytest.mark.django_db


def test_the_charity_sees_what_it_sent_not_the_register_after_linking_and_deciding(
    world: World, caseworker: User, charity_staff: User
) -> None:
    charity = api_as(charity_staff)
    created = charity.post(
        "/api/v1/referrals/",
        {
            "direction": "to_government",
            "to_organization": world.bureau.pk,
            "person_details": {"name": "赵大山", "region": world.our_village.code, "address": "永坪村旧窑洞3号"},
            "note": "独居老人，无收入来源",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert charity.post(f"/api/v1/referrals/{pk}/send/").status_code == 200
    registered = make_person(world.our_village, name="赵大山")
    registered.address = "永坪镇幸福小区8栋2单元501"
    registered.save(update_fields=["address"])
    office = api_as(caseworker)
    assert office.post(f"/api/v1/referrals/{pk}/accept/").status_code == 200
    linked = office.post(f"/api/v1/referrals/{pk}/link_person/", {"person": registered.pk}, format="json")
    assert linked.status_code == 200, linked.content
    decided = office.post(
        f"/api/v1/referrals/{pk}/decide/",
        {"eligible": True, "programme": "dibao", "reason": "符合低保条件"},
        format="json",
    )
    assert decided.status_code == 200, decided.content
    registered.name = "赵大山（已更名）"
    registered.save(update_fields=["name"])

    browser = Client()
    browser.force_login(charity_staff)
    for url in (f"/cases/{pk}/", f"/cases/{pk}/print/"):
        page = browser.get(url).content.decode()
        assert "永坪村旧窑洞3号" in page, url
        assert "幸福小区" not in page and "已更名" not in page, url
    body = charity.get(f"/api/v1/referrals/{pk}/").json()
    assert "幸福小区" not in str(body) and "已更名" not in str(body)
    assert body["person_details"]["address"] == "永坪村旧窑洞3号"
    # The office sees the register's current record.
    office_page = Client()
    office_page.force_login(caseworker)
    assert "幸福小区" in office_page.get(f"/cases/{pk}/").content.decode()
