"""The outbox: rows written with the change, delivered once, retried with backoff, swept if stuck."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.models import User
from cases import notifications
from cases.models import Channel, DeliveryStatus, Notification
from cases.notifications import notification_deliver, notifications_sweep
from cases.services import referral_create_to_charity, referral_send
from tests.cases.conftest import Case
from tests.conftest import World, api_as
from tests.factories import PASSWORD


@pytest.fixture(autouse=True)
def eager_tasks(tasks_in_process):
    """Deliver in-process here, also when REDIS_URL points at a real broker (test_real_stack.py covers that)."""
    yield
    notifications._broker_down_until = 0.0  # one test's broker outage must not outlive it


@pytest.fixture
def reachable_charity_staff(charity_staff: User) -> User:
    charity_staff.email, charity_staff.phone = "staff@charity.example", "13900002222"
    charity_staff.save(update_fields=["email", "phone"])
    return charity_staff


def send_one(world: World, case: Case, caseworker: User, urgency: str = "routine"):
    referral = referral_create_to_charity(
        by=caseworker, person=case.person, to_organization=world.charity, urgency=urgency
    )
    return referral_send(referral=referral, by=caseworker)


def test_sending_writes_outbox_rows_for_the_charity_and_delivers_on_commit(
    world: World, case: Case, caseworker: User, reachable_charity_staff: User, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        send_one(world, case, caseworker, urgency="emergency")
    rows = Notification.objects.filter(recipient=reachable_charity_staff)
    assert sorted(rows.values_list("channel", flat=True)) == ["email", "in_app", "sms"]
    assert set(rows.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}
    assert len(mail.outbox) == 1 and "ZJ" in mail.outbox[0].subject and "王秀英" not in mail.outbox[0].subject
    assert not Notification.objects.filter(recipient=caseworker).exists()  # not told about their own action


def test_a_routine_referral_sends_no_text_message(
    world: World, case: Case, caseworker: User, reachable_charity_staff: User
) -> None:
    send_one(world, case, caseworker)
    assert not Notification.objects.filter(channel=Channel.SMS).exists()


def test_delivery_is_claimed_once(world: World, case: Case, caseworker: User, reachable_charity_staff: User) -> None:
    send_one(world, case, caseworker)
    email = Notification.objects.get(channel=Channel.EMAIL)
    assert notification_deliver(notification_id=email.pk) == "delivered"
    assert notification_deliver(notification_id=email.pk) == "skipped"
    email.refresh_from_db()
    assert (email.status, email.attempts) == (DeliveryStatus.DELIVERED, 1)
    assert len(mail.outbox) == 1


def test_failures_back_off_and_give_up_with_the_error_saved(
    world: World, case: Case, caseworker: User, reachable_charity_staff: User, settings
) -> None:
    settings.SMS_BACKEND = "cases.sms.FailingSMSBackend"
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    send_one(world, case, caseworker, urgency="emergency")
    sms = Notification.objects.get(channel=Channel.SMS)
    now = timezone.now()
    assert notification_deliver(notification_id=sms.pk, now=now) == "retry"
    sms.refresh_from_db()
    assert sms.status == DeliveryStatus.PENDING and sms.next_attempt_at and sms.next_attempt_at > now
    assert "unreachable" in sms.last_error
    assert notification_deliver(notification_id=sms.pk, now=now) == "skipped"  # not due yet
    assert notification_deliver(notification_id=sms.pk, now=now + timedelta(hours=1)) == "failed"
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == (DeliveryStatus.FAILED, 2)


def test_the_sweeper_requeues_waiting_and_stuck_rows(
    world: World, case: Case, caseworker: User, reachable_charity_staff: User
) -> None:
    send_one(world, case, caseworker)  # on_commit never ran in this test: rows are waiting
    stuck = Notification.objects.get(channel=Channel.EMAIL)
    Notification.objects.filter(pk=stuck.pk).update(
        status=DeliveryStatus.SENDING, claimed_at=timezone.now() - timedelta(hours=1)
    )
    assert notifications_sweep() == 2  # eager tasks in tests: queued means delivered
    assert set(Notification.objects.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}


def test_queueing_failure_never_fails_the_request(
    world: World, case: Case, caseworker: User, charity_staff: User, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    from cases import tasks

    def broker_down(*args: object, **kwargs: object) -> None:
        raise ConnectionRefusedError("redis down")

    monkeypatch.setattr(tasks.deliver_notification, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        referral = send_one(world, case, caseworker)
    assert referral.status == "sent"
    assert Notification.objects.filter(status=DeliveryStatus.PENDING).count() == 1


def test_notification_centre_and_unread_count(world: World, case: Case, caseworker: User, charity_staff: User) -> None:
    send_one(world, case, caseworker)
    client = Client()
    client.login(username=charity_staff.username, password=PASSWORD)
    html = client.get("/cases/").content.decode()
    assert 'class="notify-count"' in html
    # The button that opens the referral says 查看 (an action), not the status word 开放中.
    centre = client.get("/cases/notifications/").content.decode()
    assert '<button type="submit">查看</button>' in centre and "开放中" not in centre
    notification = Notification.objects.get(recipient=charity_staff)
    assert client.post(f"/cases/notifications/{notification.pk}/read/").status_code == 302
    assert 'class="notify-count"' not in client.get("/cases/").content.decode()
    api = api_as(charity_staff)
    assert api.get("/api/v1/notifications/").json()["count"] == 1
    assert api.post(f"/api/v1/notifications/{notification.pk}/read/").status_code == 200
    # Someone else's notification is not there.
    assert api_as(caseworker).post(f"/api/v1/notifications/{notification.pk}/read/").status_code == 404
