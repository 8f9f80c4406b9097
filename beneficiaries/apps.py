from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BeneficiariesConfig(AppConfig):
    name = "beneficiaries"
    verbose_name = _("Register")

    def ready(self) -> None:
        from beneficiaries.imports import AssistanceRecordImport, VisitRegisterImport
        from core.spreadsheets import register

        register(VisitRegisterImport())
        register(AssistanceRecordImport())
