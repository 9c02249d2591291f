"""Writes of the reports app: issuing a credit report, rendering an issued report as HTML or PDF, and
recording and revoking the subjects' authorisations (当事人授权) that authorised reports are issued under.

Issuing takes the snapshot of what the report shows (``reports.content``), gives it a number that is unique
under concurrency (``XYBG`` + issue date + a daily sequence taken with one atomic upsert), a random
verification code and the SHA-256 of the snapshot, stores it and writes the audit log (``report_issue``) in
one transaction. Rendering always works from the stored snapshot, so a report downloaded again shows what it
showed when issued.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, models, router, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from xinyong.accounts.models import (
    ActorKind,
    ApiClient,
    AuditAction,
    AuditOutcome,
    Authorisation,
    AuthorisationScope,
    Department,
    GranteeKind,
    User,
)
from xinyong.accounts.services import ANONYMOUS_ACTOR_NAME, SYSTEM_ACTOR_NAME, ServiceError, audit_log
from xinyong.core.errors import CodedError
from xinyong.reports.content import report_content_build, report_records
from xinyong.reports.models import CreditReport, ReportKind, ReportSequence
from xinyong.reports.pdf import html_to_pdf
from xinyong.reports.permissions import can_use_authorisation
from xinyong.reports.selectors import CODE_ALPHABET, report_content_hash

if TYPE_CHECKING:
    from django.http import HttpRequest

    from xinyong.subjects.models import Subject

NUMBER_PREFIX = "XYBG"
CODE_LENGTH = 8
AUDIT_ACTION = "report_issue"
PUBLIC_PURPOSE = "公开信用报告查询"


class ReportError(CodedError):
    """A report cannot be issued or shown: stable code, zh message, HTTP status for the API."""

    def __init__(self, code: str, message: str, *, status: int = 400) -> None:
        super().__init__(code, message)
        self.status = status


# ---------------------------------------------------------------------------------------------------------
# Numbering


def day_sequence_next(*, day: dt.date, model: type[models.Model] = ReportSequence) -> int:
    """Take the next number of ``day`` in ``model`` (a per-day counter table with ``day`` and ``last``) with
    one atomic upsert, so that concurrent issuers never get the same one."""
    connection = connections[router.db_for_write(model)]
    table = connection.ops.quote_name(model._meta.db_table)
    day_column = connection.ops.quote_name("day")
    last = connection.ops.quote_name("last")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({day_column}, {last}) VALUES (%s, 1) "
            f"ON CONFLICT ({day_column}) DO UPDATE SET {last} = {table}.{last} + 1 "
            f"RETURNING {last}",
            [day.isoformat()],
        )
        return int(cursor.fetchone()[0])


def report_number_next(*, day: dt.date) -> str:
    """The next report number of ``day``: ``XYBG`` + YYYYMMDD + a six-digit daily sequence."""
    return f"{NUMBER_PREFIX}{day:%Y%m%d}{day_sequence_next(day=day):06d}"


def _verification_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


# ---------------------------------------------------------------------------------------------------------
# Issuing


def _issuer_fields(actor: Any) -> dict[str, Any]:
    if isinstance(actor, ApiClient):
        return {
            "issued_by_kind": ActorKind.API_CLIENT,
            "issued_by_api_client": actor,
            "issued_by_department_id": actor.department_id,
            "issued_by_name": actor.name,
        }
    if actor is not None and getattr(actor, "is_authenticated", False):
        return {
            "issued_by_kind": ActorKind.USER,
            "issued_by_user": actor,
            "issued_by_department_id": actor.department_id,
            "issued_by_name": actor.get_username(),
        }
    if actor is None:
        return {"issued_by_kind": ActorKind.SYSTEM, "issued_by_name": SYSTEM_ACTOR_NAME}
    return {"issued_by_kind": ActorKind.ANONYMOUS, "issued_by_name": ANONYMOUS_ACTOR_NAME}


def _authorisation_problem(
    *, actor: Any, subject: Subject, authorisation: Authorisation | None, as_of: dt.date
) -> ReportError | None:
    if authorisation is None:
        return ReportError(
            "authorisation_required", "出具授权版信用报告须有当事人授权：请先登记当事人授权", status=403
        )
    if authorisation.subject_id != subject.pk:
        return ReportError(
            "authorisation_subject_mismatch",
            "该授权不是报告主体作出的授权，不能用于出具本主体的报告",
            status=403,
        )
    if authorisation.revoked_at is not None:
        return ReportError("authorisation_revoked", "该授权已被撤销，不能再出具授权版信用报告", status=403)
    if as_of > authorisation.valid_until:
        return ReportError(
            "authorisation_expired",
            f"该授权已于 {authorisation.valid_until:%Y年%m月%d日} 到期，请当事人重新授权",
            status=403,
        )
    if as_of < authorisation.valid_from:
        return ReportError(
            "authorisation_not_yet_valid",
            f"该授权自 {authorisation.valid_from:%Y年%m月%d日} 起生效，目前尚不能使用",
            status=403,
        )
    if AuthorisationScope.CREDIT_REPORT not in (authorisation.scope or []):
        return ReportError(
            "authorisation_scope_missing", "该授权的授权范围不包括出具信用报告，请当事人重新授权", status=403
        )
    if not can_use_authorisation(actor, authorisation):
        return ReportError(
            "authorisation_grantee_mismatch",
            "您（或本接口客户端）不是该授权的被授权方，或所在角色无权出具授权版信用报告",
            status=403,
        )
    return None


def report_issue(
    *,
    subject: Subject,
    kind: str,
    as_of: dt.date,
    actor: Any,
    authorisation: Authorisation | None = None,
    request: HttpRequest | None = None,
    purpose: str = "",
    now: dt.datetime | None = None,
) -> CreditReport:
    """Issue a public or authorised credit report about ``subject`` as of ``as_of``; raises ReportError."""
    if kind not in (ReportKind.PUBLIC, ReportKind.AUTHORISED):
        raise ReportError("report_kind_unknown", "报告类型应为 public（公开版）或 authorised（授权版）")
    if kind == ReportKind.AUTHORISED:
        problem = _authorisation_problem(
            actor=actor, subject=subject, authorisation=authorisation, as_of=as_of
        )
        if problem is not None:
            audit_log(
                actor=actor,
                action=AUDIT_ACTION,
                obj=subject,
                purpose=purpose or (authorisation.purpose if authorisation is not None else ""),
                outcome=AuditOutcome.DENIED,
                detail={
                    "kind": kind,
                    "reason": problem.code,
                    "authorisation": authorisation.pk if authorisation is not None else None,
                },
                request=request,
            )
            raise problem
        purpose = purpose or authorisation.purpose
    else:
        if authorisation is not None:
            raise ReportError("authorisation_unexpected", "公开版信用报告不需要、也不使用当事人授权")
        purpose = purpose or PUBLIC_PURPOSE

    records = list(report_records(subject=subject, kind=kind, as_of=as_of))
    content, record_count = report_content_build(
        subject=subject, kind=kind, as_of=as_of, authorisation=authorisation, records=records
    )
    issued_at = (now or timezone.now()).replace(microsecond=0)
    with transaction.atomic():
        number = report_number_next(day=timezone.localdate(issued_at))
        content = {
            "number": number,
            "issued_at": timezone.localtime(issued_at).strftime("%Y-%m-%d %H:%M:%S"),
            **content,
        }
        report = CreditReport(
            number=number,
            kind=kind,
            subject=subject,
            as_of=as_of,
            issued_at=issued_at,
            authorisation=authorisation,
            purpose=purpose[:200],
            content=content,
            content_hash=report_content_hash(content=content),
            verification_code=_verification_code(),
            record_count=record_count,
            **_issuer_fields(actor),
        )
        report.save(force_insert=True)
        audit_log(
            actor=actor,
            action=AUDIT_ACTION,
            obj=report,
            purpose=report.purpose,
            detail={
                "number": number,
                "kind": kind,
                "subject": subject.pk,
                "as_of": as_of.isoformat(),
                "records": record_count,
                "content_hash": report.content_hash,
                "authorisation": authorisation.pk if authorisation is not None else None,
            },
            request=request,
        )
    return report


# ---------------------------------------------------------------------------------------------------------
# Rendering


def site_url_for(*, request: HttpRequest | None) -> str:
    """The site's address for links printed on reports: the request's, else setting XINYONG_SITE_URL."""
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return (getattr(settings, "XINYONG_SITE_URL", "") or "").rstrip("/")


def report_verify_url(*, report: CreditReport, site_url: str = "") -> str:
    """The verification page's address with the report's number and code filled in."""
    query = urlencode({"number": report.number, "code": report.verification_code})
    return f"{site_url.rstrip('/')}{reverse('reports:verify')}?{query}"


def report_qr_data_uri(*, url: str) -> str:
    """A QR code of ``url`` as an SVG data URI (works in pages under the CSP and in the PDF)."""
    import segno

    return segno.make(url, error="m").svg_data_uri(scale=4, border=2)


def report_display_context(*, report: CreditReport, site_url: str = "") -> dict[str, Any]:
    """Everything the report templates need: the stored snapshot plus number, code, hash and QR code."""
    verify_url = report_verify_url(report=report, site_url=site_url)
    return {
        "report": report,
        "c": report.content,
        "verify_url": verify_url,
        "qr_data_uri": report_qr_data_uri(url=verify_url),
    }


def report_render_html(*, report: CreditReport, site_url: str = "") -> str:
    """The report as a complete HTML document (the one the PDF is made from)."""
    return render_to_string("reports/document.html", report_display_context(report=report, site_url=site_url))


def report_render_pdf(*, report: CreditReport, site_url: str = "") -> bytes:
    """The report as a PDF with embedded CJK fonts; raises ReportFontsMissing without fonts-noto-cjk."""
    return html_to_pdf(report_render_html(report=report, site_url=site_url))


def report_read_audit(
    *, report: CreditReport, actor, action: str, via: str = "console", request: HttpRequest | None = None
) -> None:
    """Write a reading (view or download, in the console or through the API) of an authorised report to the
    audit log with its purpose; public reports are not audited."""
    if report.kind != ReportKind.AUTHORISED:
        return
    audit_log(
        actor=actor,
        action=action,
        obj=report,
        purpose=report.purpose,
        detail={"number": report.number, "via": via},
        request=request,
    )


# ---------------------------------------------------------------------------------------------------------
# Authorisations (当事人授权): recorded from the subject's signed authorisation, used to issue authorised
# reports; the model is ``accounts.Authorisation``.


def authorisation_create(
    *,
    subject: Subject,
    grantee_kind: str,
    grantee_name: str,
    purpose: str,
    scope: list[str],
    valid_from: dt.date,
    valid_until: dt.date,
    evidence: str,
    grantee_code: str = "",
    grantee_department: Department | None = None,
    actor: Any = None,
    request: HttpRequest | None = None,
) -> Authorisation:
    """Record a subject's authorisation after checking its scope, period and grantee. Raises ServiceError."""
    # The actor is an operator recording a signed authorisation, or the subject's own portal account
    # granting it online (docs/subject-accounts.md): only a console user is kept as ``recorded_by``.
    if grantee_kind == GranteeKind.SELF and not grantee_name.strip():
        grantee_name = subject.name
    authorisation = Authorisation(
        subject=subject,
        grantee_kind=grantee_kind,
        grantee_name=grantee_name.strip(),
        grantee_code=(grantee_code or "").strip().upper(),
        grantee_department=grantee_department,
        purpose=purpose.strip(),
        scope=sorted(set(scope)),
        valid_from=valid_from,
        valid_until=valid_until,
        evidence=evidence.strip(),
        recorded_by=actor if isinstance(actor, User) else None,
    )
    try:
        authorisation.full_clean()
    except ValidationError as exc:
        code = next((e.code for errs in exc.error_dict.values() for e in errs if e.code), None)
        raise ServiceError(code or "authorisation_invalid", "；".join(exc.messages)) from exc
    with transaction.atomic():
        authorisation.save()
        audit_log(
            actor=actor,
            action=AuditAction.CREATE,
            obj=authorisation,
            detail={
                "subject": subject.pk,
                "grantee_kind": grantee_kind,
                "scope": authorisation.scope,
                "valid_from": valid_from.isoformat(),
                "valid_until": valid_until.isoformat(),
            },
            request=request,
        )
    return authorisation


def authorisation_revoke(
    *,
    authorisation: Authorisation,
    reason: str,
    actor: Any = None,
    request: HttpRequest | None = None,
    now: dt.datetime | None = None,
) -> Authorisation:
    """Revoke an authorisation at once (the subject withdrew it); revoking twice keeps the first revocation."""
    # The actor is an operator recording the subject's written withdrawal, or the subject's own portal
    # account withdrawing it online (docs/subject-accounts.md): only a console user is kept as ``revoked_by``.
    if authorisation.revoked_at is not None:
        return authorisation
    if not reason.strip():
        raise ServiceError("revoke_reason_required", "请填写撤销授权的原因")
    authorisation.revoked_at = now or timezone.now()
    authorisation.revoked_by = actor if isinstance(actor, User) else None
    authorisation.revoke_reason = reason.strip()
    with transaction.atomic():
        authorisation.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
        audit_log(
            actor=actor,
            action=AuditAction.REVOKE,
            obj=authorisation,
            detail={"reason": authorisation.revoke_reason},
            request=request,
        )
    return authorisation
