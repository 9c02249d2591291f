"""The console shell (home, login, logout) and the screens it includes under its own namespace."""

from django.urls import include, path

from xinyong.console import views

app_name = "console"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.ConsoleLoginView.as_view(), name="login"),
    path("logout/", views.ConsoleLogoutView.as_view(), name="logout"),
    path("archive/", include("xinyong.records.archive.urls")),
]
