"""This app's REST endpoints, mounted under /api/v1/ by referral_hub/urls.py."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from beneficiaries.api import AssistanceRecordViewSet, ConsentViewSet, HouseholdViewSet, NeedViewSet, PersonViewSet
from beneficiaries.api_public import ApplicationView

router = SimpleRouter()
router.register("households", HouseholdViewSet, basename="household")
router.register("persons", PersonViewSet, basename="person")
router.register("consents", ConsentViewSet, basename="consent")
router.register("needs", NeedViewSet, basename="need")
router.register("assistance-records", AssistanceRecordViewSet, basename="assistance-record")

urlpatterns = [*router.urls, path("applications/", ApplicationView.as_view(), name="application-create")]
