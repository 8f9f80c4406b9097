"""A seeded generator of small random problems (hypothesis is not installed; this is enough).

Everything is drawn from small sets so that many needs compete for the same few places and
conditions, regions and budgets interact: the cases where a wrong solver would show.
"""

from __future__ import annotations

import random
from decimal import Decimal

from matching.problem import Eligibility, MatchingProblem, NeedInput, ResourceInput, Weights
from tests.matching.builders import TODAY

VILLAGES = ["610622101201", "610622101202", "610622102201", "610623101201"]
PREFIXES = ["61", "610622", "610623", "610622101", "610622102", "610622101201"]
CATEGORIES = ["living", "medical", "education"]
STATUSES = ["dibao", "tekun", "dibao_edge"]
GROUPS = ["elderly_no_self_care", "minor", "disabled", "serious_illness"]


def _some(rng: random.Random, values: list[str], chance: float) -> frozenset[str]:
    return frozenset(value for value in values if rng.random() < chance)


def random_need(rng: random.Random, need_id: int) -> NeedInput:
    return NeedInput(
        id=need_id,
        # About one need in three belongs to someone with another need too.
        person_id=need_id if rng.random() < 0.7 else rng.randint(1, need_id),
        category=rng.choice(CATEGORIES),
        region_code=rng.choice(VILLAGES),
        urgency=rng.choice(["routine", "routine", "urgent", "emergency"]),
        waiting_days=rng.randint(0, 90),
        vulnerabilities=_some(rng, GROUPS, 0.2),
        assistance_statuses=_some(rng, STATUSES, 0.3),
        age=rng.choice([None, rng.randint(0, 90)]),
        income_per_person=rng.choice([None, Decimal(rng.randint(200, 1200))]),
        amount_requested=rng.choice([None, Decimal(rng.randint(1, 30) * 100)]),
        helped_this_year=rng.random() < 0.4,
        received_categories=_some(rng, CATEGORIES, 0.1),
    )


def random_resource(rng: random.Random, resource_id: int) -> ResourceInput:
    rules = Eligibility(
        min_age=rng.choice([None, None, 18, 60]),
        max_age=rng.choice([None, None, 17, 70]),
        assistance_statuses=_some(rng, STATUSES, 0.2),
        vulnerabilities=_some(rng, GROUPS, 0.15),
        income_ceiling=rng.choice([None, None, Decimal(rng.randint(400, 1000))]),
    )
    return ResourceInput(
        id=resource_id,
        organization_id=resource_id % 3,
        categories=frozenset(rng.sample(CATEGORIES, k=rng.randint(1, 2))),
        service_prefixes=frozenset(rng.sample(PREFIXES, k=rng.randint(0, 2))),
        designated_county_prefixes=frozenset(rng.sample(["610622", "610623"], k=rng.randint(0, 1))),
        eligibility=rules,
        capacity_left=rng.choice([None, rng.randint(0, 4)]),
        budget_left=rng.choice([None, Decimal(rng.randint(0, 60) * 100)]),
        per_person_limit=rng.choice([None, Decimal(rng.randint(2, 20) * 100)]),
    )


def random_problem(rng: random.Random, *, needs: int, resources: int) -> MatchingProblem:
    need_list = [random_need(rng, need_id) for need_id in range(1, needs + 1)]
    resource_list = [random_resource(rng, 100 + index) for index in range(resources)]
    rejected = frozenset((rng.randint(1, needs), rng.randint(100, 100 + resources)) for _ in range(needs // 5))
    weights = Weights(waiting_per_day=rng.choice([0.0, 0.5, 1.0]), amount_fit=rng.choice([0.0, 10.0, 25.0]))
    return MatchingProblem(tuple(need_list), tuple(resource_list), TODAY, weights=weights, rejected=rejected)
