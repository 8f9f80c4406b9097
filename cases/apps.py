from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Referrals")

    def ready(self) -> None:
        from beneficiaries.signals import reveal_burst
        from cases.notifications import reveal_burst_notify

        reveal_burst.connect(reveal_burst_notify, dispatch_uid="cases.reveal_burst_notify")
