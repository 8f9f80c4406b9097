"""The append-only audit log (PIPL: every view of sensitive data and every change).

Rows are only ever inserted. The model refuses updates and deletes, the admin
offers neither, and on PostgreSQL a trigger refuses them at the database too.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditLogIsAppendOnly(Exception):
    """Raised on any attempt to change or remove an audit entry."""


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AuditLogIsAppendOnly("audit entries cannot be updated")

    def delete(self) -> NoReturn:
        raise AuditLogIsAppendOnly("audit entries cannot be deleted")


class AuditAction(models.TextChoices):
    CREATE = "create", _("Created")
    CHANGE = "change", _("Changed")
    REVEAL = "reveal", _("Revealed sensitive data")
    CONSENT_GRANT = "consent_grant", _("Consent recorded")
    CONSENT_REVOKE = "consent_revoke", _("Consent revoked")
    CONSENT_EXPIRE = "consent_expire", _("Consent expired")
    EVIDENCE_VIEW = "evidence_view", _("Consent evidence viewed")
    IMPORT = "import", _("Imported")
    EXPORT = "export", _("Exported")
    STATUS = "status", _("Status changed")
    LOGIN = "login", _("Signed in")
    LOGIN_FAILED = "login_failed", _("Sign-in failed")
    LOGOUT = "logout", _("Signed out")


class AuditEntry(models.Model):
    # Set by audit_record under the chain lock (not auto_now_add: the hash must cover it).
    at = models.DateTimeField(_("when"), default=timezone.now, editable=False, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty for actions of the system itself (periodic jobs)."),
    )
    actor_name = models.CharField(_("who (as shown then)"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=32, choices=AuditAction.choices)
    target_type = models.CharField(_("object type"), max_length=64)
    target_id = models.CharField(_("object id"), max_length=64)
    target_repr = models.CharField(_("object"), max_length=200, blank=True)
    changes = models.JSONField(_("what"), default=dict, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    ip_address = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    user_agent = models.CharField(_("browser or client"), max_length=300, blank=True)
    path = models.CharField(_("request path"), max_length=300, blank=True)
    # Copied when written, so a supervisor's view of the log is a prefix filter on the table:
    # the region of the object concerned (the person's, the referral's, the organization's…),
    # the region of the actor (their jurisdiction or their organization's region), the person.
    region_code = models.CharField(_("region of the object"), max_length=12, blank=True)
    actor_region_code = models.CharField(_("region of the actor"), max_length=12, blank=True)
    person_pk = models.BigIntegerField(_("person concerned"), null=True, blank=True, db_index=True)
    prev_hash = models.CharField(_("hash of the previous entry"), max_length=64, blank=True)
    entry_hash = models.CharField(_("hash of this entry"), max_length=64, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="audit_target_idx"),
            models.Index(fields=["region_code"], name="audit_region_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(
                fields=["actor_region_code"], name="audit_actor_region_idx", opclasses=["varchar_pattern_ops"]
            ),
        ]
        default_permissions = ("add", "view")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.target_type}#{self.target_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # An integrity guard, not business logic: an existing entry never changes.
        if self.pk is not None and not self._state.adding:
            raise AuditLogIsAppendOnly("audit entries cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditLogIsAppendOnly("audit entries cannot be deleted")


class AuditChainHead(models.Model):
    """The one row writers lock to append to the hash chain; it also records where the chain ends,
    so removing the latest entries is noticed too."""

    SINGLETON = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON)
    last_entry_id = models.BigIntegerField(_("last entry"), null=True, blank=True)
    last_hash = models.CharField(_("last hash"), max_length=64, default="0" * 64)
    length = models.BigIntegerField(_("entries"), default=0)

    class Meta:
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain head")
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.length} · {self.last_hash[:12]}"
