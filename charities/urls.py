from django.urls import URLPattern, URLResolver

app_name = "charities"

urlpatterns: list[URLPattern | URLResolver] = []
