from django.urls import path

from beneficiaries import views, views_emergency, views_needs

app_name = "beneficiaries"

urlpatterns = [
    path("", views.person_list, name="person_list"),
    path("export.xlsx", views_needs.person_export, name="person_export"),
    path("duplicates/", views_needs.duplicate_list, name="duplicate_list"),
    path("persons/new/", views.person_create, name="person_create"),
    path("persons/lookup/", views.person_lookup, name="person_lookup"),
    path("persons/<int:pk>/", views.person_detail, name="person_detail"),
    path("persons/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("persons/<int:pk>/reveal/", views.person_reveal, name="person_reveal"),
    path("persons/<int:pk>/assistance/new/", views.assistance_create, name="assistance_create"),
    path("persons/<int:pk>/consents/new/", views.consent_create, name="consent_create"),
    path("households/", views.household_list, name="household_list"),
    path("households/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("consents/<int:pk>/revoke/", views.consent_revoke, name="consent_revoke"),
    path("consents/<int:pk>/evidence/", views.consent_evidence, name="consent_evidence"),
    path("needs/", views_needs.need_list, name="need_list"),
    path("needs/export.xlsx", views_needs.need_export, name="need_export"),
    path("needs/new/", views_needs.need_create, name="need_create"),
    path("needs/<int:pk>/", views_needs.need_detail, name="need_detail"),
    path("needs/<int:pk>/pick-up/", views_emergency.need_pick_up_view, name="need_pick_up"),
    path("emergencies/", views_emergency.emergency_board, name="emergency_board"),
]
