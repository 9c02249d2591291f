"""API of credit reports, mounted at /api/reports/.

- ``GET /api/reports/verify?number=&code=[&hash=]`` — public (no key), rate-limited: confirms a report and the
  SHA-256 of its content, with the subject's name masked.
- ``POST /api/reports/`` — key with scope ``reports:issue``: issue a public report (``subject_id``) or an
  authorised one (``authorisation_id`` of an authorisation naming the client's department as grantee).
- ``GET /api/reports/{number}`` and ``GET /api/reports/{number}/pdf`` — the same key: a report the client
  issued itself, as JSON (with the snapshot) or as PDF. Downloads of authorised reports are audited.

Errors are ``{"code": ..., "message": ...}`` (``xinyong.core.api``).
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from django.utils import timezone
from ninja import Router, Schema, Status

from xinyong.accounts.api_auth import ApiKeyAuth
from xinyong.accounts.models import AuditAction
from xinyong.core.api import ErrorOut, error
from xinyong.core.throttling import public_throttles
from xinyong.reports.models import CreditReport, ReportKind
from xinyong.reports.pdf import ReportFontsMissing
from xinyong.reports.selectors import authorisation_get, report_of_client_get, report_verify
from xinyong.reports.services import (
    report_issue,
    report_read_audit,
    report_render_pdf,
    report_verify_url,
    site_url_for,
)
from xinyong.subjects.selectors import subject_get

router = Router(tags=["信用报告"])

REPORT_NOT_FOUND = ("report_not_found", "未找到该信用报告：请核对报告编号和验证码")
REPORT_NOT_OWN = ("report_not_found", "未找到该信用报告，或该报告不是本接口客户端出具的")


class VerifyOut(Schema):
    number: str
    kind: str
    kind_label: str
    subject_name: str
    issued_at: str
    as_of: dt.date
    content_hash: str
    intact: bool
    hash_checked: bool
    hash_matches: bool


class IssueIn(Schema):
    kind: str = ReportKind.AUTHORISED
    subject_id: int | None = None
    authorisation_id: int | None = None


class ReportOut(Schema):
    number: str
    kind: str
    kind_label: str
    subject_id: int
    subject_name: str
    as_of: dt.date
    issued_at: str
    verification_code: str
    content_hash: str
    record_count: int
    purpose: str
    verify_url: str
    pdf_url: str


class ReportDetailOut(ReportOut):
    content: dict


def _report_out(request, report: CreditReport) -> dict:
    site_url = site_url_for(request=request)
    return {
        "number": report.number,
        "kind": report.kind,
        "kind_label": report.get_kind_display(),
        "subject_id": report.subject_id,
        # From the snapshot: a natural person's name is masked there in the public version.
        "subject_name": report.content.get("subject", {}).get("name", ""),
        "as_of": report.as_of,
        "issued_at": report.content.get("issued_at", ""),
        "verification_code": report.verification_code,
        "content_hash": report.content_hash,
        "record_count": report.record_count,
        "purpose": report.purpose,
        "verify_url": report_verify_url(report=report, site_url=site_url),
        "pdf_url": f"{site_url}/api/reports/{report.number}/pdf",
    }


@router.get(
    "/verify",
    auth=None,
    throttle=public_throttles(),
    response={200: VerifyOut, 404: ErrorOut},
    summary="核验信用报告（公开，限流）",
)
def verify(request, number: str, code: str, hash: str = ""):
    """Confirm that a report with this number and verification code was issued here, and its content hash."""
    result = report_verify(number=number, code=code, printed_hash=hash)
    if not result.found:
        return error(404, *REPORT_NOT_FOUND)
    report = result.report
    return {
        "number": report.number,
        "kind": report.kind,
        "kind_label": report.get_kind_display(),
        "subject_name": result.subject_name,
        "issued_at": report.content.get("issued_at", ""),
        "as_of": report.as_of,
        "content_hash": report.content_hash,
        "intact": result.intact,
        "hash_checked": result.hash_checked,
        "hash_matches": result.hash_matches,
    }


@router.post(
    "/",
    auth=ApiKeyAuth("reports:issue"),
    response={201: ReportOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="出具信用报告",
)
def issue(request, payload: IssueIn):
    """Issue a public report about ``subject_id``, or an authorised one under ``authorisation_id``."""
    client = request.auth
    if payload.kind not in (ReportKind.PUBLIC, ReportKind.AUTHORISED):
        return error(400, "report_kind_unknown", "报告类型 kind 应为 public（公开版）或 authorised（授权版）")
    authorisation = None
    if payload.kind == ReportKind.AUTHORISED:
        if payload.authorisation_id is None:
            return error(
                400, "authorisation_required", "出具授权版信用报告须提供当事人授权编号 authorisation_id"
            )
        authorisation = authorisation_get(authorisation_id=payload.authorisation_id)
        if authorisation is None:
            return error(404, "authorisation_not_found", "未找到该当事人授权，请核对授权编号")
        subject = authorisation.subject
        if payload.subject_id is not None and payload.subject_id != subject.pk:
            return error(
                400, "authorisation_subject_mismatch", "该授权不是 subject_id 所指主体作出的授权，请核对"
            )
    else:
        if payload.subject_id is None:
            return error(400, "subject_required", "出具公开版信用报告须提供主体编号 subject_id")
        subject = subject_get(subject_id=payload.subject_id)
        if subject is None:
            return error(404, "subject_not_found", "未找到该主体，请核对主体编号")
    report = report_issue(
        subject=subject,
        kind=payload.kind,
        as_of=timezone.localdate(),
        actor=client,
        authorisation=authorisation,
        request=request,
    )
    return Status(201, _report_out(request, report))


@router.get(
    "/{number}",
    auth=ApiKeyAuth("reports:issue"),
    response={200: ReportDetailOut, 404: ErrorOut},
    summary="信用报告内容",
)
def get_report(request, number: str):
    """A report this client issued, with the snapshot of its content."""
    report = report_of_client_get(client=request.auth, number=number)
    if report is None:
        return error(404, *REPORT_NOT_OWN)
    return {**_report_out(request, report), "content": report.content}


@router.get(
    "/{number}/pdf",
    auth=ApiKeyAuth("reports:issue"),
    response={404: ErrorOut, 503: ErrorOut},
    summary="下载信用报告 PDF",
)
def get_report_pdf(request, number: str):
    """A report this client issued, as a PDF (``application/pdf``)."""
    report = report_of_client_get(client=request.auth, number=number)
    if report is None:
        return error(404, *REPORT_NOT_OWN)
    try:
        pdf = report_render_pdf(report=report, site_url=site_url_for(request=request))
    except ReportFontsMissing as exc:
        return error(503, exc.code, exc.message)
    report_read_audit(
        report=report, actor=request.auth, action=AuditAction.EXPORT, via="api", request=request
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="xinyong-report-{report.number}.pdf"'
    return response
