from django.urls import path

from dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("", views.county, name="county"),
    path("export.xlsx", views.county_export, name="county_export"),
    path("evaluation/", views.evaluation, name="evaluation"),
    path("evaluation/export.xlsx", views.evaluation_export, name="evaluation_export"),
    path("counties/", views.counties, name="counties"),
    path("counties/upward-report.xlsx", views.upward_report_export, name="upward_report"),
]
