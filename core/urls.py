from django.urls import path

from core import views

app_name = "core"

urlpatterns = [
    path("organizations/", views.organization_list, name="organization_list"),
    path("regions/search/", views.region_search, name="region_search"),
    path("imports/<slug:kind>/", views.import_start, name="import_start"),
    path("imports/<slug:kind>/template.xlsx", views.import_template, name="import_template"),
    path("imports/batch/<uuid:pk>/", views.import_batch, name="import_batch"),
    path("imports/batch/<uuid:pk>/errors.xlsx", views.import_error_report, name="import_error_report"),
    path("imports/batch/<uuid:pk>/confirm/", views.import_confirm, name="import_confirm"),
]
