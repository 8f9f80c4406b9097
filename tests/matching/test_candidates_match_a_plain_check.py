"""The vectorised candidate search finds exactly the pairs a plain pair-by-pair check finds."""

from __future__ import annotations

import math
import random

from matching import scoring
from matching.candidates import build_candidates
from matching.problem import LOCALITY_BY_PREFIX_LENGTH, Locality, MatchingProblem, NeedInput, ResourceInput
from tests.matching.random_problems import random_problem
from tests.matching.test_optimality import meets_conditions


def plain_locality(need: NeedInput, resource: ResourceInput, problem: MatchingProblem) -> Locality | None:
    """The best-scoring way the resource reaches the person, or None when it does not."""
    reaches = [LOCALITY_BY_PREFIX_LENGTH[len(p)] for p in resource.service_prefixes if need.region_code.startswith(p)]
    reaches += [Locality.DESIGNATED for p in resource.designated_county_prefixes if need.region_code.startswith(p)]
    if not reaches:
        return None
    return max(reaches, key=lambda level: problem.weights.locality.get(level, 0.0))


def plain_pairs(problem: MatchingProblem) -> dict[tuple[int, int], tuple[Locality, int]]:
    pairs: dict[tuple[int, int], tuple[Locality, int]] = {}
    grants: dict[int, list[float]] = {}
    for resource in problem.resources:
        if not resource.is_open_on(problem.as_of) or resource.capacity_left == 0 or resource.budget_left == 0:
            continue
        for need in problem.needs:
            locality = plain_locality(need, resource, problem)
            paid = scoring.grant(need, resource)
            if (
                need.category in resource.categories
                and need.category not in need.received_categories
                and (need.id, resource.id) not in problem.rejected
                and locality is not None
                and meets_conditions(need, resource)
                and (resource.budget_left is None or paid is None or paid <= resource.budget_left)
            ):
                units = sum(
                    scoring.units(reason.points)
                    for reason in scoring.explain(need, resource, locality, problem.weights)
                )
                pairs[need.id, resource.id] = (locality, max(units, 1))
                if paid is not None:
                    grants.setdefault(resource.id, []).append(float(paid))
    # Drop resources whose budget, counted at the largest grant, pays nobody.
    for resource in problem.resources:
        largest = max(grants.get(resource.id, [0.0]))
        if resource.budget_left is not None and largest and math.floor(float(resource.budget_left) / largest) == 0:
            pairs = {key: value for key, value in pairs.items() if key[1] != resource.id}
    return pairs


def test_the_candidate_pairs_localities_and_scores_equal_a_plain_check() -> None:
    for seed in range(150):
        problem = random_problem(random.Random(3000 + seed), needs=30, resources=12)
        candidates = build_candidates(problem)
        found = {
            (candidates.needs[int(n)].id, candidates.resources[int(r)].id): (candidates.locality(pair), int(units))
            for pair, (n, r, units) in enumerate(
                zip(candidates.pair_need, candidates.pair_resource, candidates.pair_units, strict=True)
            )
        }
        assert len(found) == candidates.size, "a pair appears twice"
        assert found == plain_pairs(problem), f"seed {seed}"
