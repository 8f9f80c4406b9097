"""The glossary: each key term of the work is said one way, and its words are used for it alone (issue 15).

A county office learns a handful of words — 转介, 接收, 退回, 反馈, 台账 … — and reads the product by
them. A msgid translated by a word that belongs to another term misleads: the button "Open" said
as the status 开放中, the filter "From" said as the referral party 转出方, a success message said as
the status 已完成. Three checks over the Chinese catalogue:

1. a msgid that *is* a key term (a label, a button, a heading: "Accept", "Ledger", "Needs") is
   translated with that term's word;
2. a short msgid (a label or a button, four words at most) whose translation uses a term's own word
   names that term in its msgid or its context (转出方 only for a referral's party, 撤回 only for a
   revocation or a withdrawal);
3. a button or an action is never said as a state (the labels of every ``status`` field's choices).

The pages themselves are checked in ``tests/security/test_raw_codes.py`` (buttons that read as
states, raw codes, untranslated msgids).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import polib
import pytest
from django.apps import apps
from django.utils import translation

LOCALE = Path(__file__).resolve().parents[2] / "locale"


@dataclass(frozen=True)
class Term:
    english: str  # a full-match regex over the msgid, lower case, without a final full stop
    chinese: str  # a regex the translation must match
    # The term's own word: where a short translation uses it, its msgid or context holds one of these.
    own_word: str = ""
    named_by: tuple[str, ...] = ()
    plain_only: bool = False  # the term is the msgid without a context (a context names another sense)


# SPEC.md's vocabulary (转办转介, 需求清单, 供给清单, 帮扶结果反馈, 台账 …) and the state machine's words.
GLOSSARY: tuple[Term, ...] = (
    Term(r"referrals?|refer|referral form", "转介", "转介", ("refer", "direction", "to a charity", "to government")),
    Term(
        r"accept(ed)?",
        "接收",
        "接收",
        ("accept", "receiv", "recipient", "referral party", "took", "open for referrals"),
    ),
    Term(r"declined?", "退回", "退回", ("declin", "return", "sent back")),
    Term(r"feedback", "反馈", "反馈", ("feedback", "report")),
    Term(r"ledger", "台账", "台账", ("ledger", "register", "spreadsheet")),
    Term(r"needs?", "需求", "需求", ("need", "categor", "matching", "pairs")),
    Term(r"supply|supply list", "供给", "供给", ("supply", "resource", "shared with")),
    Term(
        r"consents?", "同意", "同意", ("consent", "agree", "approv", "grant", "covered", "signed", "witness", "method")
    ),
    Term(r"revoke[d]?|revocation", "撤回", "撤回", ("revo", "withdr")),
    Term(r"withdraw(n)?", "撤回", "撤回", ("revo", "withdr")),
    Term(r"open", "开放中|查看|打开", "开放中", ("open",)),
    Term(r"completed", "已完成", "已完成", ("complet", "done")),
    Term(r"from", "自|从|起", "转出方", ("referral party", "referring"), plain_only=True),
    Term(r"to", "至|到", "接收方", ("referral party", "receiving", "recipient"), plain_only=True),
    Term(r"refused?|reject(ed)?", "拒绝|驳回|否决|不同意|未通过", "驳回", ("refus", "reject")),
    Term(r"close(d)?|close the referral", "结束|结案|关闭", "结案", ("close",)),
    Term(r"complaints?", "投诉"),
    Term(r"follow-up( visits?)?", "回访"),
    Term(r"audit log", "审计"),
    Term(r"matching", "匹配"),
    Term(r"resources?", "资源"),
    Term(r"jurisdiction", "辖区"),
    Term(r"charity|charities", "慈善"),
    Term(r"register", "名册|登记"),
    Term(r"emergency", "特急|紧急|救急"),
    Term(r"early warning", "预警"),
    Term(r"satisfaction", "满意"),
    Term(r"supervisor", "监督"),
    Term(r"caseworker", "经办"),
    Term(r"station", "站"),
    Term(r"household", "家庭|户"),
    Term(r"declarations?", "申报"),
    Term(r"second approvals?", "复核"),
    Term(r"happiness list", "幸福清单"),
    Term(r"possible duplicate|duplicates?", "重复"),
    Term(r"gaps?", "遗漏|缺口|未"),
    Term(r"region", "区划|地区|区域"),
    Term(r"reference", "编号"),
    Term(r"organizations?", "组织|机构"),
    Term(r"helped", "帮扶"),
    Term(r"assistance", "救助"),
    Term(r"outcome", "结果"),
    Term(r"projects?", "项目"),
)

SHORT = 4  # words: labels, buttons, headings, column titles


@pytest.fixture(scope="module")
def catalogue() -> polib.POFile:
    return polib.pofile(str(LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"))


def _said(entry: polib.POEntry) -> str:
    return entry.msgstr or (entry.msgstr_plural.get(0, "") if entry.msgstr_plural else "")


def _entries(catalogue: polib.POFile) -> list[polib.POEntry]:
    return [e for e in catalogue if not e.obsolete and _said(e)]


def term_mismatches(entries: list[polib.POEntry]) -> list[str]:
    wrong = []
    for entry in entries:
        source = entry.msgid.strip().rstrip(".").lower()
        for term in GLOSSARY:
            if term.plain_only and entry.msgctxt:
                continue
            if re.fullmatch(term.english, source) and not re.search(term.chinese, _said(entry)):
                wrong.append(f"{entry.msgctxt or ''}|{entry.msgid} → {_said(entry)} (the term is {term.chinese})")
    return wrong


def borrowed_words(entries: list[polib.POEntry]) -> list[str]:
    wrong = []
    for entry in entries:
        if len(entry.msgid.split()) > SHORT:
            continue
        source = " ".join(filter(None, (entry.msgctxt, entry.msgid, entry.msgid_plural))).lower()
        for term in GLOSSARY:
            if term.own_word and term.own_word in _said(entry) and not any(n in source for n in term.named_by):
                wrong.append(
                    f"{entry.msgctxt or ''}|{entry.msgid} → {_said(entry)} ({term.own_word} is {term.english})"
                )
    return wrong


def state_words() -> set[str]:
    """Every label a ``status`` field can show, in Chinese."""
    words: set[str] = set()
    with translation.override("zh-hans"):
        for model in apps.get_models():
            for field in model._meta.get_fields():
                if getattr(field, "choices", None) and "status" in field.name:
                    words.update(str(label) for _value, label in field.flatchoices)
    return words


def actions_said_as_states(entries: list[polib.POEntry], states: set[str]) -> list[str]:
    from cases.transitions import TRANSITIONS, action_label

    with translation.override("zh-hans"):
        actions = {str(action_label(action)) for action in TRANSITIONS}
    buttons = {_said(e) for e in entries if e.msgctxt and ("button" in e.msgctxt or "action" in e.msgctxt)}
    return sorted(word for word in actions | buttons if word.rstrip("。.") in states)


def test_each_key_term_is_said_with_its_word(catalogue: polib.POFile) -> None:
    assert term_mismatches(_entries(catalogue)) == []


def test_a_terms_word_is_not_borrowed_by_another_label(catalogue: polib.POFile) -> None:
    assert borrowed_words(_entries(catalogue)) == []


def test_no_button_or_action_is_said_as_a_state(catalogue: polib.POFile) -> None:
    states = state_words()
    assert {"开放中", "已完成", "已接收"} <= states  # the check knows the states it guards
    assert actions_said_as_states(_entries(catalogue), states) == []


def test_the_checks_catch_the_mix_ups_of_the_first_week() -> None:
    """The mix-ups issue 15 found, as catalogue entries: each check turns red on its own kind."""
    button = polib.POEntry(msgctxt="notification button", msgid="Open", msgstr="开放中")
    date_filter = polib.POEntry(msgid="From", msgstr="转出方")
    approval = polib.POEntry(msgid="Second approval", msgstr="第二人审批")
    assert actions_said_as_states([button], state_words())
    assert borrowed_words([date_filter]) and term_mismatches([date_filter])
    assert term_mismatches([approval])
    party = polib.POEntry(msgctxt="referral party", msgid="From", msgstr="转出方")
    assert not borrowed_words([party])
