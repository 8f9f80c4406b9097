"""Per-county aggregates (issue #18 item 5): the figures the city and province pages show, one row
per county and period, written only by ``dashboards.aggregates.refresh`` (a beat task on the heavy
queue), so those pages read one row per county instead of scanning the province's registers."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import Organization, Region


class CountyAggregate(models.Model):
    """A county's comparison figures (``dashboards.rollup.CountyFigures``) over one period, as the
    live computation gave them at ``as_of``."""

    county = models.ForeignKey(Region, verbose_name=_("county"), on_delete=models.CASCADE, related_name="+")
    since = models.DateField(_("period from"))
    until = models.DateField(_("period to"))
    needs_logged = models.PositiveIntegerField(_("needs logged"), default=0)
    needs_fulfilled = models.PositiveIntegerField(_("needs fulfilled"), default=0)
    referrals_sent = models.PositiveIntegerField(_("referrals"), default=0)
    median_hours_to_accept = models.FloatField(_("median hours to an answer"), null=True, blank=True)
    consistency = models.FloatField(_("consistency (%)"), null=True, blank=True)
    coordination = models.FloatField(_("coordination (%)"), null=True, blank=True)
    integration = models.FloatField(_("integration (%)"), null=True, blank=True)
    government_money = models.DecimalField(_("government assistance (yuan)"), max_digits=16, decimal_places=2)
    charity_money = models.DecimalField(_("charity help (yuan)"), max_digits=16, decimal_places=2)
    # The county dashboard's figures over the period (``dashboards.figures.DashboardFigures``, as
    # JSON), which the city and province dashboards add up; null: not counted yet (an older row).
    dashboard = models.JSONField(_("dashboard figures"), null=True, blank=True)
    as_of = models.DateTimeField(_("figures as of"))

    class Meta:
        verbose_name = _("county aggregate")
        verbose_name_plural = _("county aggregates")
        constraints = [
            models.UniqueConstraint(fields=["since", "until", "county"], name="county_aggregate_one_per_period"),
        ]

    def __str__(self) -> str:
        return f"{self.county_id} {self.since}~{self.until}"


class CountyOrganizationAggregate(models.Model):
    """A county's referrals to one organization over the aggregate's period (the dashboard's table
    by organization), one row each: a county may send to thousands, too many for the JSON."""

    aggregate = models.ForeignKey(
        CountyAggregate, verbose_name=_("county aggregate"), on_delete=models.CASCADE, related_name="organizations"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE, related_name="+"
    )
    sent = models.PositiveIntegerField(_("sent"), default=0)
    accepted = models.PositiveIntegerField(_("accepted"), default=0)
    helped = models.PositiveIntegerField(_("helped"), default=0)
    declined = models.PositiveIntegerField(_("declined or expired"), default=0)

    class Meta:
        verbose_name = _("county aggregate by organization")
        verbose_name_plural = _("county aggregates by organization")

    def __str__(self) -> str:
        return f"{self.aggregate_id} {self.organization_id}"


class AggregateRefresh(models.Model):
    """One run of the refresh: its start (the ``updated_at`` watermark of the next runs) and the
    highest ids of the append-only tables it had seen (their watermark)."""

    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    last_usage_id = models.BigIntegerField(_("last resource usage seen"), default=0)
    last_assistance_id = models.BigIntegerField(_("last assistance record seen"), default=0)
    last_event_id = models.BigIntegerField(_("last referral event seen"), default=0)
    counties = models.PositiveIntegerField(_("counties refreshed"), default=0)

    class Meta:
        verbose_name = _("aggregate refresh")
        verbose_name_plural = _("aggregate refreshes")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} ({self.counties})"
