"""Celery tasks: thin, keyed by ids, idempotent (each service checks the row's state first)."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings

from cases import jobs
from cases.notifications import notification_deliver, notifications_sweep, retry_delay


@shared_task(bind=True, name="cases.tasks.deliver_notification", max_retries=None, acks_late=True)
def deliver_notification(self: Any, notification_id: int) -> str:
    result = notification_deliver(notification_id=notification_id)
    if result == "retry" and not self.request.is_eager and self.request.retries < settings.NOTIFICATION_MAX_ATTEMPTS:
        # Bounded: the row itself counts attempts and turns ``failed`` at the limit.
        raise self.retry(countdown=retry_delay(notification_id))
    return result


@shared_task(name="cases.tasks.sweep_notifications")
def sweep_notifications() -> int:
    return notifications_sweep()


@shared_task(name="cases.tasks.send_reminders")
def send_reminders() -> int:
    return jobs.referrals_send_reminders()


@shared_task(name="cases.tasks.expire_overdue")
def expire_overdue() -> int:
    return jobs.referrals_expire_overdue()


@shared_task(name="cases.tasks.end_access_after_close")
def end_access_after_close() -> int:
    return jobs.referrals_end_access_after_close()


@shared_task(name="cases.tasks.sample_follow_ups")
def sample_follow_ups() -> int:
    return jobs.follow_ups_sample()


@shared_task(name="cases.tasks.deadlines_after_accept")
def deadlines_after_accept() -> int:
    return jobs.referrals_deadlines_after_accept()


@shared_task(name="cases.tasks.escalate_emergencies")
def escalate_emergencies() -> int:
    return jobs.emergencies_escalate()
