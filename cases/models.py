"""Referrals (转办转介) in both directions, their timeline, notifications and follow-up visits.

Status changes happen only in ``cases.services`` (one service per transition of the
SPEC state machine); nothing here changes state on save.
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from beneficiaries.models import Consent, ConsentMethod, Need, Person, Programme, Urgency
from charities.models import DeliveredService, Resource, ResourceForm
from core.choices import CachedChoiceLabels, choice_labels
from core.models import Organization, Region
from core.texts import render


class Direction(models.TextChoices):
    TO_CHARITY = "to_charity", _("To a charity")
    TO_GOVERNMENT = "to_government", _("To government")


class ReferralStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    CLOSED = "closed", _("Closed")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# Sent and not yet finished: the receiving side sees the person's consented data.
OPEN_STATUSES = (ReferralStatus.SENT, ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS)
# Where the receiving side keeps sight of the referral (completed waits for closing).
ACTIVE_STATUSES = (*OPEN_STATUSES, ReferralStatus.COMPLETED)
# Ended without help: may be referred again elsewhere.
REREFERABLE_STATUSES = (ReferralStatus.DECLINED, ReferralStatus.EXPIRED)


class Outcome(models.TextChoices):
    HELPED = "helped", _("Helped")
    PARTIALLY_HELPED = "partially_helped", _("Partially helped")
    NOT_HELPED = "not_helped", _("Not helped")


class Referral(CachedChoiceLabels, models.Model):
    direction = models.CharField(_("direction"), max_length=16, choices=Direction.choices)
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        help_text=_("Empty for a person a charity found who is not yet in the register."),
    )
    person_details = models.JSONField(
        _("person details"),
        default=dict,
        blank=True,
        help_text=_("For referrals to government of people not in the register: what the charity knows."),
    )
    # The person's region when referred: jurisdiction filters need no join.
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    needs = models.ManyToManyField(Need, verbose_name=_("needs"), blank=True, related_name="referrals")
    from_organization = models.ForeignKey(
        Organization,
        verbose_name=pgettext_lazy("referral party", "from"),
        on_delete=models.PROTECT,
        related_name="referrals_sent",
    )
    to_organization = models.ForeignKey(
        Organization,
        verbose_name=pgettext_lazy("referral party", "to"),
        on_delete=models.PROTECT,
        related_name="referrals_received",
    )
    consent = models.ForeignKey(
        Consent,
        verbose_name=_("consent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
    )
    shared_fields = models.JSONField(
        _("fields shared"),
        default=list,
        blank=True,
        help_text=_("Person fields the receiving organization sees; never more than the consent covers."),
    )
    urgency = models.CharField(_("urgency"), max_length=16, choices=Urgency.choices, default=Urgency.ROUTINE)
    fast_track = models.BooleanField(
        _("fast track"),
        default=False,
        help_text=_(
            "Simplified procedure: accepted and started in one step (low-income people, orphans, unsupported children)."
        ),
    )
    status = models.CharField(_("status"), max_length=16, choices=ReferralStatus.choices, default=ReferralStatus.DRAFT)
    note = models.TextField(_("why this referral"), blank=True)
    resource = models.ForeignKey(
        Resource,
        verbose_name=_("resource"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        help_text=_("The supply-list entry the help comes from, if any."),
    )
    capacity_reserved = models.BooleanField(_("capacity reserved"), default=False)
    # Money of the resource's budget held since acceptance; settled by feedback, released by any end.
    amount_reserved = models.DecimalField(
        _("amount reserved (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    # Set when a declined or expired referral is referred again: inbox counts read it from an index.
    rereferred = models.BooleanField(_("referred again"), default=False)
    previous = models.ForeignKey(
        "self",
        verbose_name=_("referred again from"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="re_referrals",
    )
    respond_by = models.DateTimeField(_("respond by"), null=True, blank=True)
    # After acceptance (SPEC state machine): help starts by ``start_by``, feedback is due by
    # ``feedback_by``; one reminder before and one escalation after the current one.
    start_by = models.DateTimeField(_("help to start by"), null=True, blank=True)
    feedback_by = models.DateTimeField(_("feedback due by"), null=True, blank=True)
    late_reminded_at = models.DateTimeField(_("deadline reminder sent"), null=True, blank=True)
    late_escalated_at = models.DateTimeField(_("deadline escalated"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    # After closing, the receiving side still sees the referral until then.
    visible_until = models.DateTimeField(_("visible to the receiver until"), null=True, blank=True)
    # to_government: the office's decision.
    eligible = models.BooleanField(_("eligible"), null=True, blank=True)
    programme = models.CharField(_("programme"), max_length=32, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    # to_charity: the feedback (帮扶结果反馈).
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    amount = models.DecimalField(_("amount given (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True)
    items = models.TextField(_("goods given"), blank=True)
    services = models.JSONField(_("services given"), default=list, blank=True)
    feedback_note = models.TextField(_("feedback note"), blank=True)
    helped_on = models.DateField(_("helped on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-updated_at", "-id"]
        indexes = [
            # Jurisdiction lists and their tab counts: a prefix range on the region code,
            # answered from the index alone (the counted columns follow it in the key).
            models.Index(
                fields=["region", "direction", "status", "respond_by", "rereferred"],
                name="referral_region_counts_idx",
                opclasses=["varchar_pattern_ops", "varchar_ops", "varchar_ops", "timestamptz_ops", "bool_ops"],
            ),
            models.Index(fields=["to_organization", "status", "-updated_at"], name="referral_to_status_idx"),
            models.Index(fields=["from_organization", "status", "-updated_at"], name="referral_from_status_idx"),
            models.Index(fields=["status", "respond_by"], name="referral_status_respond_idx"),
            models.Index(fields=["-updated_at", "-id"], name="referral_updated_idx"),
            # The county aggregates' refresh: referrals whose answer deadline passed since its last runs.
            models.Index(fields=["respond_by"], name="referral_respond_by_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) | Q(direction="to_government"),
                name="referral_to_charity_names_person",
                violation_error_message=_("A referral to a charity is about a person in the register."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.person_name}"

    @property
    def reference(self) -> str:
        """The number printed on the referral form (转介单)."""
        return f"ZJ{self.pk or 0:08d}"

    @property
    def person_name(self) -> str:
        if self.person_id is not None and self.person is not None:
            return self.person.name
        return str(self.person_details.get("name", ""))

    @property
    def programme_label(self) -> str:
        """The government decision's programme as people read it (the field keeps the code)."""
        return str(Programme(self.programme).label) if self.programme in Programme.values else self.programme

    @property
    def service_labels(self) -> list[str]:
        """The services of the feedback as people read them (访视照料, 康复), never the codes."""
        return [
            str(DeliveredService(code).label) if code in DeliveredService.values else str(code)
            for code in self.services or []
        ]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


