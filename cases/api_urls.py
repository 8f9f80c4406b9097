"""This app's REST endpoints, mounted under /api/v1/ by referral_hub/urls.py."""

from rest_framework.routers import SimpleRouter

from cases.api import LedgerViewSet, NotificationViewSet, ReferralViewSet
from cases.api_direct_help import DirectHelpViewSet

router = SimpleRouter()
router.register("referrals", ReferralViewSet, basename="referral")
router.register("ledger", LedgerViewSet, basename="ledger")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("direct-help", DirectHelpViewSet, basename="direct-help")

urlpatterns = [*router.urls]
