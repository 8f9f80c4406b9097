"""The selectors' figures laid out as tables: the page, its charts and the .xlsx export all read
the same ``Table`` objects, so what is exported is exactly what is shown."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.utils.translation import gettext as _

from beneficiaries.models import NeedCategory, Urgency, Vulnerability
from cases.models import Direction, ReferralStatus
from dashboards import selectors
from dashboards.figures import DashboardFigures, county_figures_for
from dashboards.selectors import Scope

Cell = str | int | float | Decimal | None


@dataclass
class Table:
    """One block of figures. ``chart`` says how static/dashboards/charts.js draws it:
    "bar", "stacked" (columns after the first are stacked series), "doughnut" or "" (no chart)."""

    key: str
    title: str
    headers: list[str]
    rows: list[list[Cell]]
    chart: str = ""
    definition: str = ""  # shown beside an evaluation indicator
    headline: Cell = None  # the one figure shown large, if any
    headline_unit: str = ""
    note: str = ""
    chart_columns: list[int] | None = None  # which value columns (0 = the first after the label) to draw; all if None
    wide: bool = False  # spans the whole row of the grid (many columns or a wide chart)

    @property
    def drawable(self) -> bool:
        """A chart is drawn when it has something to show (an all-zero chart is an empty frame)."""
        columns = [i for i in range(len(self.headers) - 1) if self.chart_columns is None or i in self.chart_columns]
        return bool(self.chart) and any(_number(row[i + 1]) for row in self.rows for i in columns)

    def chart_data(self) -> dict[str, object]:
        return {
            "type": self.chart,
            "labels": [str(row[0]) for row in self.rows],
            "series": [
                {"label": header, "values": [_number(row[i + 1]) for row in self.rows]}
                for i, header in enumerate(self.headers[1:])
                if self.chart_columns is None or i in self.chart_columns
            ],
        }


def _number(value: Cell) -> float | None:
    if value is None or isinstance(value, str):
        return None
    return float(value)


def _label(choices: type, code: object) -> str:
    try:
        return str(choices(code).label)
    except ValueError:
        return str(code)


def percent(value: float | None) -> Cell:
    return value  # None shows as "—"; the unit is in the header


@dataclass
class Report:
    title: str
    scope: Scope
    tables: list[Table] = field(default_factory=list)
    as_of: str = ""  # added up from aggregates counted then (数据截至); "" when computed live

    def export_rows(self) -> Iterator[list[Cell]]:
        """Long format: section, row, column, value — every figure of every table."""
        for table in self.tables:
            if table.headline is not None and not table.rows:
                yield [table.title, "", table.headline_unit, table.headline]
            for row in table.rows:
                for header, value in zip(table.headers[1:], row[1:], strict=True):
                    yield [table.title, row[0], header, value]


# --- county dashboard ------------------------------------------------------------------------
def county_report(scope: Scope, *, now: datetime | None = None) -> Report:
    """The county dashboard over the scope, computed live."""
    return dashboard_report(scope, county_figures_for(scope, now=now))


def dashboard_report(scope: Scope, figures: DashboardFigures, *, as_of: str = "") -> Report:
    """The dashboard's tables from its figures: a county's, live, or a city's or province's added
    up from the counties' aggregates (``as_of``: when they were counted)."""
    report = Report(title=_("County dashboard"), scope=scope, as_of=as_of)
    add = report.tables.append

    urgencies = list(Urgency)
    counts: dict[str, dict[str, int]] = {}
    for (category, urgency), n in figures.needs.items():
        counts.setdefault(category, {})[urgency] = n
    add(
        Table(
            key="needs",
            wide=True,
            title=_("Needs logged, by category and urgency"),
            headers=[_("Category"), *[str(u.label) for u in urgencies], _("Total")],
            rows=[
                [
                    _label(NeedCategory, category),
                    *[by_urgency.get(u.value, 0) for u in urgencies],
                    sum(by_urgency.values()),
                ]
                for category, by_urgency in sorted(counts.items(), key=lambda item: -sum(item[1].values()))
            ],
            chart="stacked",
            chart_columns=list(range(len(urgencies))),
        )
    )

    by_status: dict[str, dict[str, int]] = {}
    for (status_code, direction), n in figures.referrals.items():
        by_status.setdefault(status_code, {})[direction] = n
    add(
        Table(
            key="referral_status",
            wide=True,
            title=_("Referrals sent, by state"),
            headers=[_("State"), str(Direction.TO_CHARITY.label), str(Direction.TO_GOVERNMENT.label)],
            rows=[
                [
                    str(status.label),
                    by_status.get(status.value, {}).get(Direction.TO_CHARITY, 0),
                    by_status.get(status.value, {}).get(Direction.TO_GOVERNMENT, 0),
                ]
                for status in ReferralStatus
                if status.value in by_status
            ],
            chart="stacked",
        )
    )

    add(
        Table(
            key="referral_organization",
            wide=True,
            title=_("Referrals to charities, by organization"),
            headers=[_("Organization"), _("Sent"), _("Accepted"), _("Helped"), _("Declined or expired")],
            rows=[list(row) for row in figures.organizations.values()],
            chart="bar",
        )
    )

    add(
        Table(
            key="response_times",
            title=_("Median response times"),
            headers=[_("Step"), _("Median hours"), _("Referrals counted")],
            rows=[
                [_("From sending to acceptance"), figures.accept_hours, figures.accept_n],
                [_("From sending to feedback or decision"), figures.feedback_hours, figures.feedback_n],
            ],
            note=_("Medians do not add up over counties: each county's is on the counties compared page.")
            if figures.summed
            else "",
        )
    )

    now_figures = figures.current
    add(
        Table(
            key="deadlines",
            title=_("Expiring and overdue now"),
            headers=[_("Item"), _("Count")],
            rows=[
                [_("Referrals with less than 24 hours left to answer"), now_figures.expiring],
                [_("Referrals past their deadline, not yet answered"), now_figures.overdue],
                [_("Follow-up visits past their due date"), now_figures.follow_ups_overdue],
            ],
        )
    )

    coverage = selectors.share(now_figures.with_help, now_figures.open_needs)
    add(
        Table(
            key="coverage",
            title=_("Coverage of open needs"),
            headers=[_("Item"), _("Value")],
            rows=[
                [_("Open needs"), now_figures.open_needs],
                [_("With help under way (referral accepted or in progress)"), now_figures.with_help],
                [_("Coverage (%)"), coverage],
            ],
            headline=coverage,
            headline_unit="%",
        )
    )

    add(
        Table(
            key="ledger",
            title=_("Ledger: duplicates and gaps"),
            headers=[_("Item"), _("Count")],
            rows=[
                [_("Help entries flagged as duplicates"), now_figures.duplicates],
                [_("Gaps: open needs with no help past their deadline"), now_figures.gaps],
                [_("People with a ledger"), now_figures.ledger_people],
            ],
        )
    )

    report.tables.append(
        _satisfaction_table(
            selectors.Satisfaction(
                visits=figures.visits, average=figures.average, by_score=figures.by_score, need_met=figures.need_met
            )
        )
    )
    return report


