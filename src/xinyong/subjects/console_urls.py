"""Console screens of confirmed codes, mounted at /console/identifiers/."""

from django.urls import path

from xinyong.subjects import console_views

app_name = "identifiers_console"

urlpatterns = [
    path("", console_views.confirmed_code_list, name="list"),
    path("confirm/", console_views.confirmed_code_confirm, name="confirm"),
    path("revoke/", console_views.confirmed_code_revoke_view, name="revoke"),
]
