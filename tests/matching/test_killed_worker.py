"""Acceptance 2: a run whose worker is killed half way, started again, leaves exactly one set of proposals.

A real worker on a private queue reads the test database; every progress step sleeps
(``MATCHING_PROGRESS_DELAY_SECONDS``) so the run can be killed while it works. The message was
taken with ``acks_late`` and never acknowledged, so after the (shortened) visibility timeout the
broker hands it to the next worker, which runs the task again.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from accounts.models import User
from matching.models import MatchingRun, MatchProposal, RunStatus
from matching.services import run_start
from referral_hub.celery import app
from tests.conftest import World
from tests.matching.conftest import County

BASE_DIR = Path(__file__).resolve().parents[2]


def _start_worker(queue: str, name: str, *, delay: float) -> subprocess.Popen[bytes]:
    db = connection.settings_dict
    env = os.environ | {
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "MATCHING_QUEUE": queue,
        "MATCHING_PROGRESS_DELAY_SECONDS": str(delay),
        "CELERY_VISIBILITY_TIMEOUT": "2",
    }
    celery = shutil.which("celery", path=str(Path(sys.executable).parent)) or "celery"
    process = subprocess.Popen(  # noqa: S603 - fixed argv, our own worker
        [celery, "-A", "referral_hub", "worker", "--pool=solo", "--loglevel=WARNING", "-Q", queue, "-n", name],
        cwd=BASE_DIR,
        env=env,
    )
    deadline = time.monotonic() + 30
    while not app.control.ping(destination=[name.replace("%h", os.uname().nodename)], timeout=1.0):
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            pytest.fail("The Celery worker did not start within 30 seconds", pytrace=False)
    return process


def _wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_run_killed_half_way_and_started_again_leaves_one_set_of_proposals(
    county: County, world: World, caseworker: User, settings
) -> None:
    queue = f"matching-kill-{os.getpid()}"
    settings.MATCHING_QUEUE = queue
    first = _start_worker(queue, f"{queue}-first@%h", delay=1.5)
    try:
        run = run_start(region=world.our_county, by=caseworker)  # queued on commit (autocommit here)
        _wait_for(
            lambda: MatchingRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).exists(),
            30,
            "the first worker never started the run",
        )
        time.sleep(2)
        first.send_signal(signal.SIGKILL)  # no warm shutdown, no chance to acknowledge or clean up
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING
    assert run.attempts == 1
    assert not MatchProposal.objects.filter(run=run).exists()

    second = _start_worker(queue, f"{queue}-second@%h", delay=0)
    try:
        _wait_for(
            lambda: MatchingRun.objects.filter(pk=run.pk, status=RunStatus.DONE).exists(),
            90,
            "the broker did not hand the killed run to the next worker",
        )
        time.sleep(1)  # a duplicate delivery, if any, has time to run (and must do nothing)
    finally:
        second.terminate()
        second.wait(timeout=20)
    run.refresh_from_db()
    assert run.attempts == 2
    assert run.progress == 100
    proposals = MatchProposal.objects.filter(run=run)
    assert proposals.count() == run.proposed_count == 2
    assert proposals.values("need").distinct().count() == 2
