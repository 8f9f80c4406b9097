"""This app's REST endpoints, mounted under /api/v1/ by referral_hub/urls.py."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from charities.api import ComplaintViewSet, ResourceViewSet
from charities.api_lookup import StatusLookupView

router = SimpleRouter()
router.register("resources", ResourceViewSet, basename="resource")
router.register("complaints", ComplaintViewSet, basename="complaint")

urlpatterns = [*router.urls, path("status-lookup/", StatusLookupView.as_view(), name="status-lookup")]
