"""Chinese is the default language: every string must have a Chinese translation,
and the compiled catalogue must match the source one."""

from pathlib import Path

import polib
import pytest

LOCALE = Path(__file__).resolve().parents[2] / "locale"


@pytest.fixture(scope="module")
def zh_catalog():
    return polib.pofile(str(LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"))


def test_every_string_has_a_chinese_translation(zh_catalog):
    untranslated = [entry.msgid for entry in zh_catalog if not entry.obsolete and not entry.translated()]
    assert untranslated == []


def test_no_translation_is_left_fuzzy(zh_catalog):
    assert [entry.msgid for entry in zh_catalog.fuzzy_entries()] == []


def test_the_compiled_catalogue_is_up_to_date(zh_catalog):
    compiled = {
        (entry.msgctxt, entry.msgid): entry.msgstr
        for entry in polib.mofile(str(LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.mo"))
    }
    stale = [e.msgid for e in zh_catalog.translated_entries() if compiled.get((e.msgctxt, e.msgid)) != e.msgstr]
    assert stale == [], "run `make messages` to recompile"


def test_placeholders_survive_translation(zh_catalog):
    import re

    pattern = re.compile(r"%\(\w+\)[sd]")

    def translation(entry):
        return entry.msgstr_plural[0] if entry.msgid_plural else entry.msgstr

    broken = [
        e.msgid
        for e in zh_catalog.translated_entries()
        if sorted(set(pattern.findall(e.msgid))) != sorted(set(pattern.findall(translation(e))))
    ]
    assert broken == []
