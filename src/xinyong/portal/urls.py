"""The public portal at the site root (namespace ``portal``)."""

from django.urls import path

from xinyong.portal import typical_cases, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("subjects/<int:subject_id>/", views.subject, name="subject"),
    path("shuanggongshi/xuke/", views.licenses, name="licenses"),
    path("shuanggongshi/chufa/", views.penalties, name="penalties"),
    path("lists/red/", views.red_list, name="red_list"),
    path("lists/black/", views.black_list, name="black_list"),
    path("lists/abnormal/", views.abnormal_list, name="abnormal_list"),
    path("guide/", views.guidance_page, name="guidance"),
    path("cases/", typical_cases.typical_cases, name="typical_cases"),
]
