"""Public pages of 措施实施告知书: the notice and its PDF, opened with its number and verification code."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from xinyong.reports.measure_notices import (
    measure_notice_find,
    measure_notice_render_pdf,
)
from xinyong.reports.models import MeasureNotice
from xinyong.reports.pdf import ReportFontsMissing
from xinyong.reports.selectors import report_content_hash
from xinyong.reports.services import report_qr_data_uri, site_url_for
from xinyong.reports.views import _too_many


def _notice(number: str, code: str) -> MeasureNotice:
    notice = measure_notice_find(number=number, code=code)
    if notice is None:
        raise Http404("未找到该告知书，请核对编号和验证码")
    return notice


@require_GET
def measure_notice(request, number: str, code: str):
    """The notice as a web page (the verification page of its QR code), with its PDF download."""
    notice = _notice(number, code)
    verify_url = request.build_absolute_uri()
    context = {
        "notice": notice,
        "c": notice.content,
        "verify_url": verify_url,
        "qr_data_uri": report_qr_data_uri(url=verify_url),
        "intact": report_content_hash(content=notice.content) == notice.content_hash,
    }
    return render(request, "reports/measure_notice_page.html", context)


def measure_notice_pdf_response(notice: MeasureNotice, *, site_url: str) -> HttpResponse:
    """The notice's PDF as a download named after its number (503 with the reason when fonts are missing)."""
    try:
        pdf = measure_notice_render_pdf(notice=notice, site_url=site_url)
    except ReportFontsMissing as exc:
        return HttpResponse(exc.message, status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="xinyong-notice-{notice.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def measure_notice_pdf(request, number: str, code: str):
    """The notice as a PDF download."""
    if (limited := _too_many(request)) is not None:
        return limited
    return measure_notice_pdf_response(_notice(number, code), site_url=site_url_for(request=request))
