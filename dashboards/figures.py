"""The county dashboard's figures as one record that adds up (issue #18 item 5).

``county_figures_for`` reads them with the selectors (the county dashboard's own queries);
``dashboards.aggregates`` stores them per county and period as JSON; ``add_up`` sums the counties'
records for a city or a province, and ``dashboards.reports.dashboard_report`` lays out either as
the same tables. Everything here is a count or a sum of rows that each belong to one county, so
the sum over the counties is the figure over the city — except the medians, which do not add up:
a summed record has none (the counties page shows each county's).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dashboards import selectors
from dashboards.selectors import Scope

SCORES = range(1, 6)


@dataclass
class CurrentFigures:
    """What needs attention now, whatever the period: deadlines, coverage, ledger flags."""

    expiring: int = 0
    overdue: int = 0
    follow_ups_overdue: int = 0
    open_needs: int = 0
    with_help: int = 0
    duplicates: int = 0
    gaps: int = 0
    ledger_people: int = 0


@dataclass
class DashboardFigures:
    needs: dict[tuple[str, str], int] = field(default_factory=dict)  # (category, urgency) → logged
    referrals: dict[tuple[str, str], int] = field(default_factory=dict)  # (status, direction) → sent
    # organization id → [name, sent, accepted, helped, declined or expired]; not in the JSON (a
    # county may send to thousands): stored as CountyOrganizationAggregate rows
    organizations: dict[int, list[Any]] = field(default_factory=dict)
    accept_hours: float | None = None
    accept_n: int = 0
    feedback_hours: float | None = None
    feedback_n: int = 0
    current: CurrentFigures = field(default_factory=CurrentFigures)
    visits: int = 0
    need_met: int = 0
    by_score: dict[int, int] = field(default_factory=lambda: dict.fromkeys(SCORES, 0))
    average: float | None = None
    summed: bool = False  # added up from counties: no medians

    def as_json(self) -> dict[str, Any]:
        return {
            "needs": [[c, u, n] for (c, u), n in self.needs.items()],
            "referrals": [[s, d, n] for (s, d), n in self.referrals.items()],
            "accept": [self.accept_hours, self.accept_n],
            "feedback": [self.feedback_hours, self.feedback_n],
            "current": [
                self.current.expiring,
                self.current.overdue,
                self.current.follow_ups_overdue,
                self.current.open_needs,
                self.current.with_help,
                self.current.duplicates,
                self.current.gaps,
                self.current.ledger_people,
            ],
            "satisfaction": [self.visits, self.need_met, [self.by_score[s] for s in SCORES], self.average],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DashboardFigures:
        visits, need_met, scores, average = data["satisfaction"]
        return cls(
            needs={(c, u): n for c, u, n in data["needs"]},
            referrals={(s, d): n for s, d, n in data["referrals"]},
            accept_hours=data["accept"][0],
            accept_n=data["accept"][1],
            feedback_hours=data["feedback"][0],
            feedback_n=data["feedback"][1],
            current=CurrentFigures(*data["current"]),
            visits=visits,
            need_met=need_met,
            by_score=dict(zip(SCORES, scores, strict=True)),
            average=average,
        )


def current_figures(scope: Scope, *, now: datetime | None = None) -> CurrentFigures:
    due = selectors.deadlines(scope, now=now)
    cover = selectors.coverage(scope)
    flags = selectors.ledger_flags(scope, today=now.date() if now else None)
    return CurrentFigures(
        expiring=due.expiring,
        overdue=due.overdue,
        follow_ups_overdue=due.follow_ups_overdue,
        open_needs=cover.open_needs,
        with_help=cover.with_help,
        duplicates=flags.duplicates,
        gaps=flags.gaps,
        ledger_people=flags.people,
    )


def county_figures_for(
    scope: Scope, *, now: datetime | None = None, current: CurrentFigures | None = None
) -> DashboardFigures:
    """The dashboard's figures over the scope, live (``current``: the period-free part, when the
    caller has it already for this region)."""
    accept_hours, accept_n = selectors.median_hours_to_accept(scope)
    feedback_hours, feedback_n = selectors.median_hours_to_feedback(scope)
    satisfaction = selectors.follow_up_satisfaction(scope)
    return DashboardFigures(
        needs={
            (str(r["category"]), str(r["urgency"])): int(r["count"])
            for r in selectors.needs_by_category_and_urgency(scope)
        },
        referrals={
            (str(r["status"]), str(r["direction"])): int(r["count"]) for r in selectors.referrals_by_status(scope)
        },
        organizations={
            int(r["to_organization_id"]): [
                str(r["to_organization__name"]),
                r["sent"],
                r["accepted"],
                r["helped"],
                r["declined"],
            ]
            for r in selectors.referrals_by_organization(scope)
        },
        accept_hours=accept_hours,
        accept_n=accept_n,
        feedback_hours=feedback_hours,
        feedback_n=feedback_n,
        current=current if current is not None else current_figures(scope, now=now),
        visits=satisfaction.visits,
        need_met=satisfaction.need_met,
        by_score=dict(satisfaction.by_score),
        average=satisfaction.average,
    )


def _add(into: dict[Any, int], items: Iterable[tuple[Any, int]]) -> None:
    for key, n in items:
        into[key] = into.get(key, 0) + n


def add_up(records: Iterable[DashboardFigures]) -> DashboardFigures:
    """The counties' records summed (needs, referrals and the rest in the order the live queries
    give them: by category and urgency, by sent count then name)."""
    total = DashboardFigures(summed=True)
    needs: dict[tuple[str, str], int] = {}
    referrals: dict[tuple[str, str], int] = {}
    organizations: dict[int, list[Any]] = {}
    c = total.current
    for r in records:
        _add(needs, r.needs.items())
        _add(referrals, r.referrals.items())
        for pk, (name, *counts) in r.organizations.items():
            row = organizations.setdefault(pk, [name, 0, 0, 0, 0])
            row[1:] = [a + b for a, b in zip(row[1:], counts, strict=True)]
        total.accept_n += r.accept_n
        total.feedback_n += r.feedback_n
        for name in vars(c):
            setattr(c, name, getattr(c, name) + getattr(r.current, name))
        total.visits += r.visits
        total.need_met += r.need_met
        _add(total.by_score, r.by_score.items())
    total.needs = dict(sorted(needs.items()))
    total.referrals = referrals
    total.organizations = dict(sorted(organizations.items(), key=lambda item: (-item[1][1], item[1][0])))
    scored = sum(total.by_score.values())
    total.average = round(sum(s * n for s, n in total.by_score.items()) / scored, 2) if scored else None
    return total
