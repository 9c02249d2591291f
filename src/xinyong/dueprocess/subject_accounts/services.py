"""Writes of subject accounts: registration, sign-in with lockout, password changes, link codes, links and
their revocation, the subject's own archive view (audited) and authorisations granted and withdrawn online
(docs/subject-accounts.md)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from xinyong.accounts.models import AuditAction, Authorisation, Department, User
from xinyong.accounts.services import ServiceError, audit_log
from xinyong.core.errors import CodedError
from xinyong.dueprocess.subject_accounts.models import LinkCode, SubjectAccount, SubjectLink
from xinyong.dueprocess.subject_accounts.permissions import account_may_act_for, can_issue_link_codes
from xinyong.dueprocess.subject_accounts.selectors import (
    account_by_login_name,
    link_attempts_failed,
    subject_by_code,
    subject_own_records,
    subject_records_detailed,
)
from xinyong.dueprocess.subject_accounts.verification import (
    LinkRefused,
    link_code_generate,
    link_code_hash,
    link_verifier,
)
from xinyong.records.archive.presenters import (
    ArchiveRecord,
    CategoryGroup,
    archive_groups,
    archive_record_present,
)
from xinyong.records.archive.selectors import ArchiveCounts, archive_counts
from xinyong.records.selectors import records_visible_to
from xinyong.reports.models import CreditReport
from xinyong.reports.services import authorisation_create, authorisation_revoke, report_render_pdf
from xinyong.subjects.models import Subject

MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}$")

# What the audit log records as the purpose of a subject reading its own archive.
OWN_ARCHIVE_PURPOSE = "信用主体查阅本主体信用档案"

ARCHIVE_PAGE_SIZE = 50


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def login_max_failures() -> int:
    """Consecutive failed sign-ins that lock an account (setting DUEPROCESS_LOGIN_MAX_FAILURES, default 5)."""
    return _setting("DUEPROCESS_LOGIN_MAX_FAILURES", 5)


def login_lockout() -> dt.timedelta:
    """How long a locked account stays locked (DUEPROCESS_LOGIN_LOCKOUT_MINUTES, default 15)."""
    return dt.timedelta(minutes=_setting("DUEPROCESS_LOGIN_LOCKOUT_MINUTES", 15))


def link_max_attempts() -> int:
    """Failed link attempts an account may make per hour (DUEPROCESS_LINK_MAX_ATTEMPTS, default 5)."""
    return _setting("DUEPROCESS_LINK_MAX_ATTEMPTS", 5)


def link_code_validity() -> dt.timedelta:
    """How long an issued link code stays valid (DUEPROCESS_LINK_CODE_DAYS, default 7 days)."""
    return dt.timedelta(days=_setting("DUEPROCESS_LINK_CODE_DAYS", 7))


class AccountError(CodedError):
    """A refused registration, sign-in or link, with a stable code and a zh-hans message."""


@dataclass(frozen=True)
class LoginName:
    value: str
    phone: str
    email: str


def login_name_normalise(*, value: str) -> LoginName:
    """A mobile number (11 digits, +86 and separators dropped) or an e-mail address (lower case)."""
    text = unicodedata.normalize("NFKC", value or "").strip()
    if "@" in text:
        email = text.lower()
        try:
            validate_email(email)
        except ValidationError as exc:
            raise AccountError("login_name_invalid", "电子邮箱地址格式不正确") from exc
        return LoginName(value=email, phone="", email=email)
    digits = re.sub(r"[\s\-()]", "", text)
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix) :]
            break
    if not MOBILE_RE.match(digits):
        raise AccountError("login_name_invalid", "登录名应为 11 位手机号码或电子邮箱地址")
    return LoginName(value=digits, phone=digits, email="")


def account_register(
    *,
    login_name: str,
    display_name: str,
    password: str,
    now: dt.datetime | None = None,
    request: HttpRequest | None = None,
) -> SubjectAccount:
    """Register a portal account (never a console user): password checked by the platform's validators."""
    name = login_name_normalise(value=login_name)
    display_name = (display_name or "").strip()
    if not display_name:
        raise AccountError("display_name_required", "请填写联系人姓名")
    account = SubjectAccount(
        login_name=name.value,
        display_name=display_name[:100],
        phone=name.phone,
        email=name.email,
        created_at=now or timezone.now(),
    )
    try:
        validate_password(password, user=account)
    except ValidationError as exc:
        raise AccountError("password_invalid", "；".join(exc.messages)) from exc
    account.password = make_password(password)
    try:
        with transaction.atomic():
            account.save(force_insert=True)
            audit_log(
                actor=account,
                action=AuditAction.CREATE,
                obj=account,
                detail={"stage": "register"},
                request=request,
            )
    except IntegrityError as exc:
        raise AccountError("login_name_taken", "该登录名已经注册，请直接登录") from exc
    return account


