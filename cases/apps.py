from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Referrals")

    def ready(self) -> None:
        # The register asks us through hooks and signals (layers run one way: beneficiaries never
        # imports cases).
        from beneficiaries.hooks import consent_ended
        from beneficiaries.signals import reveal_burst
        from cases.notifications import reveal_burst_notify
        from cases.services import referrals_withdraw_for_consent

        consent_ended.connect(referrals_withdraw_for_consent)
        reveal_burst.connect(reveal_burst_notify, dispatch_uid="cases.reveal_burst_notify")
