"""The register: households, people, their government assistance, consent and needs.

Sensitive values (ID number, phone, health and disability details, income) are
stored encrypted (``EncryptedTextField``). Lists show the masked copies kept
beside them; the full value is only read by ``person_reveal``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from beneficiaries.crypto import EncryptedTextField
from core.choices import CachedChoiceLabels, choice_labels
from core.codes import AssistanceStatus, NeedCategory, Vulnerability
from core.models import Organization, Region


class Household(CachedChoiceLabels, models.Model):
    register_number = models.CharField(
        _("household register number"),
        max_length=32,
        unique=True,
        help_text=_("The number this household has in the county's assistance register."),
    )
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="households")
    address = models.CharField(_("address"), max_length=300)
    # Money is sensitive (PIPL): stored encrypted as decimal text, in yuan per year.
    annual_income = EncryptedTextField(_("household income per year (yuan)"), blank=True)
    previous_annual_income = EncryptedTextField(_("previous household income per year (yuan)"), blank=True)
    annual_essential_expenses = EncryptedTextField(
        _("essential expenses per year (yuan)"),
        blank=True,
        help_text=_("Medical, education and other rigid expenses counted in the expenditure-hardship test."),
    )
    annual_medical_expenses = EncryptedTextField(_("medical expenses per year (yuan)"), blank=True)
    income_changed_at = models.DateTimeField(_("income last changed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["register_number"]
        indexes = [
            models.Index(fields=["region"], name="household_region_prefix_idx", opclasses=["varchar_pattern_ops"]),
            # The county aggregates' refresh looks for the households changed since its last runs.
            models.Index(fields=["updated_at"], name="household_updated_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.register_number} {self.address}"

    @staticmethod
    def _money(value: str) -> Decimal | None:
        try:
            return Decimal(value) if value else None
        except InvalidOperation:
            return None

    @property
    def income(self) -> Decimal | None:
        return self._money(self.annual_income)

    @property
    def previous_income(self) -> Decimal | None:
        return self._money(self.previous_annual_income)

    @property
    def essential_expenses(self) -> Decimal | None:
        return self._money(self.annual_essential_expenses)

    @property
    def medical_expenses(self) -> Decimal | None:
        return self._money(self.annual_medical_expenses)

    @property
    def expenditure_hardship(self) -> bool:
        """支出型困难: rigid expenses at or above the household's income."""
        income, expenses = self.income, self.essential_expenses
        return income is not None and expenses is not None and expenses >= income


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class Relation(models.TextChoices):
    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    GRANDCHILD = "grandchild", _("Grandchild")
    GRANDPARENT = "grandparent", _("Grandparent")
    SIBLING = "sibling", _("Sibling")
    OTHER = "other", _("Other")


class DisabilityGrade(models.IntegerChoices):
    ONE = 1, _("Grade 1 (most severe)")
    TWO = 2, _("Grade 2")
    THREE = 3, _("Grade 3")
    FOUR = 4, _("Grade 4")


# Fields a reveal may show in full, with what each holds.
REVEALABLE_FIELDS = ("id_number", "phone", "health", "disability_details", "income")


