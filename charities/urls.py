from django.urls import URLPattern, URLResolver, path

from charities import views, views_lookup

app_name = "charities"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.resource_list, name="resource_list"),
    path("export.xlsx", views.resource_export, name="resource_export"),
    path("new/", views.resource_create_view, name="resource_create"),
    path("<int:pk>/", views.resource_detail, name="resource_detail"),
    path("<int:pk>/edit/", views.resource_edit_view, name="resource_edit"),
    path("<int:pk>/status/", views.resource_status_view, name="resource_status"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("organization/", views.organization_profile, name="organization_profile"),
    path("organization/staff/invite/", views.staff_invite, name="staff_invite"),
    path("organization/staff/<int:user_id>/remove/", views.staff_remove, name="staff_remove"),
    path("complaints/", views.complaint_list, name="complaint_list"),
    # The public pages: no sign-in.
    path("public/", views.transparency, name="transparency"),
    path("public/organizations/<int:pk>/", views.public_organization_view, name="public_organization"),
    path("public/complaint/", views.complaint_create, name="complaint_create"),
    path("public/status/", views_lookup.status_lookup_view, name="status_lookup"),
]
