"""Reads of subject accounts: accounts and their linked subjects, link codes, and what a linked subject sees
about itself — its records (every one, whatever its disclosure scope), who looked at its data and why, its
reports and notices, its applications and its authorisations (docs/subject-accounts.md)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When

from xinyong.accounts.models import ActorKind, AuditAction, AuditEntry, Authorisation
from xinyong.catalog.models import CatalogCategory
from xinyong.core.codes import SubjectKind
from xinyong.core.identifiers import check_ric, normalize_code_input
from xinyong.dueprocess.commitments.models import Commitment
from xinyong.dueprocess.objections.models import Objection
from xinyong.dueprocess.repairs.models import RepairApplication
from xinyong.dueprocess.subject_accounts.models import LinkCode, SubjectAccount, SubjectLink
from xinyong.records.models import CreditRecord, CreditRecordVersion
from xinyong.reports.case_notices import CASE_NOTICE_KINDS
from xinyong.reports.models import CreditReport, MeasureNotice
from xinyong.subjects.models import Subject
from xinyong.subjects.selectors import ric_lookup_hash

# Audit actions that read a subject's data: views, queries, exports, and issuing a report on it.
VIEW_ACTIONS = (AuditAction.VIEW, AuditAction.QUERY, AuditAction.EXPORT, "report_issue")

# How the viewers page names a reader without a department (never a user name).
PLATFORM_READER = "信用信息平台管理机构"
SYSTEM_READER = "平台系统（自动处理）"
PUBLIC_READER = "社会公众（公开查询）"


def account_by_login_name(*, login_name: str) -> SubjectAccount | None:
    """The account with this (normalised) login name, or None."""
    return SubjectAccount.objects.filter(login_name=login_name).first()


def account_links(*, account: SubjectAccount) -> QuerySet[SubjectLink]:
    """The account's active links with their subjects, oldest first."""
    return (
        SubjectLink.objects.filter(account=account, revoked_at__isnull=True)
        .select_related("subject")
        .order_by("verified_at", "pk")
    )


def account_subject_get(*, account: SubjectAccount, subject_id: int) -> Subject | None:
    """The subject if the account is linked to it (an active link), else None: the pages answer 404."""
    link = account_links(account=account).filter(subject_id=subject_id).first()
    return link.subject if link is not None else None


def subject_by_code(*, code: str) -> Subject | None:
    """The subject whose USCC, or (for a natural person) whose 身份证 number, is ``code``; else None."""
    text = normalize_code_input(code)
    if not text:
        return None
    if check_ric(text).ok:
        digest = ric_lookup_hash(value=text)
        person = Subject.objects.filter(ric_hmac=digest, kind=SubjectKind.NATURAL_PERSON).first()
        if person is not None:
            return person
    return Subject.objects.filter(uscc=text).first()


def link_codes_recent(*, limit: int = 50) -> list[LinkCode]:
    """The last issued link codes with their subject, issuer and user (never the code itself)."""
    return list(
        LinkCode.objects.select_related("subject", "issued_by", "used_by").order_by("-issued_at")[:limit]
    )


def link_attempts_failed(*, account: SubjectAccount, since: dt.datetime) -> int:
    """Failed link attempts of the account since ``since`` (counted in the audit log)."""
    return AuditEntry.objects.filter(
        action="subject_link",
        outcome="denied",
        actor_kind=ActorKind.SUBJECT_ACCOUNT,
        actor_name=account.audit_subject_account_name,
        created_at__gte=since,
    ).count()


def _category_order() -> Case:
    whens = [When(item__category=value, then=Value(i)) for i, value in enumerate(CatalogCategory.values)]
    return Case(*whens, default=Value(len(whens)), output_field=IntegerField())


def subject_own_records(*, subject: Subject) -> QuerySet[CreditRecord]:
    """Every record of the subject (public, shared, authorised-only and undisclosed alike), grouped by catalog
    category, newest first; with what the page shows of each preloaded."""
    return (
        CreditRecord.objects.filter(subject=subject)
        .annotate(category_order=_category_order())
        .order_by("category_order", "-decision_date", "-id")
    )


def subject_records_detailed(*, records: QuerySet[CreditRecord]) -> QuerySet[CreditRecord]:
    """The records with their item, department and versions loaded for display."""
    return records.select_related("item", "department", "current_version").prefetch_related(
        Prefetch(
            "versions",
            queryset=CreditRecordVersion.objects.select_related("item_version", "uploader", "api_client"),
        )
    )


