from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CharitiesConfig(AppConfig):
    name = "charities"
    verbose_name = _("Charities and supply list")

    def ready(self) -> None:
        from charities.imports import SupplyListImport
        from core.spreadsheets import register

        register(SupplyListImport())
