"""Matching runs and what they propose. States change only in ``matching.services``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from beneficiaries.models import Need
from charities.models import Resource
from core.models import Region


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


ACTIVE_RUN_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)


class BudgetStageChoice(models.TextChoices):
    """What the budget-exact stage did (``matching.budgets.BudgetStage``)."""

    EXACT = "exact", _("Budgets kept in yuan")
    NOT_NEEDED = "not_needed", _("No budget was tight")
    PARTIAL = "partial", _("Time limit: some counties kept the flow's assignment")
    TIME_LIMIT = "time_limit", _("Time limit: the flow's assignment was kept")
    FAILED = "failed", _("Solver failed: the flow's assignment was kept")


class NightlyRun(models.Model):
    """One night's matching of every county with an open need: one ``MatchingRun`` per county (each
    its own Celery task, on the heavy queue), which its task keeps up to date; the nightly page
    shows them county by county."""

    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    as_of = models.DateField(_("run date"))
    counties = models.PositiveIntegerField(_("counties started"), default=0)

    class Meta:
        verbose_name = _("nightly matching")
        verbose_name_plural = _("nightly matchings")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M}" if self.started_at else str(self.as_of)


class MatchingRun(models.Model):
    """One matching job for a region (a county, or a township in it)."""

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    error = models.TextField(_("why it failed"), blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty for the nightly run."),
    )
    as_of = models.DateField(_("run date"))
    nightly = models.ForeignKey(
        NightlyRun,
        verbose_name=_("nightly matching"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="runs",
        help_text=_("The night whose matching this county's run is part of."),
    )
    weights = models.JSONField(_("weights used"), default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    needs_count = models.PositiveIntegerField(_("open needs considered"), default=0)
    resources_count = models.PositiveIntegerField(_("resources considered"), default=0)
    candidate_pairs = models.PositiveIntegerField(_("compatible pairs"), default=0)
    proposed_count = models.PositiveIntegerField(_("proposals"), default=0)
    total_score = models.FloatField(_("total score"), default=0)
    flow_score = models.FloatField(
        _("min-cost flow score"),
        null=True,
        blank=True,
        help_text=_("The flow alone, with each budget counted as places at the largest grant."),
    )
    score_bound = models.FloatField(
        _("upper bound (real budgets)"),
        null=True,
        blank=True,
        help_text=_("LP relaxation with every budget in yuan: no assignment within the budgets scores more."),
    )
    budget_stage = models.CharField(
        _("budget-exact stage"), max_length=16, choices=BudgetStageChoice.choices, blank=True
    )
    solve_seconds = models.FloatField(_("seconds to solve"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("matching run")
        verbose_name_plural = _("matching runs")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["region", "-created_at"],
                name="matching_run_region_idx",
                opclasses=["varchar_pattern_ops", "timestamptz_ops"],
            ),
        ]
        constraints = [
            # One run at a time per region: two runs would propose the same places twice.
            models.UniqueConstraint(
                fields=["region"],
                condition=Q(status__in=["queued", "running"]),
                name="matching_one_active_run_per_region",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region} · {self.created_at:%Y-%m-%d %H:%M}" if self.created_at else str(self.region)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_RUN_STATUSES

    @property
    def gap_percent(self) -> float | None:
        """How far the run's score may be below the best within the budgets: (bound − score) / bound."""
        if self.score_bound is None or self.status != RunStatus.DONE:
            return None
        if self.score_bound <= 0:
            return 0.0
        return max(0.0, 100 * (self.score_bound - self.total_score) / self.score_bound)


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


class MatchProposal(models.Model):
    """This resource for this need, with the score and the reasons the solver gave."""

    run = models.ForeignKey(MatchingRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="proposals")
    need = models.ForeignKey(Need, verbose_name=_("need"), on_delete=models.CASCADE, related_name="match_proposals")
    resource = models.ForeignKey(
        Resource, verbose_name=_("resource"), on_delete=models.CASCADE, related_name="match_proposals"
    )
    # The need's region, copied: jurisdiction filters (a station's township) need no join.
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    score = models.FloatField(_("score"))
    reasons = models.JSONField(_("reasons"), default=list)
    amount = models.DecimalField(_("amount proposed (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    referral = models.ForeignKey(
        "cases.Referral",
        verbose_name=_("referral"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="match_proposals",
    )

    class Meta:
        verbose_name = _("match proposal")
        verbose_name_plural = _("match proposals")
        ordering = ["-score", "id"]
        indexes = [
            models.Index(fields=["need", "resource", "status"], name="proposal_pair_status_idx"),
            models.Index(fields=["run", "status"], name="proposal_run_status_idx"),
        ]
        constraints = [
            # A re-run of the same task replaces its proposals; it can never duplicate them.
            models.UniqueConstraint(fields=["run", "need"], name="proposal_one_per_run_and_need"),
        ]

    def __str__(self) -> str:
        return f"{self.need_id} → {self.resource_id} ({self.score})"
