"""Public pages of credit reports: issue a public report, read it, download its PDF, verify a report.

A public report is reachable by whoever holds its number and verification code (both in the address the
issuing page redirects to); authorised reports are never served here, only in the console. Issuing a report
and rendering a PDF cost a database write and a second of CPU: both are rate-limited per client address at
the public API's rate (``XINYONG_PUBLIC_API_RATE``).
"""

from __future__ import annotations

import math

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from xinyong.core.throttling import DEFAULT_PUBLIC_RATE, SettingRateThrottle
from xinyong.reports.models import CreditReport, ReportKind
from xinyong.reports.pdf import ReportFontsMissing
from xinyong.reports.selectors import report_find, report_verify
from xinyong.reports.services import (
    report_display_context,
    report_issue,
    report_render_pdf,
    site_url_for,
)
from xinyong.subjects.models import Subject


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
    context = report_display_context(report=report, site_url=site_url_for(request))
    return render(request, "reports/detail.html", context)


@require_GET
def pdf(request, number: str, code: str):
    """A public report as a PDF download."""
    if (limited := _too_many(request)) is not None:
        return limited
    report = _public_report(number, code)
    return pdf_response(report, site_url=site_url_for(request))


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
