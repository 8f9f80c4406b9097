"""The reasons read as plain Chinese sentences (and English when asked for)."""

from __future__ import annotations

import json

from django.utils import translation

from matching.problem import Reason
from matching.reasons import reason_lines, reason_text
from matching.solver import solve
from tests.matching.builders import need, problem, resource


def test_a_proposal_reads_as_chinese_sentences_with_points() -> None:
    result = solve(
        problem(
            [need(1, urgency="emergency", waiting_days=12, vulnerabilities={"minor"}, age=9, amount_requested="800")],
            [resource(10, per_person_limit="600")],
        )
    )
    with translation.override("zh-hans"):
        lines = reason_lines(result.proposals[0].reasons)
    assert lines == [
        ("紧急程度：特急", 40.0),
        ("已等待 12 天", 6.0),
        ("重点对象：未成年人", 15.0),
        ("今年尚未获得帮扶", 20.0),
        ("本县资源", 4.0),
        ("可覆盖申请金额的 75%（600 元）", 7.5),
    ]


def test_every_reason_code_has_a_chinese_sentence() -> None:
    reasons = [
        Reason("urgency", 20, {"level": "urgent"}),
        Reason("waiting", 1, {"days": 2}),
        Reason("focus_group", 15, {"group": "elderly_no_self_care"}),
        Reason("not_helped_this_year", 20),
        *(
            Reason("locality", 1, {"level": level})
            for level in ("village", "township", "county", "city", "province", "designated")
        ),
        Reason("amount_fit", 10, {"percent": 100, "amount": "500"}),
        Reason("no_amount_asked", 10),
    ]
    with translation.override("zh-hans"):
        texts = [reason_text(reason) for reason in reasons]
    assert all(any("\u4e00" <= char <= "\u9fff" for char in text) for text in texts), texts
    assert len(set(texts)) == len(texts)


def test_english_is_available_and_unknown_codes_do_not_break_a_page() -> None:
    with translation.override("en"):
        assert reason_text(Reason("not_helped_this_year", 20)) == "No help received yet this year"
        assert reason_text(Reason("something_new", 1)) == "something_new"
        assert reason_text(Reason("focus_group", 15, {"group": "new_group"})) == "Focus group: new_group"


def test_reasons_survive_a_trip_through_json_storage() -> None:
    result = solve(problem([need(1, urgency="urgent", amount_requested="800")], [resource(10, per_person_limit="600")]))
    reasons = result.proposals[0].reasons
    stored = json.loads(json.dumps([reason.as_json() for reason in reasons]))
    assert tuple(Reason.from_json(item) for item in stored) == reasons
