"""The assignment over a whole county: places, priority, the global optimum, determinism."""

from __future__ import annotations

import dataclasses
import random
from decimal import Decimal

import pytest

from matching.candidates import TooManyPairsError, build_candidates
from matching.greedy import greedy_assignment
from matching.problem import MatchingProblem
from matching.solver import min_cost_flow_assignment, solve, total_units
from tests.matching.builders import VILLAGE, assignment, eligibility, need, problem, resource
from tests.matching.random_problems import random_problem


def test_no_resource_gets_more_people_than_it_has_places() -> None:
    needs = [need(index) for index in range(1, 8)]
    proposed = assignment(needs, [resource(10, capacity_left=2), resource(11, capacity_left=3)])
    assert len(proposed) == 5
    assert list(proposed.values()).count(10) == 2
    assert list(proposed.values()).count(11) == 3


def test_each_need_gets_at_most_one_resource() -> None:
    result = solve(problem([need(1)], [resource(10 + index) for index in range(5)]))
    assert len(result.proposals) == 1


def test_a_person_with_two_needs_takes_one_place_at_a_resource_not_two() -> None:
    living = need(1, person_id=7, category="living", urgency="emergency")
    medical = need(2, person_id=7, category="medical", urgency="emergency")
    neighbour = need(3, person_id=8, category="medical")
    both = resource(10, categories={"living", "medical"}, capacity_left=2)
    proposed = assignment([living, medical, neighbour], [both])
    assert len(proposed) == 2
    assert 3 in proposed
    # With a second resource the person's other need is met there.
    proposed = assignment([living, medical, neighbour], [both, resource(11, categories={"medical"})])
    assert sorted(proposed) == [1, 2, 3]
    assert proposed[1] != proposed[2]


def test_a_budget_limits_the_places_at_the_per_person_limit() -> None:
    needs = [need(index, amount_requested="400") for index in range(1, 6)]
    # 1,000 yuan at up to 400 a person pays two people in full, whoever they are.
    assert len(assignment(needs, [resource(10, budget_left="1000", per_person_limit="400")])) == 2


def test_without_a_limit_the_budget_counts_every_person_at_the_largest_request() -> None:
    needs = [need(1, amount_requested="300"), need(2, amount_requested="300"), need(3, amount_requested="500")]
    assert len(assignment(needs, [resource(10, budget_left="1000")])) == 2


def test_the_proposal_carries_the_amount_capped_by_the_per_person_limit() -> None:
    result = solve(problem([need(1, amount_requested="800")], [resource(10, per_person_limit="500")]))
    assert result.proposals[0].amount == Decimal("500")


def test_the_emergency_wins_the_last_place() -> None:
    needs = [need(1, urgency="routine"), need(2, urgency="emergency")]
    assert assignment(needs, [resource(10, capacity_left=1)]) == {2: 10}


def test_a_person_in_a_focus_group_wins_the_last_place() -> None:
    needs = [need(1), need(2, vulnerabilities={"elderly_no_self_care"}, age=82)]
    assert assignment(needs, [resource(10, capacity_left=1)]) == {2: 10}


def test_someone_not_yet_helped_this_year_wins_over_someone_already_helped() -> None:
    needs = [need(1, helped_this_year=True), need(2, helped_this_year=False)]
    assert assignment(needs, [resource(10, capacity_left=1)]) == {2: 10}


def test_the_longer_wait_wins_when_all_else_is_equal() -> None:
    needs = [need(1, waiting_days=3), need(2, waiting_days=40)]
    assert assignment(needs, [resource(10, capacity_left=1)]) == {2: 10}


def _greedy_trap() -> MatchingProblem:
    """Greedy gives the village fund to the child and strands the adult; the optimum helps both.

    The child's best pair is the village fund, so greedy takes it first; the county fund for
    minors then has nobody else it may serve, and the adult, who only the village fund serves,
    is left out. Sending the child to the county fund frees the village fund for the adult.
    """
    child = need(1, age=9, vulnerabilities={"minor"})
    adult = need(2, age=45)
    village_fund = resource(10, service_prefixes={VILLAGE}, capacity_left=1)
    county_fund_for_minors = resource(11, capacity_left=1, eligibility=eligibility(max_age=17))
    return problem([child, adult], [village_fund, county_fund_for_minors])


def test_the_global_optimum_beats_greedy_where_greedy_fails() -> None:
    candidates = build_candidates(_greedy_trap())
    greedy = total_units(candidates, greedy_assignment(candidates))
    optimum = total_units(candidates, min_cost_flow_assignment(candidates))
    assert optimum > greedy
    assert assignment(list(_greedy_trap().needs), list(_greedy_trap().resources)) == {1: 11, 2: 10}


def test_greedy_is_never_better_than_the_optimum_on_random_counties() -> None:
    for seed in range(30):
        candidates = build_candidates(random_problem(random.Random(seed), needs=25, resources=8))
        greedy = total_units(candidates, greedy_assignment(candidates))
        assert total_units(candidates, min_cost_flow_assignment(candidates)) >= greedy


def test_empty_inputs_give_an_empty_result() -> None:
    for needs, resources in (([], []), ([need(1)], []), ([], [resource(10)])):
        result = solve(problem(needs, resources))
        assert result.proposals == ()
        assert result.total_score == 0
        assert result.stats.candidate_pairs == 0


def test_the_total_is_the_sum_of_the_proposals() -> None:
    needs = [need(index, urgency="urgent" if index % 2 else "routine", waiting_days=index) for index in range(1, 9)]
    result = solve(problem(needs, [resource(10, capacity_left=3), resource(11, capacity_left=2)]))
    assert result.total_score == sum(proposal.score for proposal in result.proposals)
    assert result.stats.matched == 5


def test_results_do_not_depend_on_input_order_or_repetition() -> None:
    rng = random.Random(6)
    needs = [need(index) for index in range(1, 21)]  # identical needs: only the tie-break decides
    resources = [resource(10, capacity_left=3), resource(11, capacity_left=4)]
    first = solve(problem(needs, resources)).proposals
    for _ in range(5):
        rng.shuffle(needs)
        rng.shuffle(resources)
        assert solve(problem(needs, resources)).proposals == first


def test_progress_runs_from_0_to_100_and_never_goes_back() -> None:
    seen: list[int] = []
    solve(problem([need(1), need(2)], [resource(10)]), progress=seen.append)
    assert seen[0] == 0
    assert seen[-1] == 100
    assert seen == sorted(set(seen))


def test_a_run_too_large_for_memory_stops_with_a_clear_error() -> None:
    needs = [need(index) for index in range(1, 11)]
    too_small = dataclasses.replace(problem(needs, [resource(10)]), max_pairs=5)
    with pytest.raises(TooManyPairsError, match="match each county separately"):
        solve(too_small)
