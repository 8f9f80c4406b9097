"""No raw code on any page of any role (issue 15): every GET page of the URL conf that a persona may
open (the permission matrix's OK cells) is rendered with the matrix's objects and a few more of the
test world's records, in Chinese, and its visible text must hold none of:

- a choice's stored value (``education``, ``not_helped``, ``referred``), or a model code and id
  (``beneficiaries.person #472``), or an internal group (``organization:5``);
- ``None``, or a template's or a format's leftovers (``{{``, ``{%``, ``%(``, ``%s``);
- an English msgid that was not translated (a text that is a msgid of the catalogue, or three English
  words in a row with no Chinese);
- a button that reads as a state (开放中, 已完成 …: tests/core/test_glossary.py's ``state_words``).

The API answers codes on purpose (API.md) and downloads are files: both are left out.
"""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import polib
import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import User
from beneficiaries.models import NeedStatus
from cases.models import Outcome, ReferralStatus
from tests.conftest import World, api_as
from tests.core.test_glossary import state_words
from tests.factories import make_assistance_record, make_need, make_referral
from tests.security import test_permission_matrix as matrix
from tests.security.test_permission_matrix import MATRIX, OK, PERSONAS, Objects, _client, _send, _url

pytestmark = pytest.mark.django_db

# The permission matrix's fixtures: its objects (one of each kind, ours) and its fast passwords.
objects = matrix.objects
_fast_passwords = matrix._fast_passwords

LOCALE = Path(__file__).resolve().parents[2] / "locale"

# Pages that are not pages: downloads, JSON, the API's documentation (English by design), health.
NOT_PAGES = {"schema", "api-docs", "healthz", "healthz_live", "core:region_search", "core:import_template"}
PAGES = sorted(
    name
    for (name, method), cells in MATRIX.items()
    if method == "GET"
    and not name.startswith("api:")
    and name not in NOT_PAGES
    and not name.endswith(("_export", "_evidence", "_error_report"))
    and any(cells[p] == OK for p in PERSONAS)
)

# English a Chinese page may show: the product's and standards' names, units, formats.
ENGLISH_ALLOWED = re.compile(r"^(Referral Hub|PDF|Excel|XLSX|CSV|API|PIPL|ID|SMS|OK|A4|TOTP|Token)$")


