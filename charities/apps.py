from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CharitiesConfig(AppConfig):
    name = "charities"
    verbose_name = _("Charities and supply list")
