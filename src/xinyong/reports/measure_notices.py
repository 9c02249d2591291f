"""措施实施告知书: the notice telling a subject that a joint-punishment measure was applied to it.

忻州市企业信用行为联合奖惩办法（试行）（忻政办发〔2015〕153号）第十九条: after applying a punishment the body
informs the enterprise of the result. The notice is issued like a credit report: a number (``XYGZ`` + issue
date + a daily sequence taken with one atomic upsert), a random verification code, the SHA-256 of its
snapshot, a PDF with a QR code of its verification address. Its content is built by the caller (the
joint-punishment app) and stored as given; rendering always works from the stored snapshot.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from typing import Any

from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from xinyong.accounts.services import SYSTEM_ACTOR_NAME, audit_log
from xinyong.reports.models import MeasureNotice, MeasureNoticeSequence
from xinyong.reports.pdf import html_to_pdf
from xinyong.reports.selectors import CODE_ALPHABET, report_content_hash
from xinyong.reports.services import day_sequence_next, report_qr_data_uri
from xinyong.subjects.models import Subject

NOTICE_PREFIX = "XYGZ"
CODE_LENGTH = 8
AUDIT_ACTION = "measure_notice_issue"


def measure_notice_issue(
    *,
    subject: Subject,
    content: dict[str, Any],
    source_ref: str,
    actor: Any,
    now: dt.datetime,
    audit: bool = True,
) -> MeasureNotice:
    """Issue a 措施实施告知书 to ``subject`` with ``content`` (a JSON snapshot built by the caller).

    With ``audit=False`` the caller writes the audit entry (one per batch, naming the notices).
    """
    issued_at = now.replace(microsecond=0)
    department = getattr(actor, "department", None)
    with transaction.atomic():
        number = f"{NOTICE_PREFIX}{timezone.localdate(issued_at):%Y%m%d}{day_sequence_next(day=timezone.localdate(issued_at), model=MeasureNoticeSequence):06d}"
        snapshot = {
            "number": number,
            "issued_at": timezone.localtime(issued_at).strftime("%Y-%m-%d %H:%M:%S"),
            **content,
        }
        notice = MeasureNotice(
            number=number,
            subject=subject,
            issued_at=issued_at,
            issued_by_department=department,
            issued_by_name=(actor.get_username() if hasattr(actor, "get_username") else None)
            or getattr(actor, "name", "")
            or SYSTEM_ACTOR_NAME,
            source_ref=source_ref[:64],
            content=snapshot,
            content_hash=report_content_hash(content=snapshot),
            verification_code="".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH)),
        )
        notice.save(force_insert=True)
        if audit:  # bulk callers write one entry for the batch, with the notice numbers
            audit_log(
                actor=actor,
                action=AUDIT_ACTION,
                obj=notice,
                detail={
                    "number": number,
                    "subject": subject.pk,
                    "source": source_ref,
                    "hash": notice.content_hash,
                },
            )
    return notice


def measure_notice_find(*, number: str, code: str) -> MeasureNotice | None:
    """The notice with this number when ``code`` is its verification code (compared in constant time)."""
    number = "".join(str(number or "").split()).upper()
    code = "".join(str(code or "").split()).upper().replace("-", "")
    if not number.startswith(NOTICE_PREFIX) or not code:
        return None
    notice = MeasureNotice.objects.select_related("subject").filter(number=number).first()
    expected = notice.verification_code if notice is not None else "-" * len(code)
    if not hmac.compare_digest(expected.encode(), code.encode()) or notice is None:
        return None
    return notice


def measure_notice_verify_url(*, notice: MeasureNotice, site_url: str = "") -> str:
    """The public address where the notice can be checked (its number and code in the path)."""
    path = reverse("reports:measure_notice", args=[notice.number, notice.verification_code])
    return f"{site_url.rstrip('/')}{path}"


def measure_notice_render_html(*, notice: MeasureNotice, site_url: str = "") -> str:
    """The notice as a complete HTML document (the one the PDF is made from)."""
    verify_url = measure_notice_verify_url(notice=notice, site_url=site_url)
    return render_to_string(
        "reports/measure_notice.html",
        {
            "notice": notice,
            "c": notice.content,
            "verify_url": verify_url,
            "qr_data_uri": report_qr_data_uri(url=verify_url),
            "intact": report_content_hash(content=notice.content) == notice.content_hash,
        },
    )


def measure_notice_render_pdf(*, notice: MeasureNotice, site_url: str = "") -> bytes:
    """The notice as a PDF with embedded CJK fonts; raises ReportFontsMissing without fonts-noto-cjk."""
    return html_to_pdf(measure_notice_render_html(notice=notice, site_url=site_url))
