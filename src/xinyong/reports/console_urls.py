"""Console screens of credit reports, mounted at /console/reports/."""

from django.urls import path

from xinyong.reports import console_views

app_name = "reports_console"

urlpatterns = [
    path("", console_views.report_list, name="list"),
    path("issue/", console_views.report_issue_page, name="issue"),
    path("issue/submit/", console_views.report_issue_submit, name="issue_submit"),
    path("<str:number>/", console_views.report_detail, name="detail"),
    path("<str:number>/pdf/", console_views.report_pdf, name="pdf"),
]
