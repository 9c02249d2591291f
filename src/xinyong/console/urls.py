from django.urls import path

from xinyong.console import archive_views, views

app_name = "console"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.ConsoleLoginView.as_view(), name="login"),
    path("logout/", views.ConsoleLogoutView.as_view(), name="logout"),
    path("archive/", archive_views.archive_search, name="archive_search"),
    path("archive/subjects/<int:pk>/", archive_views.archive_purpose, name="archive_purpose"),
    path("archive/subjects/<int:pk>/archive/", archive_views.archive_subject, name="archive_subject"),
    path("archive/subjects/<int:pk>/export.csv", archive_views.archive_export, name="archive_export"),
]
