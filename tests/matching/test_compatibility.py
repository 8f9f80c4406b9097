"""Who may be proposed to whom: category, region, eligibility, places, dates, the ledger, rejections."""

from __future__ import annotations

import datetime as dt

import pytest

from matching.candidates import build_candidates
from tests.matching.builders import (
    NEIGHBOUR_VILLAGE,
    OTHER_COUNTY_VILLAGE,
    OTHER_TOWNSHIP_VILLAGE,
    TODAY,
    VILLAGE,
    assignment,
    eligibility,
    need,
    problem,
    resource,
)


def test_it_proposes_a_resource_of_the_same_category_serving_the_persons_county() -> None:
    assert assignment([need(1)], [resource(10)]) == {1: 10}


def test_it_does_not_propose_a_resource_of_another_category() -> None:
    assert assignment([need(1, category="medical")], [resource(10, categories={"living", "education"})]) == {}


def test_a_resource_with_several_categories_serves_each() -> None:
    assert assignment([need(1, category="education")], [resource(10, categories={"living", "education"})]) == {1: 10}


@pytest.mark.parametrize(
    ("prefix", "region_code", "expected"),
    [
        ("61", OTHER_COUNTY_VILLAGE, True),  # the province serves every county in it
        ("6106", VILLAGE, True),
        ("610622", OTHER_TOWNSHIP_VILLAGE, True),
        ("610622101", NEIGHBOUR_VILLAGE, True),
        ("610622101", OTHER_TOWNSHIP_VILLAGE, False),
        ("610622101201", VILLAGE, True),
        ("610622101201", NEIGHBOUR_VILLAGE, False),
        ("610622", OTHER_COUNTY_VILLAGE, False),
        ("62", VILLAGE, False),
    ],
)
def test_a_resource_serves_exactly_the_subtree_of_its_service_regions(
    prefix: str, region_code: str, expected: bool
) -> None:
    proposed = assignment([need(1, region_code=region_code)], [resource(10, service_prefixes={prefix})])
    assert (proposed == {1: 10}) is expected


def test_a_designated_county_resource_serves_that_county_from_elsewhere() -> None:
    zhejiang_charity = resource(10, service_prefixes={"330106"}, designated_county_prefixes={"610622"})
    assert assignment([need(1)], [zhejiang_charity]) == {1: 10}
    assert assignment([need(1, region_code=OTHER_COUNTY_VILLAGE)], [zhejiang_charity]) == {}


@pytest.mark.parametrize(
    ("age", "min_age", "max_age", "expected"),
    [
        (10, 0, 17, True),
        (17, 0, 17, True),
        (18, 0, 17, False),
        (60, 60, None, True),
        (59, 60, None, False),
        (None, 60, None, False),  # unknown age cannot meet an age condition
        (None, None, None, True),
    ],
)
def test_age_range_is_respected(age: int | None, min_age: int | None, max_age: int | None, expected: bool) -> None:
    rules = eligibility(min_age=min_age, max_age=max_age)
    proposed = assignment([need(1, age=age)], [resource(10, eligibility=rules)])
    assert (proposed == {1: 10}) is expected


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [({"dibao"}, True), ({"tekun", "orphan"}, True), ({"dibao_edge"}, False), (set(), False)],
)
def test_any_one_of_the_required_assistance_statuses_is_enough(statuses: set[str], expected: bool) -> None:
    rules = eligibility(assistance_statuses={"dibao", "tekun"})
    proposed = assignment([need(1, assistance_statuses=statuses)], [resource(10, eligibility=rules)])
    assert (proposed == {1: 10}) is expected


@pytest.mark.parametrize(
    ("vulnerabilities", "expected"),
    [({"disabled"}, True), ({"minor", "serious_illness"}, True), ({"minor"}, False), (set(), False)],
)
def test_any_one_of_the_required_vulnerabilities_is_enough(vulnerabilities: set[str], expected: bool) -> None:
    rules = eligibility(vulnerabilities={"disabled", "serious_illness"})
    proposed = assignment([need(1, vulnerabilities=vulnerabilities)], [resource(10, eligibility=rules)])
    assert (proposed == {1: 10}) is expected


@pytest.mark.parametrize(("income", "expected"), [("599.99", True), ("600.00", True), ("600.01", False), (None, False)])
def test_household_income_per_person_must_be_at_or_below_the_ceiling(income: str | None, expected: bool) -> None:
    rules = eligibility(income_ceiling="600")
    proposed = assignment([need(1, income_per_person=income)], [resource(10, eligibility=rules)])
    assert (proposed == {1: 10}) is expected


def test_a_resource_closed_on_the_run_date_is_not_proposed() -> None:
    ended = resource(10, ends_on=TODAY - dt.timedelta(days=1))
    not_started = resource(11, starts_on=TODAY + dt.timedelta(days=1))
    open_today = resource(12, starts_on=TODAY, ends_on=TODAY)
    assert assignment([need(1)], [ended, not_started]) == {}
    assert assignment([need(1)], [ended, not_started, open_today]) == {1: 12}


def test_a_resource_with_no_places_or_no_budget_left_is_not_proposed() -> None:
    full = resource(10, capacity_left=0)
    spent = resource(11, budget_left="0", per_person_limit="500")
    assert assignment([need(1)], [full, spent]) == {}


def test_no_proposal_for_help_already_received_in_the_period() -> None:
    already_helped = need(1, received_categories={"living"})
    helped_otherwise = need(2, received_categories={"medical"})
    assert assignment([already_helped, helped_otherwise], [resource(10)]) == {2: 10}


def test_a_rejected_pair_is_never_proposed_again_but_the_need_can_go_elsewhere() -> None:
    needs = [need(1), need(2)]
    resources = [resource(10, service_prefixes={VILLAGE}), resource(11)]
    assert assignment(needs, resources) == {1: 10, 2: 10}
    assert assignment(needs, resources, rejected={(1, 10)}) == {1: 11, 2: 10}
    assert assignment(needs, resources, rejected={(1, 10), (1, 11), (99, 10)}) == {2: 10}


def test_a_resource_proposes_only_requests_it_can_pay_within_its_budget() -> None:
    needs = [need(1, amount_requested="3000"), need(2, amount_requested="800")]
    no_limit = resource(10, budget_left="1000")
    assert assignment(needs, [no_limit]) == {2: 10}


def test_every_person_in_the_subtree_is_found_without_a_full_matrix() -> None:
    # 300 needs in three townships of two counties, one resource per township: each pairs only with its own.
    villages = ["610622101201", "610622102201", "610623101201"]
    needs = [need(index, region_code=villages[index % 3]) for index in range(300)]
    resources = [resource(10 + t, service_prefixes={code[:9]}) for t, code in enumerate(villages)]
    candidates = build_candidates(problem(needs, resources))
    assert candidates.size == 300
    assert sorted(zip(candidates.pair_need.tolist(), candidates.pair_resource.tolist(), strict=True)) == [
        (index, index % 3) for index in range(300)
    ]
