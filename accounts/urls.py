from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("two-factor/", views.two_factor_step, name="two_factor"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("invite/<uidb64>/<token>/", views.InviteView.as_view(), name="invite"),
]
