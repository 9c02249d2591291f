"""Pages of the demo (/demo/…): the acceptance system that embeds the credit check widget."""

from django.urls import path

from xinyong.demo import views

app_name = "demo"

urlpatterns = [
    path("acceptance/", views.acceptance, name="acceptance"),
]
