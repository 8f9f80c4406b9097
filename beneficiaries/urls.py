from django.urls import URLPattern, URLResolver

app_name = "beneficiaries"

urlpatterns: list[URLPattern | URLResolver] = []
