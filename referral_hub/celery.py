"""The Celery app. Tasks live in each app's ``tasks.py``; the schedule is in settings."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "referral_hub.settings")

app = Celery("referral_hub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="referral_hub.ping", ignore_result=False)
def ping() -> str:
    """Round trip used by health checks and tests to prove a worker is listening."""
    return "pong"
