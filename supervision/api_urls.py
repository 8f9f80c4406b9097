"""This app's REST endpoints, mounted under /api/v1/ by referral_hub/urls.py."""

from rest_framework.routers import SimpleRouter

from supervision.api import AuditEntryViewSet

router = SimpleRouter()
router.register("audit-entries", AuditEntryViewSet, basename="audit-entry")

urlpatterns = [*router.urls]
