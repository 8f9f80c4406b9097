"""The public's doors (issue #16): an online application filled in as a person would, helpers shared
by the application, abuse and lookup tests."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from beneficiaries import consent_texts
from beneficiaries.forms_public import application_initial
from tests.factories import valid_id_number

APPLY_URL = "/apply/"
LOOKUP_URL = "/supply/public/status/"
PHONE = "13912345678"
APPLICANT_ID = valid_id_number(date(1968, 4, 2), male=False)


@pytest.fixture(autouse=True)
def _no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    # The form refuses answers sent within 5 s of showing it (scripts); the tests that check it set it back.
    monkeypatch.setattr("beneficiaries.forms_public.APPLICATION_MIN_SECONDS", 0)


def form_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "applicant_kind": "family",
        "name": "李桂兰",
        "id_number": APPLICANT_ID,
        "household_size": "4",
        "region": "陕西省 › 延安市 › 延川县 › 永坪镇 › 永坪村",
        "address": "永坪村三组",
        "what_happened": "丈夫今年查出尿毒症，每周透析三次，医药费远超家里收入。",
        "categories": ["medical"],
        "urgency": "routine",
        "phone": PHONE,
        "agrees": "on",
        "website": "",
        **application_initial(),
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def api_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "applicant_kind": "self",
        "name": "李桂兰",
        "id_number": APPLICANT_ID,
        "region": "610622100201",
        "what_happened": "丈夫今年查出尿毒症，每周透析三次，医药费远超家里收入。",
        "categories": ["medical"],
        "urgency": "routine",
        "phone": PHONE,
        "consent_version": consent_texts.CURRENT_VERSION,
        "agrees": True,
    }
    data.update(changes)
    return data


def apply(client: Client, **changes: Any) -> Any:
    return client.post(APPLY_URL, form_data(**changes))
