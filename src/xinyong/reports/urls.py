"""Pages of credit reports: the public ones (``urlpatterns``, namespace ``reports``, mounted at /reports/) and the
console screens (``console_urlpatterns``, namespace ``reports_console``, mounted at /console/reports/)."""

from django.urls import path

from xinyong.reports import measure_notice_views, notice_views, views

app_name = "reports"

urlpatterns = [
    path("public/", views.public_create, name="public_create"),
    path("verify/", views.verify, name="verify"),
    path("notices/<str:number>/<str:code>/", measure_notice_views.measure_notice, name="measure_notice"),
    path(
        "notices/<str:number>/<str:code>/pdf/",
        measure_notice_views.measure_notice_pdf,
        name="measure_notice_pdf",
    ),
    path("<str:number>/<str:code>/", views.detail, name="detail"),
    path("<str:number>/<str:code>/pdf/", views.pdf, name="pdf"),
]

console_urlpatterns = [
    path("", views.report_list, name="list"),
    path("issue/", views.report_issue_page, name="issue"),
    path("issue/submit/", views.report_issue_submit, name="issue_submit"),
    path("notices/<int:pk>/", notice_views.notice_detail, name="notice_detail"),
    path("notices/<int:pk>/issue/", notice_views.notice_issue_view, name="notice_issue"),
    path("notices/<int:pk>/pdf/", notice_views.notice_pdf, name="notice_pdf"),
    path("<str:number>/", views.report_detail, name="detail"),
    path("<str:number>/pdf/", views.report_pdf, name="pdf"),
]