def account_authenticate(
    *, login_name: str, password: str, now: dt.datetime | None = None, request: HttpRequest | None = None
) -> SubjectAccount:
    """Check a sign-in; repeated failures lock the account for a while. Raises AccountError."""
    now = now or timezone.now()
    invalid = AccountError("login_invalid", "登录名或密码不正确")
    try:
        name = login_name_normalise(value=login_name).value
    except AccountError:
        name = ""
    account = account_by_login_name(login_name=name) if name else None
    if account is None or not account.is_active:
        make_password(password)  # the same work as a real check: unknown names are not told apart by time
        raise invalid
    if account.locked_until is not None and account.locked_until > now:
        audit_log(
            actor=account,
            action=AuditAction.LOGIN_FAILED,
            obj=account,
            outcome="denied",
            detail={"reason": "locked"},
            request=request,
        )
        raise _locked_error(account.locked_until)

    def upgrade(raw: str) -> None:
        SubjectAccount.objects.filter(pk=account.pk).update(password=make_password(raw))

    if not check_password(password, account.password, setter=upgrade):
        expired_lock = account.locked_until is not None and account.locked_until <= now
        failures = 1 if expired_lock else account.failed_logins + 1
        locked_until = now + login_lockout() if failures >= login_max_failures() else None
        with transaction.atomic():
            SubjectAccount.objects.filter(pk=account.pk).update(
                failed_logins=failures, locked_until=locked_until
            )
            audit_log(
                actor=account,
                action=AuditAction.LOGIN_FAILED,
                obj=account,
                outcome="denied",
                detail={"reason": "password", "failures": failures, "locked": locked_until is not None},
                request=request,
            )
        if locked_until is not None:
            raise _locked_error(locked_until)
        left = login_max_failures() - failures
        raise AccountError("login_invalid", f"登录名或密码不正确（再失败 {left} 次，账号将暂时锁定）")
    with transaction.atomic():
        SubjectAccount.objects.filter(pk=account.pk).update(failed_logins=0, locked_until=None)
        audit_log(actor=account, action=AuditAction.LOGIN, obj=account, request=request)
    account.refresh_from_db()
    return account


def _locked_error(until: dt.datetime) -> AccountError:
    local = timezone.localtime(until)
    return AccountError(
        "login_locked", f"连续登录失败次数过多，账号已暂时锁定，请于 {local:%H:%M} 后再试，或联系平台找回密码"
    )


def account_sign_out_record(*, account: SubjectAccount, request: HttpRequest | None = None) -> None:
    """Write a portal sign-out to the audit log."""
    audit_log(actor=account, action=AuditAction.LOGOUT, obj=account, request=request)


def account_password_change(
    *,
    account: SubjectAccount,
    old_password: str,
    new_password: str,
    now: dt.datetime | None = None,
    request: HttpRequest | None = None,
) -> SubjectAccount:
    """Change the password after checking the current one; wrong current passwords count towards the
    sign-in lock. The caller signs the session in again: other sessions end. Raises AccountError."""
    now = now or timezone.now()
    account.refresh_from_db()
    if account.locked_until is not None and account.locked_until > now:
        audit_log(
            actor=account,
            action="password_change",
            obj=account,
            outcome="denied",
            detail={"reason": "locked"},
            request=request,
        )
        raise _locked_error(account.locked_until)
    if not check_password(old_password, account.password):
        expired_lock = account.locked_until is not None and account.locked_until <= now
        failures = 1 if expired_lock else account.failed_logins + 1
        locked_until = now + login_lockout() if failures >= login_max_failures() else None
        with transaction.atomic():
            SubjectAccount.objects.filter(pk=account.pk).update(
                failed_logins=failures, locked_until=locked_until
            )
            audit_log(
                actor=account,
                action="password_change",
                obj=account,
                outcome="denied",
                detail={"reason": "password", "failures": failures, "locked": locked_until is not None},
                request=request,
            )
        if locked_until is not None:
            raise _locked_error(locked_until)
        left = login_max_failures() - failures
        raise AccountError("password_wrong", f"当前密码不正确（再失败 {left} 次，账号将暂时锁定）")
    if new_password == old_password:
        raise AccountError("password_unchanged", "新密码不能与当前密码相同")
    try:
        validate_password(new_password, user=account)
    except ValidationError as exc:
        raise AccountError("password_invalid", "；".join(exc.messages)) from exc
    account.password = make_password(new_password)
    account.failed_logins = 0
    account.locked_until = None
    with transaction.atomic():
        account.save(update_fields=["password", "failed_logins", "locked_until"])
        audit_log(actor=account, action="password_change", obj=account, request=request)
    return account


