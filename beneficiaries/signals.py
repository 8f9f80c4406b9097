"""Hooks for higher apps (the layers run one way: beneficiaries may not import cases)."""

from django.dispatch import Signal

# Sent (sender=Person) after a reveal that made a user's reveals in the last hour reach
# REVEAL_ALERT_PER_HOUR; kwargs ``by`` (the user), ``person``, ``count``. cases tells the supervisors.
reveal_burst = Signal()
