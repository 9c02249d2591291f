"""Console screens of confirmed codes, mounted at /console/identifiers/."""

from django.urls import path

from xinyong.subjects import views

app_name = "identifiers_console"

urlpatterns = [
    path("", views.confirmed_code_list, name="list"),
    path("confirm/", views.confirmed_code_confirm, name="confirm"),
    path("revoke/", views.confirmed_code_revoke_view, name="revoke"),
]
