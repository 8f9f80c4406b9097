"""The public's way in and the messages out: online applications (在线申请, SPEC rule 14) and the
text-message outbox (every SMS, to staff or to a person, with its delivery receipt).

Imported by ``beneficiaries.models``; kept apart only for size.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from beneficiaries.crypto import EncryptedTextField
from core.models import Region


class ApplicantKind(models.TextChoices):
    SELF = "self", _("For myself")
    FAMILY = "family", _("For my family")


class OnlineApplication(models.Model):
    """An application from the public, without an account. It becomes one need per category
    (source ``online``) in the township station's need list, with a time to call back."""

    reference = models.CharField(_("reference number"), max_length=20, unique=True)
    person = models.ForeignKey(
        "beneficiaries.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="applications"
    )
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    applicant_kind = models.CharField(
        _("applying for"), max_length=8, choices=ApplicantKind.choices, default=ApplicantKind.SELF
    )
    household_size = models.PositiveSmallIntegerField(_("people in the household"), null=True, blank=True)
    what_happened = models.TextField(_("what happened"))
    categories = models.JSONField(_("what is needed"), default=list)
    urgency = models.CharField(_("urgency"), max_length=16)
    phone = EncryptedTextField(_("contact phone"))
    phone_masked = models.CharField(_("contact phone (masked)"), max_length=20)
    # Keyed hash of the phone (as the ID number's): finds repeats and throttles without reading the phone.
    phone_index = models.CharField(_("phone blind index"), max_length=64, db_index=True, editable=False)
    consent = models.ForeignKey(
        "beneficiaries.Consent", verbose_name=_("consent"), on_delete=models.PROTECT, related_name="+"
    )
    may_text = models.BooleanField(_("agreed to text messages"), default=False)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("repeats application"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="repeats",
        help_text=_("The open application for the same ID number, sent from another phone: no second need."),
    )
    call_back_by = models.DateTimeField(_("call back by"))
    called_back_at = models.DateTimeField(_("called back at"), null=True, blank=True)
    called_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("called back by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("online application")
        verbose_name_plural = _("online applications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["call_back_by"], name="application_call_back_idx")]

    def __str__(self) -> str:
        return self.reference


class TextMessageStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to be sent")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Accepted by the provider")
    DELIVERED = "delivered", _("Delivered")
    UNDELIVERED = "undelivered", _("Not delivered")
    FAILED = "failed", _("Failed")


class TextMessage(models.Model):
    """One SMS: what template, to which (encrypted) number, what the provider said, and the receipt."""

    phone = EncryptedTextField(_("phone"))
    phone_masked = models.CharField(_("phone (masked)"), max_length=20)
    template = models.CharField(_("template"), max_length=40)
    params = models.JSONField(_("template parameters"), default=dict)
    text = models.CharField(_("text"), max_length=300)
    person = models.ForeignKey(
        "beneficiaries.Person",
        verbose_name=_("person"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="text_messages",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=TextMessageStatus.choices, default=TextMessageStatus.QUEUED
    )
    provider_id = models.CharField(_("provider message id"), max_length=64, blank=True, db_index=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error_code = models.CharField(_("error code"), max_length=64, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("text message")
        verbose_name_plural = _("text messages")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="textmessage_status_idx")]

    def __str__(self) -> str:
        return f"{self.template} → {self.phone_masked}"
