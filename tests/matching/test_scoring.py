"""Scores and their reasons: what a caseworker reads next to each proposal."""

from __future__ import annotations

from matching.problem import Locality, Reason, Weights
from matching.solver import solve
from tests.matching.builders import (
    NEIGHBOUR_VILLAGE,
    OTHER_COUNTY_VILLAGE,
    OTHER_TOWNSHIP_VILLAGE,
    VILLAGE,
    assignment,
    need,
    problem,
    resource,
)


def reasons_of(**need_fields: object) -> dict[str, Reason]:
    result = solve(problem([need(1, **need_fields)], [resource(10, per_person_limit="500")]))
    return {reason.code: reason for reason in result.proposals[0].reasons}


def test_the_reasons_name_each_part_of_the_score_and_add_up_to_it() -> None:
    result = solve(
        problem(
            [
                need(
                    1,
                    urgency="emergency",
                    waiting_days=30,
                    vulnerabilities={"minor", "disabled"},
                    age=12,
                    amount_requested="1000",
                )
            ],
            [resource(10, per_person_limit="500")],
        )
    )
    proposal = result.proposals[0]
    assert [(reason.code, reason.points, dict(reason.params)) for reason in proposal.reasons] == [
        ("urgency", 40.0, {"level": "emergency"}),
        ("waiting", 15.0, {"days": 30}),
        ("focus_group", 15.0, {"group": "disabled"}),
        ("focus_group", 15.0, {"group": "minor"}),
        ("not_helped_this_year", 20.0, {}),
        ("locality", 4.0, {"level": "county"}),
        ("amount_fit", 5.0, {"percent": 50, "amount": "500"}),
    ]
    assert proposal.score == 114.0


def test_nothing_is_said_about_what_did_not_count() -> None:
    reasons = reasons_of(urgency="routine", waiting_days=0, helped_this_year=True)
    assert set(reasons) == {"locality", "no_amount_asked"}


def test_the_wait_counts_up_to_a_cap() -> None:
    assert reasons_of(waiting_days=400)["waiting"].points == 30.0
    assert reasons_of(waiting_days=400)["waiting"].params == {"days": 400}


def test_closer_in_the_region_tree_scores_higher() -> None:
    def locality_points(region_code: str, **resource_fields: object) -> tuple[str, float]:
        result = solve(problem([need(1, region_code=region_code)], [resource(10, **resource_fields)]))
        reason = next(reason for reason in result.proposals[0].reasons if reason.code == "locality")
        return str(reason.params["level"]), reason.points

    village = locality_points(VILLAGE, service_prefixes={VILLAGE})
    township = locality_points(NEIGHBOUR_VILLAGE, service_prefixes={VILLAGE[:9]})
    county = locality_points(OTHER_TOWNSHIP_VILLAGE, service_prefixes={"610622"})
    designated = locality_points(
        OTHER_COUNTY_VILLAGE, service_prefixes={"330106"}, designated_county_prefixes={"610623"}
    )
    assert [village[0], township[0], county[0], designated[0]] == ["village", "township", "county", "designated"]
    assert village[1] > township[1] > county[1] > designated[1]


def test_a_resource_naming_the_village_reaches_it_at_village_level_even_if_it_also_serves_the_county() -> None:
    result = solve(problem([need(1)], [resource(10, service_prefixes={"610622", VILLAGE})]))
    assert {reason.code: reason.params for reason in result.proposals[0].reasons}["locality"] == {"level": "village"}


def test_between_two_resources_the_closer_one_is_proposed() -> None:
    resources = [resource(10, service_prefixes={"6106"}), resource(11, service_prefixes={VILLAGE[:9]})]
    assert assignment([need(1)], resources) == {1: 11}


def test_the_resource_covering_more_of_the_request_is_proposed() -> None:
    resources = [resource(10, per_person_limit="300"), resource(11, per_person_limit="900")]
    assert assignment([need(1, amount_requested="1000")], resources) == {1: 11}


def test_weights_are_configurable_and_change_who_wins() -> None:
    needs = [need(1, urgency="emergency"), need(2, vulnerabilities={"disabled"})]
    scarce = [resource(10, capacity_left=1)]
    assert assignment(needs, scarce) == {1: 10}
    focus_first = Weights(urgency={"routine": 0, "urgent": 5, "emergency": 10})
    assert assignment(needs, scarce, weights=focus_first) == {2: 10}
    assert Weights().locality[Locality.VILLAGE] > Weights().locality[Locality.DESIGNATED]
