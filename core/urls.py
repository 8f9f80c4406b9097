from django.urls import path

from core import views

app_name = "core"

urlpatterns = [
    path("organizations/", views.organization_list, name="organization_list"),
]
