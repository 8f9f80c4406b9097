"""Celery tasks of the dashboards app (thin; the work is in ``dashboards.aggregates``)."""

from __future__ import annotations

from celery import shared_task

from dashboards.aggregates import refresh


@shared_task(name="dashboards.tasks.refresh_county_aggregates", soft_time_limit=1500, time_limit=1600)
def refresh_county_aggregates() -> int:
    return refresh()
