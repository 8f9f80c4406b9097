"""Supervision pages, mounted at /supervision/."""

from django.urls import path

from supervision import views

app_name = "supervision"

urlpatterns = [
    path("audit/", views.audit_log, name="audit_log"),
    path("complaints/", views.complaint_list, name="complaint_list"),
    path("complaints/<int:pk>/", views.complaint_detail, name="complaint_detail"),
    path("conflicts/", views.conflict_list, name="conflict_list"),
    path("declarations/", views.declaration_list, name="declaration_list"),
    path("declarations/<int:pk>/withdraw/", views.declaration_withdraw_view, name="declaration_withdraw"),
    path("approvals/", views.approval_list, name="approval_list"),
    path("approvals/<int:pk>/approve/", views.approval_grant, name="approval_grant"),
    path("approvals/<int:pk>/refuse/", views.approval_refuse, name="approval_refuse"),
]
