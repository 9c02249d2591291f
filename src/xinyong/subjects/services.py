"""Writes on the subject registry besides resolution: linked persons, reviews, the reveal of an ID, confirmed codes.

Subjects are registered and found by ``subjects.bulk.subjects_resolve_bulk`` (the only path that resolves the
subject of a record: files, API submissions and form entries alike).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from xinyong.accounts.models import AuditAction
from xinyong.accounts.permissions import has_role, is_platform_wide
from xinyong.accounts.services import audit_log
from xinyong.core.errors import CodedError
from xinyong.core.identifiers import (
    USCC_CONFIRMED_BY_OPERATOR,
    IdIssue,
    check_ric,
    check_uscc,
    normalize_code_input,
)
from xinyong.core.masking import mask_ric
from xinyong.subjects import crypto
from xinyong.subjects.models import (
    ConfirmationSource,
    ConfirmedCode,
    LinkedPerson,
    LinkedRole,
    ReviewStatus,
    Subject,
    SubjectReview,
)


class SubjectError(CodedError):
    """A subject's data cannot be written (a linked person's role, name or ID); ``issues`` say why and how
    to fix it (``code`` and ``message`` sum them up: the first issue's code, every message)."""

    def __init__(self, issues: list[IdIssue]) -> None:
        self.issues = list(issues)
        code = self.issues[0].code if self.issues else "subject_invalid"
        # Each message is a sentence of its own: joined with "；", ended once (never "。；").
        parts = [issue.message.rstrip("。；;") for issue in self.issues]
        super().__init__(code, "；".join(p for p in parts if p) + "。" if any(parts) else "")


@transaction.atomic
def linked_person_add(
    *,
    subject: Subject,
    role: str,
    name: str,
    ric: str | None = None,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    source: str = "",
    actor=None,
    as_of: dt.date | None = None,
) -> LinkedPerson:
    """Record a linked person (法定代表人 …) of a subject; the same person in the same role is kept once."""
    if role not in LinkedRole.values:
        raise SubjectError(
            [IdIssue("linked_role_invalid", "关联人员身份应为：法定代表人、主要负责人或负责人")]
        )
    name = (name or "").strip()
    if not name:
        raise SubjectError([IdIssue("linked_person_name_required", "关联人员姓名不能为空")])
    values: dict = {}
    if ric:
        result = check_ric(ric, as_of=as_of)
        if not result.ok:
            raise SubjectError(result.errors)
        values = {
            "ric_encrypted": crypto.encrypt(result.normalized),
            "ric_hmac": crypto.ric_hmac(result.normalized),
            "ric_masked": mask_ric(result.normalized),
        }
    existing = LinkedPerson.objects.filter(
        subject=subject, role=role, name=name, ric_hmac=values.get("ric_hmac", "")
    ).first()
    if existing is not None:
        return existing
    person = LinkedPerson.objects.create(
        subject=subject,
        role=role,
        name=name,
        valid_from=valid_from,
        valid_to=valid_to,
        source=source,
        **values,
    )
    audit_log(actor=actor, action="create", obj=person, detail={"subject_id": subject.pk, "role": role})
    return person


def subject_reveal_ric(*, subject: Subject, actor, purpose: str) -> str:
    """Decrypt a natural person's full ID number for a platform-wide role, leaving an audit entry."""
    if not subject.ric_encrypted:
        return ""
    if not is_platform_wide(actor):
        audit_log(
            actor=actor,
            action="view",
            obj=subject,
            purpose=purpose,
            outcome="denied",
            detail={"field": "ric"},
        )
        raise PermissionDenied("只有平台管理员和审计员可以查看完整身份证号码")
    value = crypto.decrypt(subject.ric_encrypted)
    audit_log(actor=actor, action="view", obj=subject, purpose=purpose, detail={"field": "ric"})
    return value


def subjects_query_audit(*, actor, persons: list[Subject], by: str, purpose: str, request=None) -> None:
    """Write an API lookup that found natural persons (or searched by 身份证 number) to the audit log: whom it
    found, never the searched number itself."""
    audit_log(
        actor=actor,
        action="query",
        obj=persons[0] if len(persons) == 1 else Subject,
        purpose=purpose,
        detail={"via": "api", "by": by, "subject_ids": [s.pk for s in persons]},
        request=request,
    )


def subject_view_audit(*, subject: Subject, actor, purpose: str, request=None) -> None:
    """Write an API reading of a natural person's details to the audit log with its purpose."""
    audit_log(
        actor=actor, action="view", obj=subject, purpose=purpose, detail={"via": "api"}, request=request
    )


@transaction.atomic
def subject_review_resolve(*, review: SubjectReview, actor, note: str) -> SubjectReview:
    """Close a review flag with the operator's note."""
    if not has_role(actor, "operator"):
        raise PermissionDenied("只有平台管理员可以处理主体核查")
    if review.status == ReviewStatus.RESOLVED:
        return review
    review.status = ReviewStatus.RESOLVED
    review.resolved_by = actor
    review.resolved_at = timezone.now()
    review.note = note
    review.save(update_fields=["status", "resolved_by", "resolved_at", "note"])
    audit_log(
        actor=actor, action="update", obj=review, detail={"status": ReviewStatus.RESOLVED, "note": note}
    )
    return review


# ---------------------------------------------------------------------------------------------------
# Confirmed codes (docs/identifiers.md): USCCs whose check character is wrong but which are real

CONFIRMED_CODE_REASON_MAX = 1000


class ConfirmedCodeError(CodedError):
    """A confirmation or revocation that cannot be made; the message says why and what to do."""


def _may_confirm(actor) -> bool:
    # None is the command line on the server (``xinyong identifiers``), recorded as the system.
    return actor is None or has_role(actor, "operator") or bool(getattr(actor, "is_superuser", False))


def _reason(reason: str, *, code: str, what: str) -> str:
    text = " ".join((reason or "").split())
    if not text:
        raise ConfirmedCodeError(code, f"请填写{what}理由，如“已核对登记证书原件，证书编号……”")
    if len(text) > CONFIRMED_CODE_REASON_MAX:
        raise ConfirmedCodeError(code, f"{what}理由最多 {CONFIRMED_CODE_REASON_MAX} 个字，请精简")
    return text


def confirmed_code_check(*, uscc: str) -> str:
    """The normalised code, if it is well formed and only its check character is wrong; else
    ConfirmedCodeError (for forms that check before they confirm)."""
    result = check_uscc(uscc, confirmed=lambda code: USCC_CONFIRMED_BY_OPERATOR)
    if result.errors:
        raise ConfirmedCodeError(result.errors[0].code, result.errors[0].message)
    if not result.has("uscc_check_digit_confirmed"):
        raise ConfirmedCodeError(
            "confirmed_code_not_needed",
            f"统一社会信用代码 {result.normalized} 的校验码正确，平台直接接收，无需确认。",
        )
    return result.normalized


@transaction.atomic
def confirmed_code_add(*, uscc: str, reason: str, actor, at: dt.datetime | None = None) -> ConfirmedCode:
    """Confirm a USCC whose check character is wrong, after checking its registration certificate; audited."""
    if not _may_confirm(actor):
        raise PermissionDenied("只有平台管理员可以确认统一社会信用代码")
    code = confirmed_code_check(uscc=uscc)
    text = _reason(reason, code="confirmed_code_reason_required", what="确认")
    if ConfirmedCode.objects.select_for_update().filter(uscc=code, revoked_at__isnull=True).exists():
        raise ConfirmedCodeError("confirmed_code_exists", f"统一社会信用代码 {code} 已确认，无需重复确认。")
    try:
        with transaction.atomic():
            confirmation = ConfirmedCode.objects.create(
                uscc=code,
                source=ConfirmationSource.OPERATOR,
                reason=text,
                confirmed_by=actor,
                confirmed_at=at or timezone.now(),
            )
    except IntegrityError as exc:  # confirmed at the same moment by someone else
        raise ConfirmedCodeError(
            "confirmed_code_exists", f"统一社会信用代码 {code} 已确认，无需重复确认。"
        ) from exc
    audit_log(
        actor=actor,
        action=AuditAction.CREATE,
        obj=confirmation,
        detail={"uscc": code, "source": ConfirmationSource.OPERATOR, "reason": text},
        at=confirmation.confirmed_at,
    )
    return confirmation


@transaction.atomic
def confirmed_code_revoke(*, uscc: str, reason: str, actor, at: dt.datetime | None = None) -> ConfirmedCode:
    """Revoke the active confirmation of a code: from now on it is rejected again; audited."""
    if not _may_confirm(actor):
        raise PermissionDenied("只有平台管理员可以撤销统一社会信用代码的确认")
    code = normalize_code_input(uscc)
    text = _reason(reason, code="confirmed_code_reason_required", what="撤销")
    confirmation = (
        ConfirmedCode.objects.select_for_update().filter(uscc=code, revoked_at__isnull=True).first()
    )
    if confirmation is None:
        raise ConfirmedCodeError(
            "confirmed_code_unknown", f"统一社会信用代码 {code} 没有生效中的确认，请核对代码。"
        )
    confirmation.revoked_at = at or timezone.now()
    confirmation.revoked_by = actor
    confirmation.revoke_reason = text
    confirmation.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    audit_log(
        actor=actor,
        action=AuditAction.REVOKE,
        obj=confirmation,
        detail={"uscc": code, "reason": text},
        at=confirmation.revoked_at,
    )
    return confirmation


def confirmed_codes_record_registered(*, codes: Iterable[str], department, origin: str, actor) -> int:
    """Remember the codes a registration authority reported in 登记注册 records (accepted for every item
    from then on); one audit entry for the call. Returns how many were new."""
    wanted = sorted({normalize_code_input(c) for c in codes} - {""})
    if not wanted:
        return 0
    known = set(
        ConfirmedCode.objects.filter(uscc__in=wanted, revoked_at__isnull=True).values_list("uscc", flat=True)
    )
    now = timezone.now()
    reason = f"登记机关“{department.name}”在登记注册信息中报送了该代码"
    new = [
        ConfirmedCode(
            uscc=code,
            source=ConfirmationSource.REGISTRATION,
            reason=reason,
            department=department,
            origin=origin[:200],
            confirmed_at=now,
        )
        for code in wanted
        if code not in known
    ]
    if not new:
        return 0
    with transaction.atomic():
        # A code confirmed meanwhile by an operator keeps that confirmation.
        ConfirmedCode.objects.bulk_create(new, ignore_conflicts=True)
        audit_log(
            actor=actor,
            action=AuditAction.CREATE,
            obj=ConfirmedCode,
            detail={
                "source": ConfirmationSource.REGISTRATION,
                "department": department.code,
                "origin": origin,
                "uscc": [c.uscc for c in new],
            },
        )
    return len(new)
