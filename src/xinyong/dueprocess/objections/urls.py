"""Screens of objections: ``console_urlpatterns`` (under /console/dueprocess/objections/) and
``portal_urlpatterns`` (under /my/objections/)."""

from django.urls import path

from xinyong.dueprocess.objections import views

console_urlpatterns = [
    path("", views.queue, name="objection_queue"),
    path("new/", views.console_new, name="objection_console_new"),
    path("stats/", views.stats, name="objection_stats"),
    path("<str:number>/", views.detail, name="objection_console_detail"),
    path("<str:number>/evidence/<int:evidence_id>/", views.evidence, name="objection_console_evidence"),
    path("<str:number>/<slug:step>/", views.step, name="objection_step"),
]

portal_urlpatterns = [
    path("", views.my_list, name="objection_list"),
    path("new/", views.my_new, name="objection_new"),
    path("<str:number>/", views.my_detail, name="objection_detail"),
    path("<str:number>/evidence/<int:evidence_id>/", views.my_evidence, name="objection_evidence"),
]
