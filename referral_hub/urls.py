from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from accounts import views as accounts_views
from accounts.api import LogoutView as ApiLogoutView
from accounts.api import MeView, TokenView
from core import views as core_views
from core.api import OrganizationViewSet, RegionViewSet
from core.import_api import ImportBatchViewSet
from core.rest import ApiDocsAccess
from core.service_worker import service_worker

admin.site.site_header = _("Referral Hub administration")
admin.site.site_title = _("Referral Hub")
admin.site.index_title = _("Administration")
# The admin signs in and out through the site: one lockout, two-step sign-in and audit (issue 14).
admin.site.login = accounts_views.admin_login  # type: ignore[method-assign]
admin.site.logout = accounts_views.admin_logout  # type: ignore[method-assign,assignment]
admin.site.password_change = accounts_views.admin_password_change  # type: ignore[method-assign,assignment]

router = DefaultRouter()
router.register("regions", RegionViewSet, basename="region")
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("imports", ImportBatchViewSet, basename="import")

api_v1 = [
    path("auth/token/", TokenView.as_view(), name="token"),
    path("auth/logout/", ApiLogoutView.as_view(), name="logout"),
    path("me/", MeView.as_view(), name="me"),
    *router.urls,
    path("", include("beneficiaries.api_urls")),
    path("", include("charities.api_urls")),
    path("", include("cases.api_urls")),
    path("", include("matching.api_urls")),
    path("", include("supervision.api_urls")),
]

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("healthz/live", core_views.healthz_live, name="healthz_live"),
    path("sw.js", service_worker, name="service_worker"),
    path("accounts/", include("accounts.urls")),
    path("", include("core.urls")),
    path("register/", include("beneficiaries.urls")),
    path("apply/", include("beneficiaries.public_urls")),
    path("supply/", include("charities.urls")),
    path("cases/", include("cases.urls")),
    path("matching/", include("matching.urls")),
    path("dashboards/", include("dashboards.urls")),
    path("supervision/", include("supervision.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    # Open in development; with DEBUG off only for a signed-in account (API_DOCS_PUBLIC).
    path("api/schema/", SpectacularAPIView.as_view(permission_classes=[ApiDocsAccess]), name="schema"),
    path("api/docs/", core_views.api_docs, name="api-docs"),
]
