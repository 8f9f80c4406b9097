from django.urls import URLPattern, URLResolver, path

from matching import views

app_name = "matching"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.run_list, name="run_list"),
    path("runs/new/", views.run_new, name="run_new"),
    path("nightly/", views.nightly, name="nightly"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("runs/<int:pk>/confirm/", views.proposals_confirm_many, name="confirm_many"),
    path("proposals/<int:pk>/confirm/", views.proposal_confirm, name="proposal_confirm"),
    path("proposals/<int:pk>/reject/", views.proposal_reject, name="proposal_reject"),
]
