from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from beneficiaries.crypto import EncryptedTextField
from core.models import GOVERNMENT_KINDS, Organization, OrganizationKind, Region, RegionLevel


class Role(models.TextChoices):
    CASEWORKER = "caseworker", _("Civil affairs caseworker")
    STATION_WORKER = "station_worker", _("Station social worker")
    CHARITY_STAFF = "charity_staff", _("Charity staff")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMIN = "admin", _("System administrator")


# Roles whose view of people is a region subtree (their jurisdiction).
JURISDICTION_ROLES = frozenset({Role.CASEWORKER, Role.STATION_WORKER, Role.SUPERVISOR})


class User(AbstractUser):
    """A member of staff. The role decides what they may see and do."""

    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.CASEWORKER)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
    )
    jurisdiction = models.ForeignKey(
        Region,
        verbose_name=_("jurisdiction"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The region (with everything below it) this person works for."),
    )
    must_change_password = models.BooleanField(
        _("must change password"),
        default=False,
        help_text=_("Set when an administrator chose the password: the person picks their own at next sign-in."),
    )
    language = models.CharField(
        _("language"),
        max_length=16,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("The language of e-mails and text messages; the site's last chosen language is kept here."),
    )

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff members")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.get_full_name() or self.username

    @property
    def reading_language(self) -> str:
        """The language messages to this person are said in when no request tells (e-mail, SMS)."""
        return self.language or settings.LANGUAGE_CODE

    @property
    def is_admin_role(self) -> bool:
        return self.is_superuser or self.role == Role.ADMIN

    def clean(self) -> None:
        super().clean()
        errors: dict[str, StrOrPromise] = {}
        if self.role == Role.ADMIN:
            return
        org = self.organization
        if org is None:
            errors["organization"] = _("Every role except administrator belongs to an organization.")
        elif self.role in (Role.CASEWORKER, Role.SUPERVISOR) and org.kind not in (
            OrganizationKind.CIVIL_AFFAIRS_BUREAU,
            OrganizationKind.TOWNSHIP_OFFICE,
        ):
            errors["organization"] = _(
                "Caseworkers and supervisors belong to a civil affairs bureau or township office."
            )
        elif self.role == Role.STATION_WORKER and org.kind not in (
            OrganizationKind.SERVICE_STATION,
            OrganizationKind.TOWNSHIP_OFFICE,
        ):
            errors["organization"] = _("Station social workers belong to a service station or township office.")
        elif self.role == Role.CHARITY_STAFF and org.kind in GOVERNMENT_KINDS:
            errors["organization"] = _("Charity staff belong to a charity or another supplying organization.")
        if self.role in JURISDICTION_ROLES:
            if self.jurisdiction is None:
                errors["jurisdiction"] = _("This role needs a jurisdiction.")
            elif self.role == Role.STATION_WORKER and self.jurisdiction.level < RegionLevel.TOWNSHIP:
                errors["jurisdiction"] = _("A station social worker's jurisdiction is a township or below.")
            elif org is not None and not (
                org.region.contains(self.jurisdiction) or self.jurisdiction.contains(org.region)
            ):
                errors["jurisdiction"] = _("The jurisdiction must lie where the organization works.")
        if errors:
            raise ValidationError(errors)


class FailedLogin(models.Model):
    """One failed sign-in. Recent failures per account and per address decide a lockout;
    an administrator unlocks by clearing them (User admin action)."""

    username = models.CharField(_("username"), max_length=150, db_index=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True, db_index=True)
    attempted_at = models.DateTimeField(_("attempted at"), db_index=True)

    class Meta:
        verbose_name = _("failed sign-in")
        verbose_name_plural = _("failed sign-ins")
        ordering = ["-attempted_at"]

    def __str__(self) -> str:
        return f"{self.username} {self.ip_address} {self.attempted_at:%Y-%m-%d %H:%M}"


class TOTPDevice(models.Model):
    """A staff member's authenticator app (TOTP, RFC 6238). The secret is encrypted at rest."""

    user = models.OneToOneField(
        "accounts.User", verbose_name=_("staff member"), on_delete=models.CASCADE, related_name="totp_device"
    )
    secret = EncryptedTextField(_("secret"))
    confirmed = models.BooleanField(_("confirmed"), default=False)
    last_used_step = models.BigIntegerField(_("last used time step"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("authenticator app")
        verbose_name_plural = _("authenticator apps")

    def __str__(self) -> str:
        return str(self.user)


class ApiToken(models.Model):
    """A key for the REST API (``Authorization: Token <key>``). Only the key's SHA-256 is stored.

    It ends at ``expires_at``, when the password changes (``password_stamp`` is the session auth hash at
    issue, which every password change alters), on sign-out and when the account is disabled.
    ``two_factor`` says it was obtained with the second step: a role that needs two-step sign-in can use
    no other kind (accounts.tokens)."""

    user = models.ForeignKey(
        "accounts.User", verbose_name=_("staff member"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    key_digest = models.CharField(_("key digest"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)
    two_factor = models.BooleanField(_("obtained with two-step sign-in"), default=False)
    password_stamp = models.CharField(max_length=128, editable=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M}"


class ResponseTeamMember(models.Model):
    """A member of a village or township's quick-response team (村级困难群众急难问题快速响应服务队,
    Shaanxi): told at once, in the app and by SMS, of every emergency need logged in their area."""

    user = models.ForeignKey(
        "accounts.User", verbose_name=_("staff member"), on_delete=models.CASCADE, related_name="response_teams"
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("village or township served"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level__in": [RegionLevel.TOWNSHIP, RegionLevel.VILLAGE]},
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("quick-response team member")
        verbose_name_plural = _("quick-response team members")
        ordering = ["region", "user"]
        constraints = [models.UniqueConstraint(fields=["user", "region"], name="response_team_member_once")]

    def __str__(self) -> str:
        return f"{self.region} · {self.user}"

    def clean(self) -> None:
        if self.region_id and self.region.level not in (RegionLevel.TOWNSHIP, RegionLevel.VILLAGE):
            raise ValidationError({"region": _("A quick-response team serves a village or a township.")})
        # Members read the person's need to answer it: staff of the register, not charities.
        if self.user_id and self.user.role not in (Role.STATION_WORKER, Role.CASEWORKER):
            raise ValidationError({"user": _("Team members are station workers or caseworkers.")})


class OnCallDuty(models.Model):
    """Who is the county's on-call caseworker (值班) when: an emergency need is told to them at once."""

    user = models.ForeignKey(
        "accounts.User", verbose_name=_("caseworker"), on_delete=models.CASCADE, related_name="on_call_duties"
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("county"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": RegionLevel.COUNTY},
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))

    class Meta:
        verbose_name = _("on-call duty")
        verbose_name_plural = _("on-call duties")
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["region", "ends_at"], name="on_call_region_ends_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="on_call_ends_after_start",
                violation_error_message=_("A duty ends after it starts."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.region} · {self.user} · {self.starts_at:%Y-%m-%d %H:%M}"

    def clean(self) -> None:
        if self.user_id and self.user.role != Role.CASEWORKER:
            raise ValidationError({"user": _("The on-call duty is a caseworker's.")})
        if self.region_id and self.region.level != RegionLevel.COUNTY:
            raise ValidationError({"region": _("An on-call duty covers a county.")})
