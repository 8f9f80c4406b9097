from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = _("Supervision")

    def ready(self) -> None:
        # 严防优亲厚友 (SPEC rule 11): the register and the cases app ask us through hooks, so the
        # check runs on every path to their services (page, API, import, job) without them
        # importing supervision (layers run one way).
        from beneficiaries import hooks as register_hooks
        from cases import hooks as case_hooks
        from supervision import services

        register_hooks.records_created.connect(services.records_flag)
        register_hooks.recorder_conflicts.connect(services.recorder_conflicts)
        case_hooks.referral_created.connect(services.referral_conflict_check_create)
        case_hooks.referral_before_send.connect(services.referral_conflict_check_send)
        case_hooks.referral_before_act.connect(services.referral_conflict_check_act)