def link_code_issue(
    *, subject: Subject, actor: User, now: dt.datetime | None = None, request: HttpRequest | None = None
) -> tuple[LinkCode, str]:
    """Issue a one-time link code for the subject (operators only); returns the row and the code, shown once."""
    if not can_issue_link_codes(actor):
        audit_log(actor=actor, action=AuditAction.CREATE, obj=LinkCode, outcome="denied", request=request)
        raise ServiceError("link_code_forbidden", "只有平台管理员可以核发主体绑定码")
    now = now or timezone.now()
    code = link_code_generate()
    with transaction.atomic():
        row = LinkCode.objects.create(
            subject=subject,
            code_hash=link_code_hash(code),
            issued_by=actor,
            issued_at=now,
            expires_at=now + link_code_validity(),
        )
        audit_log(
            actor=actor,
            action=AuditAction.CREATE,
            obj=row,
            detail={"subject": subject.pk, "expires_at": row.expires_at},
            request=request,
        )
    return row, code


def subject_link_create(
    *,
    account: SubjectAccount,
    code: str,
    evidence: str,
    now: dt.datetime | None = None,
    request: HttpRequest | None = None,
) -> SubjectLink:
    """Link the account to the subject whose USCC or 身份证 number is ``code`` once the configured verifier
    accepts ``evidence``; failed attempts are audited and limited per hour. Raises AccountError."""
    now = now or timezone.now()
    if link_attempts_failed(account=account, since=now - dt.timedelta(hours=1)) >= link_max_attempts():
        raise AccountError("link_attempts_exceeded", "绑定尝试次数过多，请一小时后再试")
    subject = subject_by_code(code=code)
    try:
        if subject is None:
            raise LinkRefused("link_code_invalid", "主体代码或绑定码不正确，请核对后重新输入")
        if account_may_act_for(account, subject.pk):
            raise LinkRefused("link_exists", "您的账号已经绑定该主体")
        verifier = link_verifier()
        with transaction.atomic():
            verifier.verify(account=account, subject=subject, evidence=evidence, now=now)
            link = SubjectLink.objects.create(
                account=account, subject=subject, method=verifier.method, verified_at=now
            )
            audit_log(
                actor=account,
                action="subject_link",
                obj=subject,
                detail={"link": link.pk, "method": verifier.method},
                request=request,
            )
    except LinkRefused as exc:
        audit_log(
            actor=account,
            action="subject_link",
            obj=subject if subject is not None else Subject,
            outcome="denied",
            detail={"reason": exc.code},
            request=request,
        )
        raise AccountError(exc.code, exc.message) from exc
    return link


def subject_link_revoke(
    *,
    account: SubjectAccount,
    subject: Subject,
    now: dt.datetime | None = None,
    request: HttpRequest | None = None,
) -> SubjectLink:
    """The account gives up its link to the subject (解除绑定): its pages close at once; linking again
    needs a new code. Raises AccountError."""
    link = SubjectLink.objects.filter(account=account, subject=subject, revoked_at__isnull=True).first()
    if link is None or not account.is_active:
        raise AccountError("subject_not_linked", "您的账号未绑定该主体")
    link.revoked_at = now or timezone.now()
    with transaction.atomic():
        link.save(update_fields=["revoked_at"])
        audit_log(
            actor=account,
            action="subject_unlink",
            obj=subject,
            detail={"link": link.pk, "method": link.method},
            request=request,
        )
    return link


@dataclass
class OwnArchive:
    subject: Subject
    as_of: dt.date
    counts: ArchiveCounts
    records: list[ArchiveRecord]
    groups: list[CategoryGroup]
    page_number: int
    num_pages: int

    @property
    def has_previous(self) -> bool:
        return self.page_number > 1

    @property
    def has_next(self) -> bool:
        return self.page_number < self.num_pages


def _require_link(account: SubjectAccount, subject: Subject) -> None:
    if not account_may_act_for(account, subject.pk):
        raise AccountError("subject_not_linked", "您的账号未绑定该主体")


