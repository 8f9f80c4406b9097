"""The min-cost flow finds the exact optimum: checked against HiGHS and against brute force."""

from __future__ import annotations

import random

from matching.candidates import Candidates, build_candidates
from matching.exact import lp_optimum_units
from matching.greedy import greedy_assignment
from matching.problem import NeedInput, ResourceInput
from matching.solver import min_cost_flow_assignment, solve, total_units
from tests.matching.random_problems import random_problem


def brute_force_units(candidates: Candidates) -> int:
    """Best total by trying every choice of one candidate (or none) per need, within places."""
    options: dict[int, list[tuple[int, int]]] = {}
    for pair in range(candidates.size):
        options.setdefault(int(candidates.pair_need[pair]), []).append(
            (int(candidates.pair_resource[pair]), int(candidates.pair_units[pair]))
        )
    needs = sorted(options)
    places = candidates.capacity.tolist()
    taken: set[tuple[int, int]] = set()  # (person id, resource): one place per person

    def best(position: int) -> int:
        if position == len(needs):
            return 0
        result = best(position + 1)  # leave this need unmatched
        person = candidates.needs[needs[position]].person_id
        for resource, units in options[needs[position]]:
            if places[resource] > 0 and (person, resource) not in taken:
                places[resource] -= 1
                taken.add((person, resource))
                result = max(result, units + best(position + 1))
                taken.discard((person, resource))
                places[resource] += 1
        return result

    return best(0)


def assert_feasible(candidates: Candidates, chosen: list[int]) -> None:
    needs = [int(candidates.pair_need[pair]) for pair in chosen]
    assert len(needs) == len(set(needs)), "a need got two resources"
    held = [
        (candidates.needs[n].person_id, int(candidates.pair_resource[pair]))
        for n, pair in zip(needs, chosen, strict=True)
    ]
    assert len(held) == len(set(held)), "a person took two places at one resource"
    for resource, places in enumerate(candidates.capacity.tolist()):
        assert sum(int(candidates.pair_resource[pair]) == resource for pair in chosen) <= places


def test_the_flow_optimum_equals_brute_force_on_tiny_counties() -> None:
    for seed in range(150):
        candidates = build_candidates(random_problem(random.Random(seed), needs=6, resources=3))
        chosen = min_cost_flow_assignment(candidates)
        assert_feasible(candidates, chosen.tolist())
        assert total_units(candidates, chosen) == brute_force_units(candidates), f"seed {seed}"


def test_the_flow_optimum_equals_the_highs_lp_optimum_on_small_counties() -> None:
    nontrivial = 0
    for seed in range(200):
        rng = random.Random(1000 + seed)
        candidates = build_candidates(random_problem(rng, needs=rng.randint(5, 60), resources=rng.randint(1, 15)))
        chosen = min_cost_flow_assignment(candidates)
        assert_feasible(candidates, chosen.tolist())
        optimum = lp_optimum_units(candidates)
        assert total_units(candidates, chosen) == optimum, f"seed {seed}"
        nontrivial += optimum > total_units(candidates, greedy_assignment(candidates))
    # The generator must produce cases where being greedy is wrong, or this test proves little.
    assert nontrivial >= 5


def meets_conditions(need: NeedInput, resource: ResourceInput) -> bool:
    """The eligibility rules written out plainly, one person at a time, to check the vectorised ones."""
    rules = resource.eligibility
    if rules.min_age is not None and (need.age is None or need.age < rules.min_age):
        return False
    if rules.max_age is not None and (need.age is None or need.age > rules.max_age):
        return False
    if rules.assistance_statuses and not rules.assistance_statuses & need.assistance_statuses:
        return False
    if rules.vulnerabilities and not rules.vulnerabilities & need.vulnerabilities:
        return False
    if rules.income_ceiling is None:
        return True
    return need.income_per_person is not None and need.income_per_person <= rules.income_ceiling


def test_every_proposal_respects_the_rules_it_was_chosen_under() -> None:
    for seed in range(100):
        problem = random_problem(random.Random(2000 + seed), needs=40, resources=10)
        result = solve(problem)
        needs = {need.id: need for need in problem.needs}
        resources = {resource.id: resource for resource in problem.resources}
        for proposal in result.proposals:
            need, resource = needs[proposal.need_id], resources[proposal.resource_id]
            areas = resource.service_prefixes | resource.designated_county_prefixes
            assert need.category in resource.categories
            assert need.category not in need.received_categories
            assert (need.id, resource.id) not in problem.rejected
            assert any(need.region_code.startswith(prefix) for prefix in areas)
            assert meets_conditions(need, resource)
            assert resource.capacity_left is None or resource.capacity_left > 0
            if resource.budget_left is not None and proposal.amount is not None:
                assert proposal.amount <= resource.budget_left
            reason_units = sum(round(reason.points * 100) for reason in proposal.reasons)
            assert reason_units == round(proposal.score * 100) or proposal.score == 0.01