@dataclass(frozen=True)
class Viewer:
    at: dt.datetime
    reader: str
    action_label: str
    target: str
    purpose: str
    outcome_label: str


def subject_view_entries(*, subject: Subject) -> QuerySet[AuditEntry]:
    """Audit entries of others reading the subject's data (the subject, its records, its reports), newest
    first; the subject's own accounts are left out."""
    record_ids = [str(pk) for pk in CreditRecord.objects.filter(subject=subject).values_list("pk", flat=True)]
    report_ids = [str(pk) for pk in CreditReport.objects.filter(subject=subject).values_list("pk", flat=True)]
    on_data = Q(object_type=Subject._meta.label_lower, object_id=str(subject.pk))
    if record_ids:
        on_data |= Q(object_type=CreditRecord._meta.label_lower, object_id__in=record_ids)
    if report_ids:
        on_data |= Q(object_type=CreditReport._meta.label_lower, object_id__in=report_ids)
    return (
        AuditEntry.objects.filter(on_data, action__in=VIEW_ACTIONS)
        .exclude(actor_kind=ActorKind.SUBJECT_ACCOUNT)
        .select_related("actor_department")
        .order_by("-seq")
    )


_ACTION_LABELS = {
    AuditAction.VIEW: "查看",
    AuditAction.QUERY: "查询",
    AuditAction.EXPORT: "导出",
    "report_issue": "出具信用报告",
}


def viewer_present(*, entry: AuditEntry) -> Viewer:
    """One line of the viewers page: who by department (never a person's name), what, why."""
    if entry.actor_department_id:
        reader = entry.actor_department.name
    elif entry.actor_kind == ActorKind.USER:
        reader = PLATFORM_READER
    elif entry.actor_kind == ActorKind.SYSTEM:
        reader = SYSTEM_READER
    else:
        reader = PUBLIC_READER
    if entry.object_type == CreditRecord._meta.label_lower:
        target = f"信用记录（编号 {entry.object_id}）"
    elif entry.object_type == CreditReport._meta.label_lower:
        target = "信用报告"
    else:
        target = "主体信用信息"
    return Viewer(
        at=entry.created_at,
        reader=reader,
        action_label=_ACTION_LABELS.get(entry.action, entry.action),
        target=target,
        purpose=entry.purpose or "未说明",
        outcome_label=entry.get_outcome_display(),
    )


def subject_reports(*, subject: Subject) -> QuerySet[CreditReport]:
    """Reports and due-process notices issued about the subject, newest first."""
    return (
        CreditReport.objects.filter(subject=subject)
        .select_related("issued_by_department")
        .order_by("-issued_at")
    )


def account_case_notice(*, account: SubjectAccount, number: str) -> CreditReport | None:
    """A due-process notice (异议处理决定告知书, 信用修复决定书 …) about a subject linked to the account."""
    linked = SubjectLink.objects.filter(account=account, revoked_at__isnull=True).values("subject_id")
    return (
        CreditReport.objects.filter(number=number, kind__in=CASE_NOTICE_KINDS, subject_id__in=linked)
        .select_related("subject")
        .first()
    )


def subject_measure_notices(*, subject: Subject) -> QuerySet[MeasureNotice]:
    """Notices of measures applied to the subject, newest first."""
    return (
        MeasureNotice.objects.filter(subject=subject)
        .select_related("issued_by_department")
        .order_by("-issued_at")
    )


@dataclass(frozen=True)
class Applications:
    objections: list[Objection]
    repairs: list[RepairApplication]
    commitments: list[Commitment]


def subject_applications(*, subject: Subject) -> Applications:
    """The subject's objections, repair applications and commitments, newest first."""
    return Applications(
        objections=list(Objection.objects.filter(subject=subject).select_related("record__item")),
        repairs=list(RepairApplication.objects.filter(subject=subject).select_related("record__item")),
        commitments=list(Commitment.objects.filter(subject=subject)),
    )


def subject_authorisations(*, subject: Subject) -> QuerySet[Authorisation]:
    """The subject's authorisations (当事人授权), newest first."""
    return Authorisation.objects.filter(subject=subject).select_related("grantee_department")


def subject_authorisation_get(*, subject: Subject, authorisation_id: int) -> Authorisation | None:
    """One of the subject's authorisations, or None (another subject's authorisation is not found)."""
    return subject_authorisations(subject=subject).filter(pk=authorisation_id).first()