# Direct foreign-key object-permission tables (django-guardian): a grant points at a real row.
class ReferralUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Referral, on_delete=models.CASCADE)


class ReferralGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Referral, on_delete=models.CASCADE)


EVENT_LABELS = {
    "create": _("Created"),
    "send": _("Sent"),
    "accept": _("Accepted"),
    "decline": _("Declined"),
    "start": _("Started"),
    "feedback": _("Feedback given"),
    "decide": _("Decided"),
    "close": _("Closed"),
    "withdraw": _("Withdrawn"),
    "expire": _("Expired without an answer"),
    "rerefer": _("Referred again elsewhere"),
    "remind": _("Reminder sent"),
    "escalate": _("Escalated: past the deadline"),
    "access_ended": _("Access ended (consent revoked)"),
    "follow_up": _("Follow-up visit recorded"),
    "link_person": _("Linked to the person in the register"),
}


class ReferralEvent(CachedChoiceLabels, models.Model):
    """One step of a referral's timeline: who did what, when and why."""

    referral = models.ForeignKey(Referral, verbose_name=_("referral"), on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=32)
    from_status = models.CharField(_("from status"), max_length=16, blank=True)
    to_status = models.CharField(_("to status"), max_length=16, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty for the system's own periodic jobs."),
    )
    actor_organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("referral event")
        verbose_name_plural = _("referral events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["referral", "at"], name="referral_event_idx")]

    def __str__(self) -> str:
        return f"{self.referral_id} {self.action}"

    @property
    def label(self) -> str:
        return str(EVENT_LABELS.get(self.action, self.action))

    @property
    def to_status_label(self) -> str:
        return str(choice_labels(ReferralStatus).get(self.to_status, self.to_status))


class Channel(models.TextChoices):
    IN_APP = "in_app", _("In the app")
    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Sending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class Notification(CachedChoiceLabels, models.Model):
    """An outbox row: one message to one recipient on one channel.

    Written in the transaction of the change it tells about; a Celery task delivers it
    and a periodic sweeper re-queues rows still waiting, so a broker outage delays a
    notification but never loses it.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    kind = models.CharField(_("kind"), max_length=32)
    referral = models.ForeignKey(
        Referral,
        verbose_name=_("referral"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    # A notification about a need, not a referral (an emergency, an early warning): its page.
    need = models.ForeignKey(
        Need, verbose_name=_("need"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    # The message keys and parameters (core/texts.py): {"title": text, "body": text}. Rendered in the
    # reader's language; ``title``/``body`` keep the text in the site's language (rows written before
    # texts were kept have only those, and are shown as stored).
    texts = models.JSONField(_("message keys"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    status = models.CharField(
        _("delivery"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "channel", "-created_at"], name="notification_inbox_idx"),
            models.Index(
                fields=["recipient"],
                condition=Q(channel="in_app", read_at__isnull=True),
                name="notification_unread_idx",
            ),
            models.Index(
                fields=["status", "next_attempt_at"],
                condition=Q(status__in=["pending", "sending"]),
                name="notification_outbox_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.channel} {self.title}"

    def title_in(self, language: str | None = None) -> str:
        """The title in ``language`` (None: the active language, i.e. the request's)."""
        if "title" not in (self.texts or {}):
            return self.title
        return render(self.texts["title"], language)[:200]

    def body_in(self, language: str | None = None) -> str:
        if "title" not in (self.texts or {}):
            return self.body
        return render(self.texts.get("body"), language)

    @property
    def shown_title(self) -> str:
        return self.title_in()

    @property
    def shown_body(self) -> str:
        return self.body_in()


class FollowUpStatus(models.TextChoices):
    DUE = "due", _("Due")
    DONE = "done", _("Done")


class FollowUp(CachedChoiceLabels, models.Model):
    """抽样回访: a sampled visit to a helped person by their station."""

    referral = models.OneToOneField(
        Referral, verbose_name=_("referral"), on_delete=models.CASCADE, related_name="follow_up"
    )
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    station = models.ForeignKey(
        Organization, verbose_name=_("station"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=8, choices=FollowUpStatus.choices, default=FollowUpStatus.DUE)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction (1–5)"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    need_met = models.BooleanField(_("need really met"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    visited_on = models.DateField(_("visited on"), null=True, blank=True)
    visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("visited by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")
        ordering = ["status", "due_on", "id"]
        indexes = [
            models.Index(fields=["region"], name="followup_region_idx", opclasses=["varchar_pattern_ops"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True) | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="followup_satisfaction_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.referral_id} {self.due_on}"


# What the help was (SPEC rule 7: money, goods or services), the ``kind`` of ``direct-help/``: the
# same codes as a resource's form.
HelpKind = ResourceForm


class HelpGiver(models.TextChoices):
    CHARITY = "charity", _("A charity or other helping organization")
    DEPARTMENT = "department", _("A government department")
    PAIRING = "pairing", _("A pairing cadre (one-to-one help)")


class DirectHelp(models.Model):
    """Help given to a person outside any referral (SPEC rule 16): by a charity, a department or a
    pairing cadre (结对帮扶 1+1, 1+N), found by exact ID number. It joins the ledger beside the
    government programmes and the referrals, so duplicates and gaps show across everyone who helps.
    The person's consent to the record is kept on it (how, witness, guardian, evidence)."""

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="direct_help")
    giver = models.CharField(_("given by"), max_length=16, choices=HelpGiver.choices)
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="direct_help_given"
    )
    helper_name = models.CharField(_("pairing cadre"), max_length=100, blank=True)
    kind = models.CharField(_("kind of help"), max_length=16, choices=HelpKind.choices)
    category = models.CharField(_("need met"), max_length=32)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True)
    items = models.CharField(_("goods given"), max_length=300, blank=True)
    services = models.JSONField(_("services given"), default=list, blank=True)
    given_on = models.DateField(_("given on"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    consent_method = models.CharField(_("consent given by"), max_length=20, choices=ConsentMethod.choices)
    consent_witness = models.CharField(_("witness"), max_length=100, blank=True)
    consent_guardian = models.CharField(_("guardian"), max_length=100, blank=True)
    consent_evidence = models.FileField(_("evidence (scanned signed form)"), upload_to="direct-help/%Y/%m/", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("direct help record")
        verbose_name_plural = _("direct help records")
        ordering = ["-given_on", "-id"]
        indexes = [models.Index(fields=["organization", "-given_on"], name="directhelp_org_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="directhelp_amount_not_negative",
                violation_error_message=_("The amount cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.get_kind_display()} {self.given_on}"

    @property
    def service_labels(self) -> list[str]:
        labels = dict(DeliveredService.choices)
        return [str(labels.get(code, code)) for code in self.services]
