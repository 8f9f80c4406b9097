"""A referral action locks its own referral, not the organizations it names (PostgreSQL).

bench/load.py found deadlocks at 100 users: a referral action locked both organization rows FOR
UPDATE; a transaction that had appended to the audit chain then waited, at commit, for its foreign-key
check on one of those rows while the other waited for the chain. Each action now locks only its own
row, as FOR NO KEY UPDATE, which foreign-key checks do not wait for."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connections, transaction

from accounts.models import User
from cases.models import Referral, ReferralStatus
from cases.transitions import lock_referral
from tests.conftest import World, api_as
from tests.factories import make_consent, make_need, make_person
from tests.factories.cases import make_referral

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _sent(world: World, name: str) -> Referral:
    person = make_person(world.our_village, name=name)
    return make_referral(
        person=person,
        from_organization=world.bureau,
        to_organization=world.charity,
        consent=make_consent(person, fields=["name"]),
        needs=[make_need(person)],
        status=ReferralStatus.SENT,
    )


def test_a_colleagues_unfinished_action_does_not_hold_up_another_referral_of_the_same_charity(
    world: World, charity_staff: User
) -> None:
    held, other = _sent(world, "张一"), _sent(world, "张二")
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                lock_referral(held)
                locked.set()
                release.wait(timeout=20)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(timeout=10)
        started = time.monotonic()
        answer = {}

        def accept() -> None:
            try:
                answer["code"] = api_as(charity_staff).post(f"/api/v1/referrals/{other.pk}/accept/").status_code
            finally:
                connections.close_all()

        worker = threading.Thread(target=accept)
        worker.start()
        worker.join(timeout=8)
        waited = time.monotonic() - started
        assert answer.get("code") == 200, f"the second acceptance waited for the first ({waited:.1f} s)"
    finally:
        release.set()
        holder.join(timeout=30)
    other.refresh_from_db()
    assert other.status == ReferralStatus.ACCEPTED
