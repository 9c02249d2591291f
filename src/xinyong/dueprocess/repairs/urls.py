"""Screens of repairs: ``console_urlpatterns`` (under /console/dueprocess/repairs/) and ``portal_urlpatterns``
(under /my/repairs/)."""

from django.urls import path

from xinyong.dueprocess.repairs import views

console_urlpatterns: list = [
    path("", views.repair_list, name="repair_list"),
    path("stats/", views.repair_stats, name="repair_stats"),
    path("notifications/", views.repair_notifications, name="repair_notifications"),
    path("notices/<str:number>/", views.repair_notice, name="repair_notice"),
    path("notice/", views.repair_notice_by_number, name="repair_notice_by_number"),
    path("records/<int:record_id>/notice/", views.repair_notice_issue, name="repair_notice_issue"),
    path("<int:pk>/", views.repair_detail, name="repair_detail"),
    path("<int:pk>/evidence/<int:evidence_id>/", views.repair_evidence_download, name="repair_evidence"),
    path("<int:pk>/<slug:action>/", views.repair_act, name="repair_act"),
]
portal_urlpatterns: list = [
    path("", views.my_repairs, name="repairs"),
    path("new/", views.my_repair_new, name="repair_new"),
    path("<int:pk>/", views.my_repair_detail, name="repair_detail"),
]
