"""Read scale-out against a real PostgreSQL streaming replica (issue #18, acceptance 1).

`make test` runs this folder on its own against the throw-away pair `.ci/replica-pair` starts (a
primary on 5434 and its replica on 5435, made with pg_basebackup): `DATABASE_URL` names the primary,
`DATABASE_REPLICA_URL` the replica, whose test database is the primary's, replicated. Elsewhere the
folder is skipped. The tests commit (transaction=True), since a replica sees only what is committed.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connections
from django.db.utils import OperationalError
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from beneficiaries.models import Need
from core.replica import ReplicaRouter
from tests.factories import make_need, make_person

pytestmark = [
    pytest.mark.serial,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_REPLICA_URL"), reason="needs a streaming replica (.ci/replica-pair)"
    ),
    pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
]
DASHBOARD = reverse("dashboards:county")


def _until(check: Callable[[], bool], *, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OperationalError:
            connections["replica"].close()
        time.sleep(0.2)
    raise AssertionError("the replica did not catch up in time")


def _replicated(model: type[Any], pk: int) -> bool:
    return model.objects.using("replica").filter(pk=pk).exists()


@pytest.fixture
def signed_in(supervisor: User, world) -> Client:
    need = make_need(make_person(world.our_village, name="王秀英"), category="medical")
    _until(lambda: _replicated(User, supervisor.pk) and _replicated(Need, need.pk))
    client = Client()
    client.force_login(supervisor)
    return client


def _sql(context: CaptureQueriesContext) -> str:
    return "\n".join(query["sql"] for query in context.captured_queries)


def test_the_dashboard_reads_from_the_replica_and_says_how_far_behind(signed_in: Client) -> None:
    with (
        CaptureQueriesContext(connections["replica"]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        page = signed_in.get(DASHBOARD)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-replica="used"' in html and "数据读自只读副本" in html
    assert "beneficiaries_need" in _sql(on_replica), "the figures come from the replica"
    assert "beneficiaries_need" not in _sql(on_primary), "and not from the primary"
    assert "django_session" in _sql(on_primary), "the sign-in is read where it was written"


def test_writes_go_to_the_primary_and_the_writer_then_reads_the_primary(
    signed_in: Client, caseworker: User, world
) -> None:
    assert ReplicaRouter().db_for_write(Need) == "default"
    client = Client()
    client.force_login(caseworker)
    person = make_person(world.our_village, name="李桂兰")
    answer = client.post(
        reverse("beneficiaries:need_create"),
        {
            "person": person.pk,
            "category": "living",
            "urgency": "routine",
            "description": "冬季取暖困难",
            "source": "visit",
        },
    )
    assert answer.status_code == 302, answer.content[:300]
    assert Need.objects.using("default").filter(person=person).exists()
    page = client.get(DASHBOARD).content.decode()
    assert 'data-replica="wrote"' in page, "what they just did is read where it was written"
    assert 'data-replica="used"' in signed_in.get(DASHBOARD).content.decode(), "others still read the replica"


def test_a_replica_too_far_behind_is_not_read(signed_in: Client, settings) -> None:
    settings.REPLICA_MAX_LAG_SECONDS = -1
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        page = signed_in.get(DASHBOARD).content.decode()
    assert 'data-replica="behind"' in page and "改从主数据库读取" in page
    assert "beneficiaries_need" not in _sql(on_replica)


def test_a_stopped_replica_falls_back_to_the_primary(signed_in: Client) -> None:
    pg_ctl, data = os.environ["REPLICA_PG_CTL"], os.environ["REPLICA_DATA_DIR"]

    def ctl(*args: str) -> None:
        command = [pg_ctl, "-D", data, "-w", "-t", "30", *args]
        if os.geteuid() == 0:
            command = ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(f"'{part}'" for part in command)]
        subprocess.run(command, check=True, capture_output=True, timeout=60)  # noqa: S603 - our own pg_ctl

    connections["replica"].close()
    ctl("stop", "-m", "fast")
    try:
        page = signed_in.get(DASHBOARD)
        assert page.status_code == 200
        assert 'data-replica="down"' in page.content.decode() and "只读副本无响应" in page.content.decode()
    finally:
        ctl("start", "-l", f"{data}.log")
        _until(lambda: _replicated(User, User.objects.first().pk))  # type: ignore[union-attr]
