"""This app's REST endpoints, mounted under /api/v1/ by referral_hub/urls.py."""

from rest_framework.routers import SimpleRouter

from matching.api import MatchingRunViewSet, MatchProposalViewSet

router = SimpleRouter()
router.register("matching-runs", MatchingRunViewSet, basename="matching-run")
router.register("match-proposals", MatchProposalViewSet, basename="match-proposal")

urlpatterns = [*router.urls]
