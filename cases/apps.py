from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Referrals")

    def ready(self) -> None:
        # The register asks us through hooks and signals (layers run one way: beneficiaries never
        # imports cases).
        from beneficiaries.hooks import consent_ended, need_picked_up, records_created
        from beneficiaries.signals import reveal_burst
        from cases.alerts import complaint_received, need_picked_up_receiver, records_created_receiver
        from cases.notifications import reveal_burst_notify
        from cases.services import referrals_withdraw_for_consent
        from charities.hooks import complaint_received as charity_complaint_received

        consent_ended.connect(referrals_withdraw_for_consent)
        # An emergency need or an early-warning alert tells the caseworkers at once (SPEC rules 9, 13).
        records_created.connect(records_created_receiver)
        need_picked_up.connect(need_picked_up_receiver)
        charity_complaint_received.connect(complaint_received)
        reveal_burst.connect(reveal_burst_notify, dispatch_uid="cases.reveal_burst_notify")
