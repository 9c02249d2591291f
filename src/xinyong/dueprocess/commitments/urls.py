"""Screens of commitments: ``console_urlpatterns`` (under /console/dueprocess/commitments/) and
``portal_urlpatterns`` (under /my/commitments/)."""

from django.urls import path

from xinyong.dueprocess.commitments import views

console_urlpatterns: list = [
    path("", views.queue, name="commitment_queue"),
    path("<int:pk>/", views.detail, name="commitment_detail"),
    path("<int:pk>/fulfil/", views.fulfil, name="commitment_fulfil"),
    path("<int:pk>/break/", views.break_, name="commitment_break"),
    path("sign/", views.sign, name="commitment_sign"),
    path("templates/", views.templates, name="commitment_templates"),
    path("stats/", views.stats, name="commitment_stats"),
]
portal_urlpatterns: list = [
    path("", views.my_list, name="commitment_list"),
    path("sign/", views.my_sign, name="commitment_sign"),
    path("<int:pk>/", views.my_detail, name="commitment_detail"),
]