def case_notice_pdf(
    *, account: SubjectAccount, notice: CreditReport, site_url: str = "", request: HttpRequest | None = None
) -> bytes:
    """A due-process notice about a linked subject as a PDF, for its account to download; audited as an export."""
    _require_link(account, notice.subject)
    pdf = report_render_pdf(report=notice, site_url=site_url)
    audit_log(
        actor=account,
        action=AuditAction.EXPORT,
        obj=notice,
        purpose=notice.content.get("title", ""),
        detail={"via": "portal", "stage": "case_notice_pdf", "number": notice.number, "kind": notice.kind},
        request=request,
    )
    return pdf


def subject_archive_open(
    *,
    account: SubjectAccount,
    subject: Subject,
    as_of: dt.date,
    page: int = 1,
    request: HttpRequest | None = None,
) -> OwnArchive:
    """The subject's own archive for a linked account: every record with its marks; audited as a view."""
    _require_link(account, subject)
    records = subject_own_records(subject=subject)
    counts = archive_counts(records=records, as_of=as_of)
    current = Paginator(records, ARCHIVE_PAGE_SIZE).get_page(page)
    page_records = list(subject_records_detailed(records=current.object_list))
    page_ids = [r.pk for r in page_records]
    audit_log(
        actor=account,
        action=AuditAction.VIEW,
        obj=subject,
        purpose=OWN_ARCHIVE_PURPOSE,
        detail={"via": "portal", "stage": "own_archive", "page": current.number, "records": counts.records},
        request=request,
    )
    public_ids = set(
        records_visible_to(principal=None, as_of=as_of).filter(pk__in=page_ids).values_list("pk", flat=True)
    )
    # No console principal: only each record's current version is shown.
    shown = [
        archive_record_present(record=r, principal=None, as_of=as_of, public_ids=public_ids)
        for r in page_records
    ]
    return OwnArchive(
        subject=subject,
        as_of=as_of,
        counts=counts,
        records=shown,
        groups=archive_groups(records=shown),
        page_number=current.number,
        num_pages=current.paginator.num_pages,
    )


def subject_authorisation_grant(
    *,
    account: SubjectAccount,
    subject: Subject,
    grantee_kind: str,
    grantee_name: str,
    purpose: str,
    scope: list[str],
    valid_from: dt.date,
    valid_until: dt.date,
    grantee_code: str = "",
    grantee_department: Department | None = None,
    now: dt.datetime | None = None,
    request: HttpRequest | None = None,
) -> Authorisation:
    """A linked account grants an authorisation (当事人授权) online; the evidence names the account and its
    link. Raises AccountError or ServiceError."""
    link = SubjectLink.objects.filter(account=account, subject=subject, revoked_at__isnull=True).first()
    if link is None or not account.is_active:
        raise AccountError("subject_not_linked", "您的账号未绑定该主体")
    now = now or timezone.now()
    evidence = (
        f"信用主体通过信用网站在线授权：主体用户 {account.login_name}（{account.display_name}），"
        f"{timezone.localtime(now):%Y-%m-%d %H:%M} 提交；账号与主体的绑定方式：{link.get_method_display()}"
        f"（{timezone.localtime(link.verified_at):%Y-%m-%d}）"
    )
    return authorisation_create(
        subject=subject,
        grantee_kind=grantee_kind,
        grantee_name=grantee_name,
        grantee_code=grantee_code,
        grantee_department=grantee_department,
        purpose=purpose,
        scope=scope,
        valid_from=valid_from,
        valid_until=valid_until,
        evidence=evidence,
        actor=account,
        request=request,
    )


def subject_authorisation_withdraw(
    *,
    account: SubjectAccount,
    subject: Subject,
    authorisation: Authorisation,
    reason: str,
    now: dt.datetime | None = None,
    request: HttpRequest | None = None,
) -> Authorisation:
    """A linked account withdraws one of the subject's authorisations (撤销授权) online, at once and for
    good. Raises AccountError or ServiceError."""
    _require_link(account, subject)
    if authorisation.subject_id != subject.pk:
        raise AccountError("authorisation_not_found", "未找到本主体的该项授权")
    if authorisation.revoked_at is not None:
        raise AccountError("authorisation_already_revoked", "该授权已经撤销")
    reason = (reason or "").strip()
    if not reason:
        raise AccountError("revoke_reason_required", "请填写撤销授权的原因")
    now = now or timezone.now()
    stated = f"信用主体通过信用网站在线撤销：主体用户 {account.login_name}（{account.display_name}）。原因：{reason}"
    return authorisation_revoke(
        authorisation=authorisation, reason=stated, actor=account, request=request, now=now
    )
