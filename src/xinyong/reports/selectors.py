"""Reads on credit reports: finding and verifying a report, the console's lists, usable authorisations."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from xinyong.accounts.models import ApiClient, Authorisation, AuthorisationScope, GranteeKind, Role
from xinyong.accounts.permissions import effective_role
from xinyong.core.codes import SubjectKind
from xinyong.core.identifiers import normalize_code_input
from xinyong.core.masking import MASK_CHAR, mask_name
from xinyong.reports.models import CreditReport, ReportKind
from xinyong.reports.permissions import PLATFORM_WIDE_READ_ROLES

NUMBER_RE = re.compile(r"^XYBG\d{14,}$")
# Verification codes avoid 0/O, 1/I/L: they are typed from paper.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def _content_canonical(content: Any) -> bytes:
    """The canonical byte form of a report snapshot: sorted keys, no spaces, UTF-8."""
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def report_content_hash(*, content: Any) -> str:
    """SHA-256 (hex) of the canonical form of a report snapshot."""
    return hashlib.sha256(_content_canonical(content)).hexdigest()


def _normalize_number(value: str) -> str:
    """A report number as typed: spaces removed, upper case, full-width characters folded."""
    return "".join(unicodedata.normalize("NFKC", str(value or "")).split()).upper()


def _normalize_code(value: str) -> str:
    """A verification code as typed: spaces and hyphens removed, upper case, full-width folded."""
    return _normalize_number(value).replace("-", "")


def report_find(*, number: str, code: str) -> CreditReport | None:
    """The report with this number when ``code`` is its verification code (compared in constant time)."""
    number, code = _normalize_number(number), _normalize_code(code)
    if not NUMBER_RE.match(number) or not code:
        return None
    report = CreditReport.objects.select_related("subject").filter(number=number).first()
    expected = report.verification_code if report is not None else "-" * len(code)
    if not hmac.compare_digest(expected.encode(), code.encode()) or report is None:
        return None
    return report


def report_intact(*, report: CreditReport) -> bool:
    """True when the stored snapshot still hashes to the hash recorded (and printed) at issue time."""
    return hmac.compare_digest(report_content_hash(content=report.content), report.content_hash)


def _masked_subject_name(subject) -> str:
    """The subject's name as the verification page shows it: a person's masked, an organisation's partly."""
    name = "".join(str(subject.name).split())
    if subject.kind == SubjectKind.NATURAL_PERSON:
        return mask_name(name)
    if len(name) <= 4:
        return name[:1] + MASK_CHAR * (len(name) - 1)
    keep_head, keep_tail = 2, min(4, len(name) - 4)
    return name[:keep_head] + MASK_CHAR * (len(name) - keep_head - keep_tail) + name[len(name) - keep_tail :]


@dataclass(frozen=True)
class Verification:
    """The outcome of checking a report number and code (and, optionally, the hash printed on a copy)."""

    found: bool
    report: CreditReport | None = None
    intact: bool = False
    hash_checked: bool = False
    hash_matches: bool = False
    subject_name: str = ""

    @property
    def ok(self) -> bool:
        return self.found and self.intact and (self.hash_matches or not self.hash_checked)


def report_verify(*, number: str, code: str, printed_hash: str = "") -> Verification:
    """Check a report: it exists with this code, its stored snapshot is unchanged, and the printed hash matches."""
    report = report_find(number=number, code=code)
    if report is None:
        return Verification(found=False)
    printed = "".join(str(printed_hash or "").split()).lower()
    return Verification(
        found=True,
        report=report,
        intact=report_intact(report=report),
        hash_checked=bool(printed),
        hash_matches=bool(printed) and hmac.compare_digest(printed.encode(), report.content_hash.encode()),
        subject_name=_masked_subject_name(report.subject),
    )


def reports_visible_to(*, user) -> QuerySet[CreditReport]:
    """Reports a console user may read: operators and auditors all, window clerks their department's."""
    reports = CreditReport.objects.select_related("subject", "authorisation", "issued_by_department")
    role = effective_role(user)
    if role in PLATFORM_WIDE_READ_ROLES:
        return reports
    if role == Role.WINDOW_CLERK:
        visible = Q(issued_by_user=user)
        if user.department_id is not None:
            visible |= Q(issued_by_department_id=user.department_id)
        return reports.filter(visible)
    return reports.none()


def reports_of_client(*, client: ApiClient) -> QuerySet[CreditReport]:
    """Reports an API client issued itself (the only ones it may fetch again)."""
    return CreditReport.objects.select_related("subject").filter(issued_by_api_client=client)


def report_of_client_get(*, client: ApiClient, number: str) -> CreditReport | None:
    """The report with this number (any case, surrounding blanks ignored) if the API client issued it."""
    return reports_of_client(client=client).filter(number=number.strip().upper()).first()


def authorisations_usable_by(*, principal, as_of: dt.date) -> QuerySet[Authorisation]:
    """Authorisations in force on ``as_of`` covering credit reports that ``principal`` may use (the rule of
    ``reports.permissions.can_use_authorisation``, as a query)."""
    usable = Authorisation.objects.select_related("subject", "grantee_department").filter(
        revoked_at__isnull=True,
        valid_from__lte=as_of,
        valid_until__gte=as_of,
        # Matches the quoted scope inside the JSON list (works on SQLite and PostgreSQL).
        scope__icontains=f'"{AuthorisationScope.CREDIT_REPORT}"',
    )
    if isinstance(principal, ApiClient):
        return usable.filter(
            grantee_kind=GranteeKind.DEPARTMENT, grantee_department_id=principal.department_id
        )
    role = effective_role(principal)
    if role == Role.OPERATOR:
        return usable
    if role == Role.WINDOW_CLERK:
        own = Q(grantee_kind=GranteeKind.SELF)
        if principal.department_id is not None:
            own |= Q(grantee_department_id=principal.department_id)
        return usable.filter(own)
    return usable.none()


def _matching(queryset: QuerySet, q: str, *, by_number: bool) -> QuerySet:
    """Rows whose subject's name contains ``q`` or whose subject USCC (or report number) is ``q`` as typed."""
    q = q.strip()
    if not q:
        return queryset
    code = normalize_code_input(q)
    condition = Q(subject__name__icontains=q) | Q(subject__uscc=code)
    if by_number:
        condition |= Q(number=code)
    return queryset.filter(condition)


def reports_search(*, user, q: str, kind: str) -> QuerySet[CreditReport]:
    """Reports the user may read matching ``q`` (number, subject name or USCC) and ``kind``, newest first."""
    reports = _matching(reports_visible_to(user=user), q, by_number=True)
    if kind in ReportKind.values:
        reports = reports.filter(kind=kind)
    return reports.order_by("-issued_at", "-id")


def authorisations_usable_search(*, principal, q: str, as_of: dt.date) -> QuerySet[Authorisation]:
    """Authorisations ``principal`` may use on ``as_of`` whose subject matches ``q``, newest first."""
    usable = _matching(authorisations_usable_by(principal=principal, as_of=as_of), q, by_number=False)
    return usable.order_by("-recorded_at", "-id")


def report_visible_get(*, user, number: str) -> CreditReport | None:
    """The report with this number if the console user may read it."""
    return reports_visible_to(user=user).filter(number=number).first()


def authorisation_get(*, authorisation_id: int) -> Authorisation | None:
    """The recorded authorisation (with its subject), or ``None``."""
    return Authorisation.objects.select_related("subject").filter(pk=authorisation_id).first()
