"""The public transparency page: no sign-in, Chinese, aggregates only (acceptance 3)."""

import re

from charities.models import ResourceStatus
from tests.factories import DeliveryFactory, ResourceFactory


def test_anyone_reads_it_in_chinese_without_signing_in(client, supply):
    response = client.get("/supply/public/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="zh-hans"' in html
    assert "阳光慈善" in html and "受助人数" in html
    assert "以强带弱儿童大病救助" in html and "延长县临时救助金" in html


def test_drafts_are_not_published(client, supply):
    assert "秋季助学金筹备" not in client.get("/supply/public/").content.decode()


def test_small_counts_show_as_less_than_five_and_their_money_is_hidden(client, supply):
    DeliveryFactory.create_batch(2, resource=supply.ours, amount="1234.00")
    DeliveryFactory.create_batch(6, resource=supply.other_county, amount="1000.00")
    response = client.get("/supply/public/")
    html = response.content.decode()
    rows = {r.name: r for r in response.context["page"].object_list}
    assert rows["大病医疗救助专项基金"].people_helped == 2
    assert "&lt;5" in html
    assert "1,234" not in html and "2,468" not in html  # two people's money would single them out
    assert "¥6,000.00" in html  # six people: shown


def test_no_person_is_named_and_no_id_number_or_phone_appears(client, world, supply):
    from tests.factories import UserFactory

    UserFactory.create(full_name="张志强", phone="13912345678", organization=world.charity, role="charity_staff")
    world.charity.contact_person = "张志强"
    world.charity.contact_phone = "0911-8118899"
    world.charity.disclosures = "2025年度报告已公开。"
    world.charity.save()
    DeliveryFactory.create_batch(5, resource=supply.ours, note="帮助了王秀英 610622195001011234")
    for url in ("/supply/public/", f"/supply/public/organizations/{world.charity.pk}/"):
        html = client.get(url).content.decode()
        assert "张志强" not in html and "王秀英" not in html
        assert not re.search(r"\d{17}[\dXx]", html), "an ID number"
        assert not re.search(r"1[3-9]\d{9}", html), "a mobile phone number"
    assert "2025年度报告已公开。" in client.get(f"/supply/public/organizations/{world.charity.pk}/").content.decode()


def test_the_organization_page_of_an_organization_with_nothing_published_is_404(client, world):
    ResourceFactory.create(organization=world.charity, status=ResourceStatus.DRAFT)
    assert client.get(f"/supply/public/organizations/{world.charity.pk}/").status_code == 404


def test_it_costs_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    for _ in range(3):
        DeliveryFactory.create(resource=ResourceFactory.create(organization=world.charity))
    client.get("/supply/public/")
    with django_assert_max_num_queries(10) as few:
        client.get("/supply/public/")
    for _ in range(15):
        DeliveryFactory.create(resource=ResourceFactory.create(organization=world.other_charity))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/supply/public/")


def test_the_sign_in_page_links_to_it(client, world):
    assert "/supply/public/" in client.get("/accounts/login/").content.decode()


def test_filter_by_region(client, world, supply):
    response = client.get(f"/supply/public/?region={world.other_county.code}")
    assert {r.name for r in response.context["page"].object_list} == {"延长县临时救助金"}
