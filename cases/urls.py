from django.urls import URLPattern, URLResolver, path

from cases import views, views_actions, views_direct_help, views_government, views_offline

app_name = "cases"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.inbox, name="inbox"),
    path("new/", views.referral_new, name="referral_new"),
    path("new/government/", views.referral_new_to_government, name="referral_new_to_government"),
    path("<int:pk>/", views.referral_detail, name="referral_detail"),
    path("<int:pk>/print/", views.referral_print, name="referral_print"),
    path("<int:pk>/register_person/", views_government.referral_register_person_view, name="referral_register_person"),
    *(path(f"<int:pk>/{step}/", view, name=f"referral_{step}") for step, view in views_actions.STEPS.items()),
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/read-all/", views.notification_read_all, name="notification_read_all"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("follow-ups/", views.follow_up_list, name="follow_up_list"),
    path("follow-ups/<int:pk>/", views.follow_up_record_view, name="follow_up_record"),
    path("offline/", views_offline.station_offline, name="station_offline"),
    path("offline/cache.json", views_offline.station_offline_cache, name="station_offline_cache"),
    path("ledger/", views.ledger_page, name="ledger"),
    path("ledger/export.xlsx", views.ledger_export, name="ledger_export"),
    path("direct-help/", views_direct_help.direct_help_list, name="direct_help_list"),
    path("direct-help/new/", views_direct_help.direct_help_new, name="direct_help_new"),
    path("happiness/", views.happiness_list, name="happiness_list"),
    path("transfers/new/", views.transfer_request, name="transfer_request"),
    path("happiness/export.xlsx", views.happiness_export, name="happiness_export"),
]
