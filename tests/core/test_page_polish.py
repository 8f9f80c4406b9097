"""What every page shares, as a person meets it: grouped menu, breadcrumbs, calm empty
states, pagination, errors beside the field, print styles."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.factories import make_person

pytestmark = pytest.mark.django_db


def page(client: Client, url: str, **params: str) -> str:
    response = client.get(url, params)
    assert response.status_code == 200, url
    return response.content.decode()


def breadcrumb_trail(html: str) -> list[str]:
    nav = re.search(r'<nav class="breadcrumbs"[^>]*>(.*?)</nav>', html, re.S)
    assert nav, "no breadcrumbs"
    return [re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r"<li[^>]*>(.*?)</li>", nav.group(1), re.S)]


def menu_links(html: str) -> list[str]:
    """The link texts of the phone menu (the same entries as the desktop bar)."""
    menu = re.search(r'<nav class="nav nav--phone"[^>]*>(.*?)</nav>', html, re.S)
    assert menu, "no phone menu"
    return [text.strip() for text in re.findall(r"<a [^>]*>(.*?)</a>", menu.group(1))]


# --- the menu -------------------------------------------------------------------------------


def test_supervisor_menu_has_one_complaint_entry(client, supervisor):
    client.force_login(supervisor)
    links = menu_links(page(client, "/"))
    assert [text for text in links if "投诉" in text] == ["投诉处理"]


def test_caseworker_menu_is_grouped_under_short_headings(client, caseworker):
    client.force_login(caseworker)
    html = page(client, "/")
    headings = re.findall(r'<p class="menu__heading"[^>]*>(.*?)</p>', html)
    assert headings == ["救助对象", "转介帮扶", "资源与机构", "统计评估", "监督管理"]
    assert len(menu_links(html)) >= 12
    # The desktop bar shows the groups, not a dozen links in a row.
    bar = re.search(r'<ul class="navbar">(.*?)</ul>\s*</nav>', html, re.S)
    assert bar, "no desktop bar"
    assert re.findall(r'<summary class="navbar__link[^"]*">(.*?)</summary>', bar.group(1)) == [
        "救助对象",
        "转介帮扶",
        "资源与机构",
        "统计评估",
    ]


def test_the_menu_marks_the_page_and_its_group(client, caseworker):
    client.force_login(caseworker)
    html = page(client, "/cases/follow-ups/")
    assert re.search(r'<summary class="navbar__link is-current">转介帮扶</summary>', html)
    assert re.search(r'<a href="/cases/follow-ups/" aria-current="page">回访</a>', html)


def test_the_ledger_belongs_to_the_register_in_the_menu(client, caseworker, world):
    person = make_person(world.our_village)
    client.force_login(caseworker)
    html = page(client, "/cases/ledger/", person=str(person.pk))
    assert re.search(r'<summary class="navbar__link is-current">救助对象</summary>', html)
    assert '<summary class="navbar__link is-current">转介帮扶</summary>' not in html


def test_charity_staff_menu_has_no_register_or_supervision_lists(client, charity_staff):
    client.force_login(charity_staff)
    links = menu_links(page(client, "/"))
    assert "转办转介" in links and "本组织" in links
    assert not {"救助对象登记", "家庭户", "审计日志", "投诉处理"} & set(links)


def test_menus_need_no_inline_script(client, caseworker):
    client.force_login(caseworker)
    html = page(client, "/")
    assert '<script src="/static/js/nav.js" defer></script>' in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)


def test_skip_link_comes_first_and_lands_on_the_page_content(client, caseworker):
    client.force_login(caseworker)
    html = page(client, "/register/")
    body = html[html.index("<body>") :]
    assert re.match(r'<body>\s*<a class="skip-link" href="#main">跳到正文</a>', body)
    assert '<main id="main" class="page" tabindex="-1">' in html


# --- breadcrumbs ----------------------------------------------------------------------------


def test_breadcrumbs_on_list_detail_and_form_pages(client, caseworker, world):
    person = make_person(world.our_village, name="李桂兰")
    client.force_login(caseworker)
    assert breadcrumb_trail(page(client, "/register/")) == ["首页", "救助对象登记"]
    assert breadcrumb_trail(page(client, f"/register/persons/{person.pk}/")) == ["首页", "救助对象登记", "李桂兰"]
    assert breadcrumb_trail(page(client, f"/register/persons/{person.pk}/edit/")) == [
        "首页",
        "救助对象登记",
        "李桂兰",
        "编辑",
    ]
    assert breadcrumb_trail(page(client, "/register/households/")) == ["首页", "救助对象登记", "家庭户"]
    assert breadcrumb_trail(page(client, "/cases/ledger/", person=str(person.pk))) == [
        "首页",
        "救助对象登记",
        "李桂兰",
        "救助帮扶台账",
    ]
    assert breadcrumb_trail(page(client, "/cases/follow-ups/")) == ["首页", "回访"]
    assert breadcrumb_trail(page(client, "/cases/notifications/")) == ["首页", "通知"]


def test_the_last_crumb_is_the_current_page(client, caseworker):
    client.force_login(caseworker)
    html = page(client, "/cases/happiness/")
    assert '<li aria-current="page">幸福清单</li>' in html


def test_public_pages_start_their_trail_at_the_transparency_page(client, db):
    assert breadcrumb_trail(page(client, "/supply/public/complaint/")) == ["阳光慈善", "投诉举报"]


def test_home_and_sign_in_have_no_breadcrumbs(client, caseworker):
    assert 'class="breadcrumbs"' not in page(client, "/accounts/login/")
    client.force_login(caseworker)
    assert 'class="breadcrumbs"' not in page(client, "/")


# --- empty states and pagination ---------------------------------------------------------------


def test_empty_register_says_so_and_offers_the_next_step(client, caseworker):
    client.force_login(caseworker)
    html = page(client, "/register/")
    assert "名册中还没有救助对象。" in html
    assert '<a class="button button--primary" href="/register/persons/new/">登记救助对象</a>' in html


def test_an_empty_search_says_nothing_matches_and_offers_to_clear_it(client, caseworker, world):
    make_person(world.our_village, name="李桂兰")
    client.force_login(caseworker)
    html = page(client, "/register/", q="张")
    assert "名册中没有符合条件的人员。" in html and "还没有" not in html
    assert '<a class="button" href="/register/">清除筛选条件</a>' in html


def test_supervisor_sees_an_empty_register_without_a_button_they_cannot_use(client, supervisor):
    client.force_login(supervisor)
    html = page(client, "/register/")
    assert "名册中还没有救助对象。" in html and "/register/persons/new/" not in html


def test_empty_lists_elsewhere_say_what_comes_next(client, caseworker, supervisor):
    client.force_login(caseworker)
    assert "还没有通知。" in page(client, "/cases/notifications/")
    assert "还没有登记需求。" in page(client, "/register/needs/")
    client.force_login(supervisor)
    html = page(client, "/supervision/complaints/")
    assert "还没有收到投诉。" in html and "阳光慈善" in html


def test_long_lists_paginate_the_same_way(client, caseworker, world):
    for number in range(26):
        make_person(world.our_village, name=f"测试{number:02d}")
    client.force_login(caseworker)
    first = page(client, "/register/")
    assert "第 1 页，共 2 页" in first and "共 26 条" in first
    assert '<a href="?page=2" rel="next">下一页</a>' in first
    second = page(client, "/register/", page="2")
    assert '<a href="?page=1" rel="prev">上一页</a>' in second and "下一页" not in second
    households = page(client, "/register/households/")
    assert "第 1 页，共 2 页" in households and '<a href="?page=2" rel="next">下一页</a>' in households


# --- forms ------------------------------------------------------------------------------------


def test_errors_are_shown_in_chinese_right_under_their_field(client, caseworker):
    client.force_login(caseworker)
    html = client.post("/register/persons/new/", {"name": ""}).content.decode()
    field = re.search(r'<div class="field field--error">\s*<label for="id_name">.*?</div>\s*</div>', html, re.S)
    assert field, "the name field is not marked as wrong"
    assert re.search(r'<input[^>]*id="id_name"[^>]*aria-invalid="true"', field.group(0)) or re.search(
        r'<input[^>]*aria-invalid="true"[^>]*id="id_name"', field.group(0)
    )
    assert (
        '<div class="field__errors" id="id_name_error"><p class="field__error">该字段是必填项。</p></div>'
        in field.group(0)
    )
    assert re.search(r'aria-describedby="[^"]*id_name_error', field.group(0))


def test_referral_forms_put_errors_beside_the_field_too(client, charity_staff):
    client.force_login(charity_staff)
    html = client.post("/cases/new/government/", {"name": "", "region": "12", "note": ""}).content.decode()
    assert re.search(r'id="id_note_error"><p class="field__error">该字段是必填项。</p>', html)
    assert 'class="errorlist"' not in html


# --- print --------------------------------------------------------------------------------------


def test_referral_form_and_ledger_link_the_print_stylesheet(client, caseworker, world):
    from cases.models import Referral
    from tests.factories import make_referral

    person = make_person(world.our_village, name="李桂兰")
    referral: Referral = make_referral(person=person, from_organization=world.bureau, to_organization=world.charity)
    client.force_login(caseworker)
    link = '<link rel="stylesheet" href="/static/css/print.css" media="print">'
    printed = page(client, f"/cases/{referral.pk}/print/")
    assert link in printed and "data-print" in printed
    ledger = page(client, "/cases/ledger/", person=str(person.pk))
    assert link in ledger
    assert '<button type="button" class="button" data-print>打印台账</button>' in ledger
    assert "审核人（签字）" in ledger


def test_every_page_names_its_icon_so_browsers_do_not_ask_for_a_missing_favicon(client: Client) -> None:
    from django.contrib.staticfiles import finders

    html = client.get("/accounts/login/").content.decode()
    match = re.search(r'<link rel="icon" href="/static/([^"]+)"', html)
    assert match is not None
    assert finders.find(match.group(1)) is not None
