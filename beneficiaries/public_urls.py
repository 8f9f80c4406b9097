"""The public's online application, mounted at /apply/ (no sign-in)."""

from django.urls import URLPattern, path

from beneficiaries import views_public

app_name = "apply"

urlpatterns: list[URLPattern] = [
    path("", views_public.application_create, name="application_create"),
]
