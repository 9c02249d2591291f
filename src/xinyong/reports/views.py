"""Pages of credit reports: the public pages (mounted at /reports/) and the console screens (/console/reports/).

Public pages: issue a public report, read it, download its PDF, verify a report. A public report is reachable by whoever holds its number and verification code (both in the address the
issuing page redirects to); authorised reports are never served here, only in the console. Issuing a report
and rendering a PDF cost a database write and a second of CPU: both are rate-limited per client address at
the public API's rate (``XINYONG_PUBLIC_API_RATE``).

Console screens: issued reports, issuing an authorised report with a recorded authorisation, and reading or
downloading a report. Reading an authorised report shows non-public information: every view and download is
written to the audit log with the authorisation's purpose.
"""

from __future__ import annotations

import math

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from xinyong.accounts.decorators import console_view
from xinyong.accounts.models import AuditAction
from xinyong.accounts.permissions import effective_role
from xinyong.core.throttling import DEFAULT_PUBLIC_RATE, SettingRateThrottle
from xinyong.reports.models import CreditReport, ReportKind
from xinyong.reports.pdf import ReportFontsMissing
from xinyong.reports.permissions import can_issue_reports, can_read_reports
from xinyong.reports.selectors import (
    authorisation_get,
    authorisations_usable_search,
    report_find,
    report_verify,
    report_visible_get,
    reports_search,
)
from xinyong.reports.services import (
    ReportError,
    report_display_context,
    report_issue,
    report_read_audit,
    report_render_pdf,
    site_url_for,
)
from xinyong.subjects.models import Subject

CONSOLE_PER_PAGE = 25


def pdf_response(report: CreditReport, *, site_url: str) -> HttpResponse:
    """The report's PDF as a download named after its number (503 with the reason when fonts are missing)."""
    try:
        pdf = report_render_pdf(report=report, site_url=site_url)
    except ReportFontsMissing as exc:
        return HttpResponse(exc.message, status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="xinyong-report-{report.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


# The public rate, counted separately for the report pages that issue reports and render PDFs.
_throttle = SettingRateThrottle(
    scope="report_pages", rate_setting="XINYONG_PUBLIC_API_RATE", default=DEFAULT_PUBLIC_RATE
)


def _too_many(request) -> HttpResponse | None:
    if _throttle.allow_request(request):
        return None
    response = HttpResponse(
        "请求过于频繁，请稍后再试。", status=429, content_type="text/plain; charset=utf-8"
    )
    wait = _throttle.wait()
    if wait is not None:
        response["Retry-After"] = str(max(1, math.ceil(wait)))
    return response


def _public_report(number: str, code: str) -> CreditReport:
    report = report_find(number=number, code=code)
    if report is None or report.kind != ReportKind.PUBLIC:
        raise Http404("未找到该信用报告，请核对报告编号和验证码")
    return report


@require_POST
def public_create(request):
    """Issue a public report about the posted subject and show it."""
    if (limited := _too_many(request)) is not None:
        return limited
    raw_id = (request.POST.get("subject_id") or "").strip()
    if not raw_id.isdigit():
        raise Http404("未找到该主体")
    subject = get_object_or_404(Subject, pk=int(raw_id))
    report = report_issue(
        subject=subject,
        kind=ReportKind.PUBLIC,
        as_of=timezone.localdate(),
        actor=request.user,
        request=request,
    )
    return redirect("reports:detail", number=report.number, code=report.verification_code)


@require_GET
def detail(request, number: str, code: str):
    """A public report as a web page, with its PDF download."""
    report = _public_report(number, code)
    context = report_display_context(report=report, site_url=site_url_for(request=request))
    return render(request, "reports/detail.html", context)


@require_GET
def pdf(request, number: str, code: str):
    """A public report as a PDF download."""
    if (limited := _too_many(request)) is not None:
        return limited
    report = _public_report(number, code)
    return pdf_response(report, site_url=site_url_for(request=request))


@require_GET
def verify(request):
    """Check a report number and verification code (and optionally the content hash printed on the copy)."""
    number = (request.GET.get("number") or "").strip()
    code = (request.GET.get("code") or "").strip()
    printed_hash = (request.GET.get("hash") or "").strip()
    result = None
    if number or code:
        result = report_verify(number=number, code=code, printed_hash=printed_hash)
    return render(
        request,
        "reports/verify.html",
        {
            "number": number,
            "code": code,
            "printed_hash": printed_hash,
            "result": result,
            "submitted": bool(number or code),
        },
    )


# ---------------------------------------------------------------------------------------------------
# Console screens (/console/reports/)


@console_view(can_read_reports)
def report_list(request):
    """Reports issued, newest first, filtered by number / subject and kind."""
    q = (request.GET.get("q") or "").strip()
    kind = request.GET.get("kind") or ""
    reports = reports_search(user=request.user, q=q, kind=kind)
    page = Paginator(reports, CONSOLE_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/console/list.html",
        {
            "page": page,
            "q": q,
            "kind": kind,
            "kinds": ReportKind.choices,
            "can_issue": can_issue_reports(request.user),
        },
    )


@console_view(can_issue_reports)
def report_issue_page(request):
    """Authorisations the user may use today, each with a button issuing the authorised report."""
    q = (request.GET.get("q") or "").strip()
    as_of = timezone.localdate()
    usable = authorisations_usable_search(principal=request.user, q=q, as_of=as_of)
    page = Paginator(usable, CONSOLE_PER_PAGE).get_page(request.GET.get("page"))
    add_url = None
    if request.user.has_perm("accounts.add_authorisation"):
        try:
            add_url = reverse("admin:accounts_authorisation_add")
        except NoReverseMatch:
            add_url = None
    return render(
        request,
        "reports/console/issue.html",
        {"page": page, "q": q, "as_of": as_of, "add_url": add_url, "role": effective_role(request.user)},
    )


@require_POST
@console_view(can_issue_reports)
def report_issue_submit(request):
    """Issue the authorised report under the posted authorisation."""
    raw_id = (request.POST.get("authorisation_id") or "").strip()
    authorisation = authorisation_get(authorisation_id=int(raw_id)) if raw_id.isdigit() else None
    if authorisation is None:
        raise Http404("未找到该授权")
    try:
        report = report_issue(
            subject=authorisation.subject,
            kind=ReportKind.AUTHORISED,
            as_of=timezone.localdate(),
            actor=request.user,
            authorisation=authorisation,
            request=request,
        )
    except ReportError as exc:
        messages.error(request, exc.message)
        return redirect("reports_console:issue")
    messages.success(request, f"已出具授权版信用报告，报告编号 {report.number}。")
    return redirect("reports_console:detail", number=report.number)


def _visible_report(request, number: str) -> CreditReport:
    report = report_visible_get(user=request.user, number=number)
    if report is None:
        raise Http404("未找到该信用报告，或您无权查看")
    return report


@console_view(can_read_reports)
def report_detail(request, number: str):
    """One issued report as a page (authorised reports: the view is audited)."""
    report = _visible_report(request, number)
    report_read_audit(report=report, actor=request.user, action=AuditAction.VIEW, request=request)
    context = report_display_context(report=report, site_url=site_url_for(request=request))
    return render(request, "reports/console/detail.html", context)


@console_view(can_read_reports)
def report_pdf(request, number: str):
    """One issued report as a PDF download (authorised reports: the download is audited)."""
    report = _visible_report(request, number)
    response = pdf_response(report, site_url=site_url_for(request=request))
    if response.status_code == 200:
        report_read_audit(report=report, actor=request.user, action=AuditAction.EXPORT, request=request)
    return response
