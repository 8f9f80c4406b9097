"""A notification is kept as message keys and parameters and said in its reader's language (issue 15):
the same message reads in Chinese for a zh-hans reader and in English for an English one, on the
notification centre, in the API and in e-mails; codes (an outcome, a need category) are said as
words in that language; rows written before keys were kept are shown as they were stored."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from cases.alerts import needs_logged
from cases.models import Notification, Referral, ReferralStatus
from tests.cases.conftest import Case
from tests.conftest import World, api_as
from tests.factories import make_need
from tests.factories.cases import make_referral

HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def eager_tasks(tasks_in_process):
    yield


def _referral(world: World, case: Case, status: str) -> Referral:
    return make_referral(
        person=case.person,
        from_organization=world.bureau,
        to_organization=world.charity,
        consent=case.consent,
        needs=[case.need],
        status=status,
    )


def _page(user: User, language: str) -> str:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("cases:notification_list"))
    assert response.status_code == 200
    return response.content.decode()


def _colleague(world: World, language: str) -> User:
    return User.objects.create(
        username=f"staff-{language}",
        full_name="赵敏" if language == "zh-hans" else "Zhao Min",
        role="charity_staff",
        organization=world.charity,
        language=language,
        email=f"{language}@charity.example",
    )


def test_the_same_message_reads_in_each_readers_language(
    world: World, case: Case, caseworker: User, django_capture_on_commit_callbacks
) -> None:
    english, chinese = _colleague(world, "en"), _colleague(world, "zh-hans")
    referral = _referral(world, case, ReferralStatus.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):  # the caseworker acts in Chinese
        assert api_as(caseworker).post(f"/api/v1/referrals/{referral.pk}/send/").status_code == 200

    english_page, chinese_page = _page(english, "en"), _page(chinese, "zh-hans")
    assert f"Referral {referral.reference}: new referral from {world.bureau.name}" in english_page
    assert f"转介 {referral.reference}：来自 {world.bureau.name} 的新转介" in chinese_page
    assert "来自" not in english_page and "new referral from" not in chinese_page

    # The API says it in the caller's language too (API.md: title/body).
    answer = api_as(english).get("/api/v1/notifications/", HTTP_ACCEPT_LANGUAGE="en").json()
    titles = [n["title"] for n in answer["results"]]
    assert titles == [f"Referral {referral.reference}: new referral from {world.bureau.name}"]
    assert "Please answer by" in answer["results"][0]["body"]
    answer = api_as(chinese).get("/api/v1/notifications/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert answer["results"][0]["title"] == f"转介 {referral.reference}：来自 {world.bureau.name} 的新转介"

    # E-mails have no request: each goes out in its recipient's own language.
    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert by_recipient["en@charity.example"].subject.startswith(f"Referral {referral.reference}: new referral")
    assert "Please answer by" in by_recipient["en@charity.example"].body
    assert by_recipient["zh-hans@charity.example"].subject.startswith(f"转介 {referral.reference}：来自")


def test_codes_in_a_message_are_words_in_the_readers_language(
    world: World, case: Case, caseworker: User, charity_staff: User
) -> None:
    caseworker.language = "en"
    caseworker.save(update_fields=["language"])
    referral = _referral(world, case, ReferralStatus.IN_PROGRESS)
    body = {"outcome": "not_helped", "note": "名额已满"}
    assert api_as(charity_staff).post(f"/api/v1/referrals/{referral.pk}/feedback/", body).status_code == 200
    english = _page(caseworker, "en")
    assert f"{world.charity.name} reported: Not helped" in english
    assert "not_helped" not in english
    assert f"{world.charity.name} 已反馈：未能帮扶" in _page(caseworker, "zh-hans")


def test_an_emergency_names_its_category_in_words_in_each_language(world: World, case: Case, caseworker: User) -> None:
    need = make_need(case.person, category="education", urgency="emergency")
    Notification.objects.all().delete()
    needs_logged(need_ids=[need.pk])
    row = Notification.objects.get(recipient=caseworker, channel="in_app")
    assert row.body_in("en") == "Education" and row.body_in("zh-hans") == "教育"
    assert "education" not in _page(caseworker, "zh-hans")
    assert "please respond at once" in _page(caseworker, "en")


def test_a_row_written_before_keys_were_kept_reads_as_stored(world: World, caseworker: User) -> None:
    Notification.objects.create(
        recipient=caseworker, channel="in_app", kind="sent", title="新的转介", body="请及时处理"
    )
    assert "新的转介" in _page(caseworker, "en") and "请及时处理" in _page(caseworker, "en")


def test_the_footer_language_choice_is_kept_for_emails(world: World, charity_staff: User) -> None:
    client = Client()
    client.force_login(charity_staff)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    charity_staff.refresh_from_db()
    assert charity_staff.language == "en"
    client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    charity_staff.refresh_from_db()
    assert charity_staff.language == "en"
