"""This app's REST endpoints, mounted under /api/v1/ by referral_hub/urls.py."""

from rest_framework.routers import SimpleRouter

from cases.api import LedgerViewSet, NotificationViewSet, ReferralViewSet

router = SimpleRouter()
router.register("referrals", ReferralViewSet, basename="referral")
router.register("ledger", LedgerViewSet, basename="ledger")
router.register("notifications", NotificationViewSet, basename="notification")

urlpatterns = [*router.urls]
