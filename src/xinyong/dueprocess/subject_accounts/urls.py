"""Screens of subject accounts: ``console_urlpatterns`` (under /console/dueprocess/) and ``portal_urlpatterns`` (under /my/)."""

from django.urls import path

from xinyong.dueprocess.subject_accounts import views

console_urlpatterns: list = [
    path("", views.link_codes, name="link_codes"),
]

portal_urlpatterns: list = [
    path("", views.home, name="home"),
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("register/", views.register, name="register"),
    path("password/", views.password, name="password"),
    path("link/", views.link, name="link"),
    path("subjects/<int:subject_id>/", views.archive, name="archive"),
    path("subjects/<int:subject_id>/viewers/", views.viewers, name="viewers"),
    path("subjects/<int:subject_id>/reports/", views.reports, name="reports"),
    path("subjects/<int:subject_id>/applications/", views.applications, name="applications"),
    path("subjects/<int:subject_id>/authorise/", views.authorise, name="authorise"),
    path(
        "subjects/<int:subject_id>/authorisations/<int:authorisation_id>/withdraw/",
        views.authorisation_withdraw,
        name="authorisation_withdraw",
    ),
    path("subjects/<int:subject_id>/unlink/", views.unlink, name="unlink"),
    path("notices/<str:number>/pdf/", views.notice_pdf, name="notice_pdf"),
]