class _Text(HTMLParser):
    """Visible text nodes (and the words of placeholders, titles, labels), and the buttons' texts."""

    HIDDEN = frozenset({"script", "style", "template", "head", "noscript"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.nodes: list[str] = []
        self.buttons: list[str] = []
        self._hidden = 0
        self._button: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self._hidden += 1
        values = dict(attrs)
        for attribute in ("placeholder", "title", "aria-label", "alt"):
            if values.get(attribute):
                self.nodes.append(str(values[attribute]))
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.buttons.append(str(values["value"]))
        if tag == "button" or (tag == "a" and "button" in (values.get("class") or "").split()):
            self._button = []

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1
        if tag in ("button", "a") and self._button is not None:
            self.buttons.append(" ".join(self._button).strip())
            self._button = None

    def handle_data(self, data: str) -> None:
        if self._hidden or not data.strip():
            return
        self.nodes.append(data.strip())
        if self._button is not None:
            self._button.append(data.strip())


def visible(html: str) -> _Text:
    parser = _Text()
    parser.feed(html)
    return parser


def choice_codes() -> set[str]:
    """Every stored value of a choice field that reads as a word (``education``, ``not_helped``)."""
    codes: set[str] = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.Field) and field.choices:
                codes.update(
                    str(value) for value, _label in field.flatchoices if re.fullmatch(r"[a-z][a-z_]{3,}", str(value))
                )
    return codes


def catalogue_msgids() -> set[str]:
    catalogue = polib.pofile(str(LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    return {e.msgid for e in catalogue if e.msgstr and e.msgstr != e.msgid and len(e.msgid.split()) >= 2}


RAW = [
    (re.compile(r"\b[a-z_]+\.[a-z_]+ #\d+"), "a model code and id"),
    (re.compile(r"\b(organization|org|group):\d+"), "an internal group"),
    (re.compile(r"(?<![\w-])None(?![\w-])"), "None"),
    (re.compile(r"\{\{|\{%|%\(\w+\)|%s\b|%d\b"), "a template's or a format's leftovers"),
]
HAN = re.compile(r"[\u4e00-\u9fff]")
# A lower-case word inside Chinese text is a key or a code (``step：feedback``); addresses and file
# names (with dots, @, slashes) are not words here.
LOWER_WORD = re.compile(r"(?<![A-Za-z0-9_@./:-])[a-z][a-z_]{2,}(?![A-Za-z0-9_@./-])")
ENGLISH_RUN = re.compile(r"\b[A-Za-z][a-z]+(?:[ ,'-]+[A-Za-z][a-z]+){2,}")


def raw_codes(page: _Text, *, codes: set[str], msgids: set[str], states: set[str], names: set[str]) -> list[str]:
    found = []
    for node in page.nodes:
        for pattern, what in RAW:
            if pattern.search(node):
                found.append(f"{what}: {node!r}")
        for word in re.findall(r"[A-Za-z][A-Za-z_]+", node):
            if word in codes and word not in names:
                found.append(f"a choice code {word!r}: {node!r}")
        if HAN.search(node):
            for word in LOWER_WORD.findall(node):
                if word not in names and word not in codes:
                    found.append(f"an English word in Chinese text {word!r}: {node!r}")
        if node in msgids:
            found.append(f"an untranslated msgid: {node!r}")
        elif not HAN.search(node) and node not in names:
            for run in ENGLISH_RUN.findall(node):
                if not ENGLISH_ALLOWED.match(run) and run not in names:
                    found.append(f"English text: {node!r}")
                    break
    for button in page.buttons:
        if button in states:
            found.append(f"a button that reads as a state: {button!r}")
    return found


@pytest.fixture
def world_records(objects: Objects, world: World, caseworker: User, charity_staff: User) -> Objects:
    """More of the test world on the pages: an education need, a referral answered 'not helped', a
    completed one with services and money, government assistance on the ledger."""
    person = objects.person
    education = make_need(person, category="education", status=NeedStatus.REFERRED, description="学费缺口约6000元")
    make_referral(
        person=person,
        from_organization=world.bureau,
        to_organization=world.charity,
        consent=objects.consent,
        needs=[education],
        status=ReferralStatus.COMPLETED,
        outcome=Outcome.NOT_HELPED,
        feedback_note="名额已满",
    )
    make_referral(
        person=person,
        from_organization=world.bureau,
        to_organization=world.charity,
        consent=objects.consent,
        needs=[objects.need],
        status=ReferralStatus.COMPLETED,
        outcome=Outcome.HELPED,
        amount=6000,
        services=["care_visit"],
        helped_on=timezone.localdate() - timedelta(days=3),
    )
    make_assistance_record(person, world.bureau)
    # Steps taken through the services: audit entries with steps and states, notifications.
    walked = make_referral(
        person=person,
        from_organization=world.bureau,
        to_organization=world.charity,
        consent=objects.consent,
        needs=[make_need(person, category="housing")],
        status=ReferralStatus.DRAFT,
    )
    for who, action, body in (
        (caseworker, "send", {}),
        (charity_staff, "accept", {}),
        (charity_staff, "start", {}),
        (charity_staff, "feedback", {"outcome": "partially_helped", "amount": "300", "services": ["rehabilitation"]}),
    ):
        answer = api_as(who).post(f"/api/v1/referrals/{walked.pk}/{action}/", body, format="json")
        assert answer.status_code == 200, answer.content
    return objects


@pytest.mark.parametrize("name", PAGES)
def test_no_page_shows_a_raw_code(
    name: str, world_records: Objects, request: pytest.FixtureRequest, settings: Any
) -> None:
    settings.LANGUAGE_CODE = "zh-hans"
    url = _url(name, world_records)
    codes, msgids, states = choice_codes(), catalogue_msgids(), state_words()
    problems: list[str] = []
    for persona in PERSONAS:
        if MATRIX[(name, "GET")][persona] != OK:
            continue
        client = _client(name, persona, request)
        names = set(User.objects.values_list("username", flat=True))  # shown beside full names
        response = _send(client, "GET", url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        html = getattr(response, "content", b"").decode()
        found = raw_codes(visible(html), codes=codes, msgids=msgids, states=states, names=names)
        problems += [f"{persona}: {problem}" for problem in dict.fromkeys(found)]
    assert not problems, f"GET {url}\n" + "\n".join(problems)


def test_the_check_catches_what_the_first_week_found() -> None:
    page = visible(
        "<p>杨强 · education · 登记于 2026-12-01</p><p>beneficiaries.person #472</p><p>organization:5</p>"
        "<p>None</p><p>{{ person.name }}</p><p>Ensure this value has at most 100 characters.</p>"
        "<form><button>开放中</button></form><script>var none = 'education';</script>"
    )
    found = raw_codes(
        page,
        codes={"education"},
        msgids=set(),
        states={"开放中"},
        names=set(),
    )
    assert len(found) == 7, found
    assert raw_codes(visible("<p>环节：feedback</p>"), codes=set(), msgids=set(), states=set(), names=set())
    assert raw_codes(visible("<p>王秀英 · 教育 · 登记于 2026-12-01</p><button>查看</button>"), codes={"education"},
                     msgids=set(), states={"开放中"}, names=set()) == []  # fmt: skip
    assert settings.LANGUAGE_CODE == "zh-hans"


ADMIN_PAGES = ("admin:index", "admin:accounts_user_changelist", "admin:accounts_user_add", "admin:auth_group_add")


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_the_admin_shows_no_raw_code_either(name: str, admin_user: User, caseworker: User, settings: Any) -> None:
    """The administrator's pages: Django's texts in Chinese, permissions in words, no internal group."""
    from django.test import Client
    from django.urls import reverse

    settings.LANGUAGE_CODE = "zh-hans"
    client = Client()
    client.force_login(admin_user)
    response = client.get(reverse(name))
    assert response.status_code == 200
    page = visible(response.content.decode())
    names = set(User.objects.values_list("username", flat=True))
    found = raw_codes(page, codes=choice_codes(), msgids=catalogue_msgids(), states=state_words(), names=names)
    assert found == []


# Han characters and the full-width punctuation of Chinese sentences.
CHINESE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff01-\uff0f\uff1a-\uff20]+")


def stored_texts() -> list[str]:
    """Every text the records hold (names, addresses, descriptions people typed): what an English
    page may show in Chinese. Choice fields hold codes, not texts, and are left out."""
    texts: set[str] = {"简体中文"}  # the language switch names each language in itself
    for model in apps.get_models():
        fields = [
            f.name
            for f in model._meta.get_fields()
            if isinstance(f, models.CharField | models.TextField) and not f.choices and f.concrete
        ]
        if not fields:
            continue
        for row in model._default_manager.values_list(*fields):
            texts.update(str(value) for value in row if value)
    return sorted(texts, key=len, reverse=True)


@pytest.mark.parametrize("name", PAGES)
def test_an_english_page_has_no_chinese_but_the_records(
    name: str, world_records: Objects, request: pytest.FixtureRequest
) -> None:
    """Acceptance 2 over every page: in English, the only Chinese is what the records hold."""
    url = _url(name, world_records)
    problems: list[str] = []
    for persona in PERSONAS:
        if MATRIX[(name, "GET")][persona] != OK:
            continue
        client = _client(name, persona, request)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        allowed = stored_texts()
        response = _send(client, "GET", url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        for node in visible(getattr(response, "content", b"").decode()).nodes:
            left = node
            for text in allowed:
                if text in left:
                    left = left.replace(text, " ")
            # What is left may still be part of a stored text (永坪 of 永坪镇, an example of a place).
            if any(not any(run in text for text in allowed) for run in CHINESE.findall(left)):
                problems.append(f"{persona}: {node!r}")
    assert not problems, f"GET {url} in English\n" + "\n".join(dict.fromkeys(problems))
