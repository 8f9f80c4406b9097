"""Celery tasks of the matching app: thin, keyed by ids, idempotent (see ``matching.services``)."""

from __future__ import annotations

from celery import shared_task

from matching.services import run_execute, runs_start_nightly


@shared_task(name="matching.tasks.run_matching", max_retries=0, soft_time_limit=1800, time_limit=1900)
def run_matching(run_id: int) -> None:
    run_execute(run_id=run_id)


@shared_task(name="matching.tasks.start_nightly_runs")
def start_nightly_runs() -> int:
    return runs_start_nightly()