class Person(CachedChoiceLabels, models.Model):
    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="members"
    )
    relation = models.CharField(_("relation to head"), max_length=16, choices=Relation.choices)
    name = models.CharField(_("full name"), max_length=100)
    id_number = EncryptedTextField(_("resident ID number"), blank=True)
    id_number_index = models.CharField(
        _("ID number blind index"), max_length=64, null=True, blank=True, unique=True, editable=False
    )
    id_number_masked = models.CharField(_("ID number (masked)"), max_length=18, blank=True, editable=False)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices)
    birth_date = models.DateField(_("birth date"))
    phone = EncryptedTextField(_("phone"), blank=True)
    phone_masked = models.CharField(_("phone (masked)"), max_length=20, blank=True, editable=False)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="persons")
    address = models.CharField(_("address"), max_length=300, blank=True)
    assistance_statuses = models.JSONField(_("assistance statuses"), default=list, blank=True)
    vulnerabilities = models.JSONField(_("vulnerabilities"), default=list, blank=True)
    disability_grade = models.PositiveSmallIntegerField(
        _("disability grade"), choices=DisabilityGrade.choices, null=True, blank=True
    )
    disability_details = EncryptedTextField(_("disability details"), blank=True)
    health = EncryptedTextField(_("health condition"), blank=True)
    vulnerabilities_changed_at = models.DateTimeField(_("vulnerabilities last changed"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["household_id", "id"]
        indexes = [
            models.Index(fields=["region"], name="person_region_prefix_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["name"], name="person_name_idx"),
            models.Index(fields=["name"], name="person_name_prefix_idx", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return self.name

    def age_on(self, day: date) -> int:
        return day.year - self.birth_date.year - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))

    def get_assistance_status_labels(self) -> list[str]:
        labels = choice_labels(AssistanceStatus)
        return [str(labels.get(code, code)) for code in self.assistance_statuses]

    def get_vulnerability_labels(self) -> list[str]:
        labels = choice_labels(Vulnerability)
        return [str(labels.get(code, code)) for code in self.vulnerabilities]


class Programme(models.TextChoices):
    DIBAO = "dibao", _("Minimum living allowance")
    TEKUN = "tekun", _("Destitute person support")
    DISASTER = "disaster", _("Disaster victim assistance")
    MEDICAL = "medical", _("Medical assistance")
    EDUCATION = "education", _("Education assistance")
    HOUSING = "housing", _("Housing assistance")
    EMPLOYMENT = "employment", _("Employment assistance")
    TEMPORARY = "temporary", _("Temporary assistance")
    CHILD_BASIC_LIVING = "child_basic_living", _("Children's basic living allowance")


class RecordSource(models.TextChoices):
    ENTERED = "entered", _("Entered by hand")
    IMPORTED = "imported", _("Imported")


class AssistanceRecord(CachedChoiceLabels, models.Model):
    """Government assistance a person received: one side of the ledger (SPEC rule 6)."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="assistance_records"
    )
    programme = models.CharField(_("programme"), max_length=32, choices=Programme.choices)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    granting_organization = models.ForeignKey(
        Organization,
        verbose_name=_("granting office"),
        on_delete=models.PROTECT,
        related_name="granted_assistance",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=RecordSource.choices, default=RecordSource.ENTERED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("government assistance record")
        verbose_name_plural = _("government assistance records")
        ordering = ["-period_start", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="assistance_period_ordered",
                violation_error_message=_("The period cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="assistance_amount_not_negative",
                violation_error_message=_("The amount cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.get_programme_display()} {self.amount}"


class ConsentPurpose(models.TextChoices):
    CHARITY_REFERRAL = "charity_referral", _("Referral to a charity")
    GOVERNMENT_REFERRAL = "government_referral", _("Referral to government")
    MATCHING = "matching", _("Matching with the supply list")
    FOLLOW_UP = "follow_up", _("Follow-up visits")
    # Text messages to the person about their own case (application received, referral accepted).
    CONTACT = "contact", _("Text messages to the person about their own case")


class RecipientScope(models.TextChoices):
    ORGANIZATION = "organization", _("One organization")
    NETWORK = "network", _("The whole network")


class ConsentMethod(models.TextChoices):
    SIGNED_FORM = "signed_form", _("Signed form")
    VERBAL_WITNESSED = "verbal_witnessed", _("Verbal, with a witness")
    ONLINE = "online", _("Online")


class ConsentField(models.TextChoices):
    NAME = "name", _("Full name")
    GENDER = "gender", _("Gender")
    BIRTH_DATE = "birth_date", _("Birth date")
    PHONE = "phone", _("Phone")
    ADDRESS = "address", _("Address")
    HOUSEHOLD = "household", _("Household")
    ASSISTANCE_STATUSES = "assistance_statuses", _("Assistance statuses")
    VULNERABILITIES = "vulnerabilities", _("Vulnerabilities")
    INCOME = "income", _("Income")
    HEALTH = "health", _("Health")


class ConsentStatus(models.TextChoices):
    ACTIVE = "active", _("In force")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")


# Children under this age consent through a guardian (PIPL art. 31).
GUARDIAN_CONSENT_UNDER_AGE = 14


class Consent(CachedChoiceLabels, models.Model):
    """A person's (or guardian's) consent, as SPEC rule 2 describes it."""

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="consents")
    purposes = models.JSONField(_("purposes"), default=list)
    recipient_scope = models.CharField(_("recipients"), max_length=16, choices=RecipientScope.choices)
    recipient_organization = models.ForeignKey(
        Organization,
        verbose_name=_("recipient organization"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consents_received",
    )
    fields = models.JSONField(_("fields covered"), default=list)
    method = models.CharField(_("method"), max_length=20, choices=ConsentMethod.choices)
    witness_name = models.CharField(_("witness"), max_length=100, blank=True)
    wording_version = models.CharField(
        _("consent text version"),
        max_length=32,
        blank=True,
        help_text=_("For an online consent: the version of the consent text the person agreed to."),
    )
    granted_at = models.DateTimeField(_("granted at"))
    expires_at = models.DateTimeField(_("expires at"))
    evidence = models.FileField(_("evidence (scanned signed form)"), upload_to="consents/%Y/%m/", blank=True)
    guardian_name = models.CharField(_("guardian"), max_length=100, blank=True)
    guardian_relation = models.CharField(_("guardian's relation to the person"), max_length=50, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=ConsentStatus.choices, default=ConsentStatus.ACTIVE)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    revoke_reason = models.TextField(_("reason for revocation"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["-granted_at", "-id"]
        indexes = [models.Index(fields=["person", "status"], name="consent_person_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("granted_at")),
                name="consent_expires_after_granted",
                violation_error_message=_("A consent must expire after it was granted."),
            ),
            models.CheckConstraint(
                condition=Q(recipient_scope="network") | Q(recipient_organization__isnull=False),
                name="consent_organization_scope_names_one",
                violation_error_message=_("A consent for one organization must name it."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.granted_at:%Y-%m-%d}"

    def get_purpose_labels(self) -> list[str]:
        labels = choice_labels(ConsentPurpose)
        return [str(labels.get(code, code)) for code in self.purposes]

    def get_field_labels(self) -> list[str]:
        labels = choice_labels(ConsentField)
        return [str(labels.get(code, code)) for code in self.fields]


class Urgency(models.TextChoices):
    ROUTINE = "routine", _("Routine")
    URGENT = "urgent", _("Urgent")
    EMERGENCY = "emergency", _("Emergency")


class NeedSource(models.TextChoices):
    VISIT = "visit", _("Home visit")
    ONLINE = "online", _("Online")
    PHONE = "phone", _("Phone")
    HOSPITAL = "hospital", _("Hospital")
    CHARITY_FOUND = "charity_found", _("Found by a charity")
    MONITORING_ALERT = "monitoring_alert", _("Monitoring alert")


class NeedStatus(models.TextChoices):
    OPEN = "open", _("Open")
    MATCHED = "matched", _("Matched")
    REFERRED = "referred", _("Referred")
    FULFILLED = "fulfilled", _("Fulfilled")
    CLOSED = "closed", _("Closed")


OPEN_NEED_STATUSES = (NeedStatus.OPEN, NeedStatus.MATCHED, NeedStatus.REFERRED)


class WarningRuleKind(models.TextChoices):
    MEDICAL_SHARE = "medical_share", _("Medical spending above a share of household income")
    NEW_ILLNESS_OR_DISABILITY = "new_illness_or_disability", _("New serious illness or disability")
    INCOME_LOSS = "income_loss", _("Loss of household income")


class WarningRule(models.Model):
    """A configurable early-warning rule (SPEC rule 13), evaluated by a periodic job."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=32, choices=WarningRuleKind.choices)
    threshold = models.DecimalField(
        _("threshold"),
        max_digits=8,
        decimal_places=2,
        help_text=_(
            "Medical share: the share of income (0.5 = 50%). Income loss: the share lost (0.3 = 30%). New illness or disability: days to look back."
        ),
    )
    category = models.CharField(_("need category"), max_length=20, choices=NeedCategory.choices)
    urgency = models.CharField(_("urgency"), max_length=16, choices=Urgency.choices, default=Urgency.URGENT)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("early warning rule")
        verbose_name_plural = _("early warning rules")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Need(CachedChoiceLabels, models.Model):
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="needs")
    # The person's region when logged: jurisdiction filters need no join.
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("category"), max_length=20, choices=NeedCategory.choices)
    urgency = models.CharField(_("urgency"), max_length=16, choices=Urgency.choices, default=Urgency.ROUTINE)
    description = models.TextField(_("description"))
    amount_requested = models.DecimalField(
        _("amount requested (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    source = models.CharField(_("source"), max_length=20, choices=NeedSource.choices, default=NeedSource.VISIT)
    status = models.CharField(_("status"), max_length=16, choices=NeedStatus.choices, default=NeedStatus.OPEN)
    warning_rule = models.ForeignKey(
        WarningRule,
        verbose_name=_("raised by rule"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="needs",
    )
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("logged by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    logged_by_organization = models.ForeignKey(
        Organization,
        verbose_name=_("logged by organization"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status_note = models.CharField(_("note on the status"), max_length=300, blank=True)
    # 救急难 (SPEC rule 9): the first answer to an emergency, and when nobody answered in time.
    responded_at = models.DateTimeField(_("picked up at"), null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("picked up by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    application = models.ForeignKey(
        "beneficiaries.OnlineApplication",
        verbose_name=_("online application"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="needs",
    )
    created_at = models.DateTimeField(_("logged at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["region", "created_at"],
                name="need_region_created_idx",
                opclasses=["varchar_pattern_ops", "timestamptz_ops"],
            ),
            models.Index(fields=["status", "created_at"], name="need_status_created_idx"),
            models.Index(fields=["-created_at", "-id"], name="need_created_idx"),
            # The county aggregates' refresh looks for the needs changed since its last runs.
            models.Index(fields=["updated_at"], name="need_updated_idx"),
            models.Index(
                fields=["created_at"],
                condition=Q(urgency="emergency", responded_at__isnull=True),
                name="need_emergency_waiting_idx",
            ),
        ]
        constraints = [
            # One open alert per person and rule: the periodic job may run twice.
            models.UniqueConstraint(
                fields=["person", "warning_rule"],
                condition=Q(status__in=["open", "matched", "referred"]) & Q(warning_rule__isnull=False),
                name="need_one_open_alert_per_rule",
            ),
            models.CheckConstraint(
                condition=Q(amount_requested__isnull=True) | Q(amount_requested__gte=0),
                name="need_amount_not_negative",
                violation_error_message=_("The amount cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_category_display()}"


class TransferStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    REFUSED = "refused", _("Refused")


class TransferRequest(models.Model):
    """An office asks for a person's record to move into its jurisdiction (issue 14, finding 13).

    Registering an ID number that another county holds says only that a record exists; the
    caseworker may then ask for it, and the caseworkers of the county that holds it are told.
    """

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="transfer_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    to_region = models.ForeignKey(Region, verbose_name=_("to region"), on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"), max_length=1000)
    status = models.CharField(_("status"), max_length=16, choices=TransferStatus.choices, default=TransferStatus.OPEN)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("record transfer request")
        verbose_name_plural = _("record transfer requests")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.person_id} → {self.to_region_id}"


# Online applications and text messages live in a second module (this one near its size limit).
from beneficiaries.models_contact import (  # noqa: E402
    ApplicantKind as ApplicantKind,
)
from beneficiaries.models_contact import (  # noqa: E402
    OnlineApplication as OnlineApplication,
)
from beneficiaries.models_contact import (  # noqa: E402
    TextMessage as TextMessage,
)
from beneficiaries.models_contact import (  # noqa: E402
    TextMessageStatus as TextMessageStatus,
)
