"""Console screens of feedback, statistics and typical cases (mounted at /console/jrp/feedback/)."""

from django.urls import path

from xinyong.jrp.feedback import views

urlpatterns = [
    path("", views.queue, name="feedback_queue"),
    path("<int:pk>/", views.detail, name="feedback_detail"),
    path("bulk/", views.bulk, name="feedback_bulk"),
    path("upload/", views.upload, name="feedback_upload"),
    path("stats/", views.stats, name="feedback_stats"),
    path("cases/", views.cases, name="feedback_cases"),
    path("cases/new/", views.case_new, name="feedback_case_new"),
    path("cases/<int:pk>/", views.case_detail, name="feedback_case"),
    path("cases/<int:pk>/publish/", views.case_publish, name="feedback_case_publish"),
]
