"""Public pages of credit reports, mounted at /reports/."""

from django.urls import path

from xinyong.reports import views

app_name = "reports"

urlpatterns = [
    path("public/", views.public_create, name="public_create"),
    path("verify/", views.verify, name="verify"),
    path("<str:number>/<str:code>/", views.detail, name="detail"),
    path("<str:number>/<str:code>/pdf/", views.pdf, name="pdf"),
]