def _satisfaction_table(satisfaction: selectors.Satisfaction) -> Table:
    return Table(
        key="satisfaction",
        title=_("Follow-up satisfaction"),
        headers=[_("Score"), _("Visits")],
        rows=[[_("%(score)s of 5") % {"score": score}, count] for score, count in satisfaction.by_score.items()],
        chart="bar",
        headline=satisfaction.average,
        headline_unit=_("average of 5"),
        note=_("%(visits)s visits done in the period; need really met in %(met)s of them.")
        % {"visits": satisfaction.visits, "met": satisfaction.need_met},
    )


# --- evaluation ----------------------------------------------------------------------------------
def evaluation_report(scope: Scope, *, now: datetime | None = None) -> Report:
    report = Report(title=_("Evaluation"), scope=scope)
    add = report.tables.append

    def ratio_table(key: str, title: str, definition: str, ratio: selectors.Ratio, part: str, whole: str) -> Table:
        return Table(
            key=key,
            title=title,
            headers=[_("Item"), _("Value")],
            rows=[[whole, ratio.whole], [part, ratio.part], [_("Share (%)"), ratio.percent]],
            definition=definition,
            headline=ratio.percent,
            headline_unit="%",
        )

    add(
        ratio_table(
            "consistency",
            _("Linkage · consistency"),
            _(
                "Referrals sent in the period that were answered (accepted, declined or decided) by their deadline, as a share of those answered or past their deadline."
            ),
            selectors.consistency(scope, now=now),
            _("Answered within the deadline"),
            _("Referrals answered or past their deadline"),
        )
    )
    add(
        ratio_table(
            "coordination",
            _("Linkage · coordination"),
            _(
                "Needs logged in the period that passed between government and charities (at least one referral sent, either direction), as a share of all needs logged in the period."
            ),
            selectors.coordination(scope),
            _("Needs referred across the two sides"),
            _("Needs logged"),
        )
    )
    add(
        ratio_table(
            "integration",
            _("Linkage · integration"),
            _(
                "Households with anything in the ledger (government assistance, a need or a referral) whose ledger is complete, that is shows no gap (an open need with no help past its deadline), as a share of all such households."
            ),
            selectors.integration(scope, today=now.date() if now else None),
            _("Households with a complete ledger"),
            _("Households in the ledger"),
        )
    )

    fairness_headers = [
        _("People registered"),
        _("People helped"),
        _("Helped (%)"),
        _("Money (yuan)"),
        _("Yuan per person"),
    ]
    add(
        Table(
            key="fairness_township",
            title=_("Outcome · fairness by township"),
            headers=[_("Township"), *fairness_headers],
            rows=[_fairness_cells(row) for row in selectors.fairness_by_township(scope)],
            chart="bar",
            chart_columns=[4],
            definition=_(
                "For each township: registered people, people who received government assistance overlapping the period or charity help given in it, and that money per registered person. Large differences between townships deserve a look."
            ),
        )
    )
    focus = selectors.fairness_by_focus_group(scope)
    add(
        Table(
            key="fairness_group",
            title=_("Outcome · fairness by focus group"),
            headers=[_("Group"), *fairness_headers],
            rows=[
                _fairness_cells(row, label=_("Everyone") if row.key == "all" else _label(Vulnerability, row.key))
                for row in focus
            ],
            chart="bar",
            chart_columns=[4],
            definition=_(
                "The same figures for the focus groups of the policy (elderly people unable to care for themselves, minors, disabled and seriously ill people) beside everyone registered."
            ),
        )
    )

    result = selectors.effect(scope)
    satisfaction = selectors.follow_up_satisfaction(scope)
    add(
        Table(
            key="effect",
            title=_("Outcome · effect"),
            headers=[_("Item"), _("Value")],
            rows=[
                [_("Needs logged"), result.needs_logged],
                [_("Of them fulfilled"), result.needs_fulfilled],
                [_("Fulfilled (%)"), result.fulfilled_percent],
                [_("Follow-up visits"), satisfaction.visits],
                [_("Average satisfaction (1–5)"), satisfaction.average],
                [_("Need really met (%)"), satisfaction.need_met_percent],
            ],
            definition=_(
                "Needs logged in the period that are fulfilled now, and what the sampled follow-up visits in the period found: satisfaction from 1 to 5 and whether the need was really met."
            ),
            headline=result.fulfilled_percent,
            headline_unit="%",
        )
    )

    money = selectors.benefit(scope)
    add(
        Table(
            key="benefit",
            title=_("Outcome · benefit"),
            headers=[_("Item"), _("Value")],
            rows=[
                [_("Government assistance (yuan)"), money.government_money],
                [_("Government assistance records"), money.government_records],
                [_("Charity money delivered (yuan)"), money.charity_money],
                [_("People reached by charity deliveries"), money.charity_people],
                [_("Charity deliveries"), money.charity_deliveries],
                [_("Of them with services (visits, support, training…)"), money.service_deliveries],
            ],
            definition=_(
                "Government assistance whose period starts in the period, and help charities recorded as delivered in it: money, people reached and deliveries that included services."
            ),
        )
    )
    return report


def _fairness_cells(row: selectors.FairnessRow, *, label: str | None = None) -> list[Cell]:
    return [label or row.label, row.people, row.helped, row.helped_percent, row.money, row.per_person]
