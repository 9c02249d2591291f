"""Writes on the subject registry: resolving the subject of a record, aliases, linked persons, reviews."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from xinyong.accounts.models import AuditAction
from xinyong.accounts.permissions import has_role, is_platform_wide
from xinyong.accounts.services import audit_log
from xinyong.core.codes import SubjectKind
from xinyong.core.errors import CodedError
from xinyong.core.identifiers import (
    USCC_CONFIRMED_BY_OPERATOR,
    USCC_NO_CODE,
    IdIssue,
    UsccConfirmation,
    UsccResult,
    check_org_code,
    check_ric,
    check_uscc,
    normalize_code_input,
)
from xinyong.core.masking import mask_ric
from xinyong.subjects import crypto
from xinyong.subjects.models import (
    AliasKind,
    ConfirmationSource,
    ConfirmedCode,
    LinkedPerson,
    LinkedRole,
    OrganisationType,
    ReviewStatus,
    Subject,
    SubjectAlias,
    SubjectReview,
)
from xinyong.subjects.names import normalize_name
from xinyong.subjects.search import subject_search_index
from xinyong.subjects.selectors import uscc_confirmation

LEGACY_CODE_KINDS = (
    AliasKind.REG_NO,
    AliasKind.ORG_CODE,
    AliasKind.TAX_NO,
    AliasKind.PUBLIC_INSTITUTION_CERT,
    AliasKind.SOCIAL_ORG_CERT,
)

# USCC positions 1–2 → organisation subtype. Pairs not listed (外交, 司法行政, 军队 …) stay "other".
_ORG_TYPE_BY_CATEGORY = {
    "11": OrganisationType.GOVERNMENT_BODY,
    "12": OrganisationType.PUBLIC_INSTITUTION,
    "13": OrganisationType.SOCIAL_ORGANISATION,
    "51": OrganisationType.SOCIAL_ORGANISATION,
    "52": OrganisationType.SOCIAL_ORGANISATION,
    "53": OrganisationType.SOCIAL_ORGANISATION,
    "59": OrganisationType.SOCIAL_ORGANISATION,
    "81": OrganisationType.SOCIAL_ORGANISATION,
    "91": OrganisationType.ENTERPRISE,
}


class SubjectError(CodedError):
    """The subject of a record cannot be resolved; ``issues`` say why and how to fix it (``code`` and
    ``message`` sum them up: the first issue's code, every message)."""

    def __init__(self, issues: list[IdIssue]) -> None:
        self.issues = list(issues)
        code = self.issues[0].code if self.issues else "subject_invalid"
        # Each message is a sentence of its own: joined with "；", ended once (never "。；").
        parts = [issue.message.rstrip("。；;") for issue in self.issues]
        super().__init__(code, "；".join(p for p in parts if p) + "。" if any(parts) else "")


@dataclass(frozen=True)
class SubjectResolution:
    subject: Subject
    created: bool
    warnings: list[IdIssue] = field(default_factory=list)
    review_flag: SubjectReview | None = None


def _organisation_category(result: UsccResult, kind: str) -> dict[str, str]:
    """Category code, its zh name and the organisation subtype of a checked USCC."""
    category = result.category or ""
    name = result.category_name or ""
    org_type = ""
    if kind == SubjectKind.ORGANISATION and name:
        # A known category outside the mapped pairs (外交, 司法行政, 军队 …) is "other"; an unknown one stays blank.
        org_type = _ORG_TYPE_BY_CATEGORY.get(category, OrganisationType.OTHER)
    return {"uscc_category": category, "uscc_category_name": name, "org_type": org_type}


def _create_subject(**values) -> tuple[Subject, bool]:
    """Create a subject; if a concurrent upload created the same key first, return that one."""
    try:
        with transaction.atomic():
            return Subject.objects.create(**values), True
    except IntegrityError:
        if values.get("uscc"):
            return Subject.objects.get(uscc=values["uscc"]), False
        if values.get("ric_hmac"):
            return Subject.objects.get(ric_hmac=values["ric_hmac"]), False
        raise


def _add_alias(*, subject: Subject, kind: str, value: str, normalized: str, source: str, actor) -> bool:
    """Attach an alias unless the subject already has it; True when added."""
    if SubjectAlias.objects.filter(subject=subject, kind=kind, value_normalized=normalized).exists():
        return False
    try:
        with transaction.atomic():
            alias = SubjectAlias.objects.create(
                subject=subject, kind=kind, value=value, value_normalized=normalized, source=source
            )
    except IntegrityError:
        return False
    audit_log(
        actor=actor,
        action="create",
        obj=alias,
        detail={"subject_id": subject.pk, "kind": kind, "source": source},
    )
    return True


def _normalize_legacy_codes(legacy_codes: dict[str, str] | None, warnings: list[IdIssue]) -> dict[str, str]:
    """Normalised legacy codes by alias kind; an unusable 组织机构代码 becomes a warning, not a rejection."""
    codes: dict[str, str] = {}
    for kind, raw in (legacy_codes or {}).items():
        if kind not in LEGACY_CODE_KINDS:
            raise ValueError(f"unknown legacy code kind {kind!r}")
        value = normalize_code_input(raw or "")
        if not value:
            continue
        if kind == AliasKind.ORG_CODE:
            result = check_org_code(value)
            if not result.ok:
                warnings.extend(
                    IdIssue(issue.code, f"组织机构代码未登记为别名：{issue.message}")
                    for issue in result.errors
                )
                continue
            value = result.normalized or value
        codes[kind] = value
    return codes


def _flag_name_conflicts(
    *, subject: Subject, name_normalized: str, source: str, actor, warnings: list[IdIssue]
) -> SubjectReview | None:
    """Flag for review every other known organisation whose (former) name equals this one."""
    if subject.kind == SubjectKind.NATURAL_PERSON or not name_normalized:
        # Many people share a name; a person's identity rests on the ID number alone.
        return None
    others = (
        Subject.objects.exclude(pk=subject.pk)
        .exclude(kind=SubjectKind.NATURAL_PERSON)
        .filter(
            Q(name_normalized=name_normalized)
            | Q(aliases__kind=AliasKind.FORMER_NAME, aliases__value_normalized=name_normalized)
        )
        .distinct()
        .order_by("pk")[:5]
    )
    flag = None
    for other in others:
        existing = SubjectReview.objects.filter(
            Q(subject=subject, conflicting_subject=other) | Q(subject=other, conflicting_subject=subject),
            code="subject_code_conflict",
        ).first()
        if existing is not None and existing.status == ReviewStatus.RESOLVED:
            # An operator already decided about this pair.
            continue
        message = (
            f"主体「{subject.name}」（{subject.display_code or '无代码'}）与已登记主体「{other.name}」"
            f"（{other.display_code or '无代码'}）名称相同但代码不同，已提交平台管理员核查；"
            "如代码填写有误，请更正后重新报送"
        )
        if existing is None:
            try:
                with transaction.atomic():
                    existing = SubjectReview.objects.create(
                        subject=subject,
                        conflicting_subject=other,
                        code="subject_code_conflict",
                        message=message,
                        source=source,
                    )
            except IntegrityError:
                existing = SubjectReview.objects.get(
                    subject=subject, conflicting_subject=other, code="subject_code_conflict"
                )
            else:
                audit_log(
                    actor=actor,
                    action="create",
                    obj=existing,
                    detail={"code": "subject_code_conflict", "conflicting_subject_id": other.pk},
                )
        warnings.append(IdIssue("subject_code_conflict", message))
        flag = flag or existing
    return flag


def _check_known_name(
    *,
    subject: Subject,
    name: str,
    name_normalized: str,
    code_label: str,
    source: str,
    actor,
    warnings: list[IdIssue],
) -> None:
    """A known code arriving with a different name: keep the registered name, record the other as alias."""
    if name_normalized == subject.name_normalized:
        return
    _add_alias(
        subject=subject,
        kind=AliasKind.FORMER_NAME,
        value=name,
        normalized=name_normalized,
        source=source,
        actor=actor,
    )
    warnings.append(
        IdIssue(
            "subject_name_changed",
            f"{code_label} 已登记的主体名称为「{subject.name}」，本条记录为「{name}」；"
            "已将其记为该主体的曾用名。如主体已更名，请联系平台管理员更新登记名称，否则请更正名称",
        )
    )


def _resolve_person(
    *, name: str, ric: str | None, uscc: str | None, source: str, as_of: dt.date | None
) -> tuple:
    if uscc:
        raise SubjectError(
            [IdIssue("uscc_not_for_natural_person", "自然人没有统一社会信用代码，请清空该项并填写身份证号码")]
        )
    if not ric:
        raise SubjectError([IdIssue("ric_required", "自然人须填写身份证号码")])
    result = check_ric(ric, as_of=as_of)
    if not result.ok:
        raise SubjectError(result.errors)
    normalized = result.normalized
    digest = crypto.ric_hmac(normalized)
    subject = Subject.objects.filter(ric_hmac=digest).first()
    if subject is not None:
        return subject, False, list(result.warnings)
    subject, created = _create_subject(
        kind=SubjectKind.NATURAL_PERSON,
        ric_encrypted=crypto.encrypt(normalized),
        ric_hmac=digest,
        ric_masked=mask_ric(normalized),
        name=name,
        name_normalized=normalize_name(name),
        created_source=source,
    )
    return subject, created, list(result.warnings)


def _resolve_organisation(
    *,
    kind: str,
    name: str,
    uscc: str | None,
    codes: dict[str, str],
    source: str,
    warnings: list[IdIssue],
    confirmed: UsccConfirmation,
) -> tuple[Subject, bool]:
    if not uscc:
        if kind == SubjectKind.INDIVIDUAL_BUSINESS:
            message = (
                f"个体工商户须填写统一社会信用代码；尚无代码的，填写占位代码 {USCC_NO_CODE} 并填写工商注册号"
            )
        else:
            message = "法人及非法人组织须填写统一社会信用代码"
        raise SubjectError([IdIssue("uscc_required", message)])
    result = check_uscc(uscc, subject_kind=kind, confirmed=confirmed)
    if not result.ok:
        raise SubjectError(result.errors)
    warnings.extend(result.warnings)
    code = result.normalized
    reg_no = codes.get(AliasKind.REG_NO)

    if result.is_no_code:
        if not reg_no:
            raise SubjectError(
                [
                    IdIssue(
                        "reg_no_required",
                        f"使用占位代码 {USCC_NO_CODE} 的个体工商户必须填写工商注册号，请补充后重新报送",
                    )
                ]
            )
        # The 工商注册号 it asks for is there: the reminder would only be noise.
        warnings[:] = [w for w in warnings if w.code != "uscc_no_code"]
        alias = (
            SubjectAlias.objects.filter(
                kind=AliasKind.REG_NO, value_normalized=reg_no, subject__kind=SubjectKind.INDIVIDUAL_BUSINESS
            )
            .select_related("subject")
            .order_by("subject_id")
            .first()
        )
        if alias is not None:
            return alias.subject, False
        subject = Subject.objects.create(
            kind=kind, name=name, name_normalized=normalize_name(name), created_source=source
        )
        return subject, True

    subject = Subject.objects.filter(uscc=code).first()
    if subject is not None:
        return subject, False
    if kind == SubjectKind.INDIVIDUAL_BUSINESS and reg_no:
        # A 个体工商户 first reported with the 17-zeros-X code has since received its USCC: same subject.
        alias = (
            SubjectAlias.objects.filter(
                kind=AliasKind.REG_NO,
                value_normalized=reg_no,
                subject__kind=SubjectKind.INDIVIDUAL_BUSINESS,
                subject__uscc__isnull=True,
            )
            .select_related("subject")
            .order_by("subject_id")
            .first()
        )
        if alias is not None:
            subject = alias.subject
            subject.uscc = code
            for attr, value in _organisation_category(result, kind).items():
                setattr(subject, attr, value)
            subject.save(
                update_fields=["uscc", "uscc_category", "uscc_category_name", "org_type", "updated_at"]
            )
            warnings.append(
                IdIssue(
                    "subject_uscc_assigned",
                    f"工商注册号 {reg_no} 对应的个体工商户此前使用占位代码报送，已补登统一社会信用代码 {code}",
                )
            )
            return subject, False
    return _create_subject(
        kind=kind,
        uscc=code,
        **_organisation_category(result, kind),
        name=name,
        name_normalized=normalize_name(name),
        created_source=source,
    )


@transaction.atomic
def subject_resolve(
    *,
    kind: str,
    name: str,
    uscc: str | None = None,
    ric: str | None = None,
    legacy_codes: dict[str, str] | None = None,
    source: str = "",
    actor=None,
    as_of: dt.date | None = None,
    confirmed: UsccConfirmation | None = None,
) -> SubjectResolution:
    """Find or create the subject a record is about, recording aliases, warnings and review flags.

    ``confirmed`` says which USCCs with a wrong check character are accepted (default: the confirmed codes).
    """
    if kind not in SubjectKind.values:
        raise SubjectError(
            [IdIssue("subject_kind_invalid", "主体类别应为：法人及非法人组织、个体工商户或自然人")]
        )
    name = (name or "").strip()
    if not name:
        raise SubjectError([IdIssue("subject_name_required", "主体名称不能为空")])
    name_normalized = normalize_name(name)
    warnings: list[IdIssue] = []
    codes = _normalize_legacy_codes(legacy_codes, warnings)

    if kind == SubjectKind.NATURAL_PERSON:
        subject, created, id_warnings = _resolve_person(
            name=name, ric=ric, uscc=normalize_code_input(uscc or ""), source=source, as_of=as_of
        )
        warnings.extend(id_warnings)
    else:
        subject, created = _resolve_organisation(
            kind=kind,
            name=name,
            uscc=uscc,
            codes=codes,
            source=source,
            warnings=warnings,
            confirmed=uscc_confirmation if confirmed is None else confirmed,
        )

    if created:
        audit_log(actor=actor, action="create", obj=subject, detail={"source": source, "kind": kind})
    else:
        if subject.kind != kind:
            warnings.append(
                IdIssue(
                    "subject_kind_mismatch",
                    f"主体「{subject.name}」已登记为{subject.get_kind_display()}，"
                    f"本条记录填写为{SubjectKind(kind).label}，请核实主体类别",
                )
            )
        code_label = subject.display_code or f"工商注册号 {codes.get(AliasKind.REG_NO, '')}"
        _check_known_name(
            subject=subject,
            name=name,
            name_normalized=name_normalized,
            code_label=code_label,
            source=source,
            actor=actor,
            warnings=warnings,
        )
    for alias_kind, value in codes.items():
        _add_alias(
            subject=subject, kind=alias_kind, value=value, normalized=value, source=source, actor=actor
        )
    review = _flag_name_conflicts(
        subject=subject, name_normalized=name_normalized, source=source, actor=actor, warnings=warnings
    )
    if created or name_normalized != subject.name_normalized:
        # A new subject, or a name it now also goes by (曾用名): the name search must find it.
        subject_search_index(subject_ids=[subject.pk])
    return SubjectResolution(subject=subject, created=created, warnings=warnings, review_flag=review)


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


def confirmed_code_check(uscc: str) -> str:
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
    code = confirmed_code_check(uscc)
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
