"""Console screens of 信用档案, included by the console's urls under /console/archive/ (names ``console:archive_*``)."""

from django.urls import path

from xinyong.records.archive import views

urlpatterns = [
    path("", views.archive_search, name="archive_search"),
    path("subjects/<int:pk>/", views.archive_purpose, name="archive_purpose"),
    path("subjects/<int:pk>/archive/", views.archive_subject, name="archive_subject"),
    path("subjects/<int:pk>/export.csv", views.archive_export, name="archive_export"),
]
