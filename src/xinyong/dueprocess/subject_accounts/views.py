"""Pages of subject accounts: the subject's own pages on the portal (我的信用, /my/) and the console page where
operators issue link codes (/console/dueprocess/accounts/).

The portal pages know only subject accounts (``auth.account_required``); a console login does not open them
and an account does not open the console. Every page about a subject answers 404 unless the signed-in account
is linked to it. Views hold no queries and no audit writes: those are in the selectors and services.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinyong.accounts.decorators import console_view
from xinyong.accounts.services import ServiceError
from xinyong.dueprocess.subject_accounts.auth import (
    account_required,
    account_session_refresh,
    account_sign_in,
    account_sign_out,
    request_account,
)
from xinyong.dueprocess.subject_accounts.forms import (
    AuthorisationWithdrawForm,
    AuthoriseForm,
    LinkCodeIssueForm,
    LinkForm,
    LoginForm,
    PasswordChangeForm,
    RegisterForm,
    UnlinkForm,
)
from xinyong.dueprocess.subject_accounts.permissions import can_issue_link_codes
from xinyong.dueprocess.subject_accounts.selectors import (
    account_case_notice,
    account_links,
    account_subject_get,
    link_codes_recent,
    subject_applications,
    subject_authorisation_get,
    subject_authorisations,
    subject_by_code,
    subject_measure_notices,
    subject_reports,
    subject_view_entries,
    viewer_present,
)
from xinyong.dueprocess.subject_accounts.services import (
    AccountError,
    account_authenticate,
    account_password_change,
    account_register,
    account_sign_out_record,
    case_notice_pdf,
    link_code_issue,
    link_code_validity,
    subject_archive_open,
    subject_authorisation_grant,
    subject_authorisation_withdraw,
    subject_link_create,
    subject_link_revoke,
)
from xinyong.reports.pdf import ReportFontsMissing
from xinyong.reports.services import site_url_for

VIEWERS_PER_PAGE = 30


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    return response


def _optional_url(name: str) -> str:
    """The address of a page other parts of 我的信用 provide, or "" while they do not exist."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/my/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("my:home")


def _error_text(exc: AccountError | ServiceError) -> str:
    return f"{exc.message}（{exc.code}）"


# ---------------------------------------------------------------------------------------------------------
# Sign-in, registration, sign-out


@require_http_methods(["GET", "POST"])
def login(request):
    """Sign in with a login name and password; repeated failures lock the account for a while."""
    if request.method == "GET" and request_account(request) is not None:
        return redirect(_next_url(request))
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                account = account_authenticate(
                    login_name=form.cleaned_data["login_name"],
                    password=form.cleaned_data["password"],
                    request=request,
                )
            except AccountError as exc:
                form.add_error(None, _error_text(exc))
            else:
                account_sign_in(request=request, account=account)
                return redirect(_next_url(request))
    context = {"form": form, "next": request.POST.get("next") or request.GET.get("next") or ""}
    return _no_store(render(request, "dueprocess/my/login.html", context, status=status))


@require_http_methods(["GET", "POST"])
def register(request):
    """Register a portal account with a mobile number or an e-mail address, then sign in."""
    form = RegisterForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                account = account_register(
                    login_name=form.cleaned_data["login_name"],
                    display_name=form.cleaned_data["display_name"],
                    password=form.cleaned_data["password"],
                    request=request,
                )
            except AccountError as exc:
                field = {"login_name_invalid": "login_name", "login_name_taken": "login_name"}.get(
                    exc.code, "password" if exc.code == "password_invalid" else None
                )
                form.add_error(field, _error_text(exc))
            else:
                account_sign_in(request=request, account=account)
                messages.success(request, "注册成功。请输入平台核发的绑定码，绑定您的企业或本人。")
                return redirect("my:link")
    return _no_store(render(request, "dueprocess/my/register.html", {"form": form}, status=status))


@require_POST
def logout(request):
    """End the portal session of the subject account (a console session in the same browser is kept)."""
    account = request_account(request)
    if account is not None:
        account_sign_out_record(account=account, request=request)
    account_sign_out(request=request)
    return redirect("my:login")


@require_http_methods(["GET", "POST"])
@account_required
def password(request):
    """Change the password (current and new); the other sessions of the account end, this one stays."""
    form = PasswordChangeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                changed = account_password_change(
                    account=request.subject_account,
                    old_password=form.cleaned_data["old_password"],
                    new_password=form.cleaned_data["new_password"],
                    request=request,
                )
            except AccountError as exc:
                field = {"password_wrong": "old_password", "password_invalid": "new_password"}.get(exc.code)
                form.add_error(field, _error_text(exc))
            else:
                account_session_refresh(request=request, account=changed)
                messages.success(request, "密码已修改。其他设备上的登录已失效，需用新密码重新登录。")
                return redirect("my:home")
    return _no_store(render(request, "dueprocess/my/password.html", {"form": form}, status=status))


# ---------------------------------------------------------------------------------------------------------
# Home and linking


@require_GET
@account_required
def home(request):
    """The account's linked subjects, each with its pages."""
    links = list(account_links(account=request.subject_account))
    return _no_store(render(request, "dueprocess/my/home.html", {"links": links}))


@require_http_methods(["GET", "POST"])
@account_required
def link(request):
    """Link the account to a subject with its code and the one-time code the platform issued."""
    form = LinkForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                created = subject_link_create(
                    account=request.subject_account,
                    code=form.cleaned_data["code"],
                    evidence=form.cleaned_data["evidence"],
                    request=request,
                )
            except AccountError as exc:
                form.add_error(None, _error_text(exc))
            else:
                messages.success(request, f"已绑定主体：{created.subject.name}")
                return redirect("my:archive", subject_id=created.subject_id)
    context = {"form": form, "code_days": link_code_validity().days}
    return _no_store(render(request, "dueprocess/my/link.html", context, status=status))


# ---------------------------------------------------------------------------------------------------------
# The pages of a linked subject


def _linked_subject(request, subject_id: int):
    subject = account_subject_get(account=request.subject_account, subject_id=subject_id)
    if subject is None:
        raise Http404("未找到该主体，或您的账号未绑定该主体")
    return subject


def _subject_page(request, template: str, subject, section: str, **context) -> HttpResponse:
    context.update({"subject": subject, "section": section})
    return _no_store(render(request, template, context, status=context.pop("status", 200)))


def _page_number(request) -> int:
    raw = request.GET.get("page") or "1"
    return int(raw) if raw.isdigit() and int(raw) > 0 else 1


@require_GET
@account_required
def archive(request, subject_id: int):
    """Every record of the subject (shared and non-public ones too), with the 异议 and 信用修复 marks."""
    subject = _linked_subject(request, subject_id)
    own = subject_archive_open(
        account=request.subject_account,
        subject=subject,
        as_of=timezone.localdate(),
        page=_page_number(request),
        request=request,
    )
    return _subject_page(
        request,
        "dueprocess/my/archive.html",
        subject,
        "archive",
        archive=own,
        objection_url=_optional_url("my:objection_new"),
        repair_url=_optional_url("my:repair_new"),
    )


@require_GET
@account_required
def viewers(request, subject_id: int):
    """Who read the subject's data and why: departments, never the names of their staff."""
    subject = _linked_subject(request, subject_id)
    page = Paginator(subject_view_entries(subject=subject), VIEWERS_PER_PAGE).get_page(_page_number(request))
    rows = [viewer_present(entry=entry) for entry in page.object_list]
    return _subject_page(request, "dueprocess/my/viewers.html", subject, "viewers", page=page, rows=rows)


@require_GET
@account_required
def reports(request, subject_id: int):
    """Credit reports and notices issued about the subject."""
    subject = _linked_subject(request, subject_id)
    return _subject_page(
        request,
        "dueprocess/my/reports.html",
        subject,
        "reports",
        reports=list(subject_reports(subject=subject)),
        notices=list(subject_measure_notices(subject=subject)),
    )


@require_GET
@account_required
def applications(request, subject_id: int):
    """The subject's objections, repair applications and commitments."""
    subject = _linked_subject(request, subject_id)
    return _subject_page(
        request,
        "dueprocess/my/applications.html",
        subject,
        "applications",
        apps=subject_applications(subject=subject),
    )


@require_http_methods(["GET", "POST"])
@account_required
def authorise(request, subject_id: int):
    """Grant an authorisation (当事人授权) online; the subject's authorisations are listed below."""
    subject = _linked_subject(request, subject_id)
    form = AuthoriseForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                subject_authorisation_grant(
                    account=request.subject_account,
                    subject=subject,
                    grantee_kind=data["grantee_kind"],
                    grantee_name=data["grantee_name"],
                    grantee_code=data["grantee_code"],
                    grantee_department=data["grantee_department"],
                    purpose=data["purpose"],
                    scope=data["scope"],
                    valid_from=data["valid_from"],
                    valid_until=data["valid_until"],
                    request=request,
                )
            except (AccountError, ServiceError) as exc:
                form.add_error(None, _error_text(exc))
            else:
                messages.success(request, "授权已生效。被授权方可在授权期限内凭此授权查询。")
                return redirect("my:authorise", subject_id=subject.pk)
    return _subject_page(
        request,
        "dueprocess/my/authorise.html",
        subject,
        "authorise",
        form=form,
        authorisations=list(subject_authorisations(subject=subject)),
        today=timezone.localdate(),
        status=status,
    )


@require_http_methods(["GET", "POST"])
@account_required
def authorisation_withdraw(request, subject_id: int, authorisation_id: int):
    """Withdraw one of the subject's authorisations (撤销授权), with a reason, after confirming."""
    subject = _linked_subject(request, subject_id)
    authorisation = subject_authorisation_get(subject=subject, authorisation_id=authorisation_id)
    if authorisation is None:
        raise Http404("未找到本主体的该项授权")
    form = AuthorisationWithdrawForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                subject_authorisation_withdraw(
                    account=request.subject_account,
                    subject=subject,
                    authorisation=authorisation,
                    reason=form.cleaned_data["reason"],
                    request=request,
                )
            except (AccountError, ServiceError) as exc:
                form.add_error(None, _error_text(exc))
            else:
                messages.success(request, f"已撤销对“{authorisation.grantee_name}”的授权，即时生效。")
                return redirect("my:authorise", subject_id=subject.pk)
    return _subject_page(
        request,
        "dueprocess/my/authorisation_withdraw.html",
        subject,
        "authorise",
        form=form,
        authorisation=authorisation,
        status=status,
    )


@require_http_methods(["GET", "POST"])
@account_required
def unlink(request, subject_id: int):
    """Give up the account's link to the subject (解除绑定), after confirming."""
    subject = _linked_subject(request, subject_id)
    form = UnlinkForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                subject_link_revoke(account=request.subject_account, subject=subject, request=request)
            except AccountError as exc:
                form.add_error(None, _error_text(exc))
            else:
                messages.success(request, f"已解除与“{subject.name}”的绑定。")
                return redirect("my:home")
    return _subject_page(request, "dueprocess/my/unlink.html", subject, "unlink", form=form, status=status)


# ---------------------------------------------------------------------------------------------------------
# Console: link codes


@require_http_methods(["GET", "POST"])
@console_view(can_issue_link_codes)
def link_codes(request):
    """Issue a one-time link code for a subject (shown once) and list the codes issued lately."""
    form = LinkCodeIssueForm(request.POST or None)
    issued = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            subject = subject_by_code(code=form.cleaned_data["code"])
            if subject is None:
                form.add_error("code", "平台没有该代码的主体，请核对（subject_not_found）")
            else:
                try:
                    row, code = link_code_issue(subject=subject, actor=request.user, request=request)
                except ServiceError as exc:
                    form.add_error(None, _error_text(exc))
                else:
                    issued = {"row": row, "code": code, "subject": subject}
                    form = LinkCodeIssueForm()
                    status = 200
    context = {"form": form, "issued": issued, "codes": link_codes_recent(), "now": timezone.now()}
    return _no_store(render(request, "dueprocess/console/accounts/link_codes.html", context, status=status))


@require_GET
@account_required
def notice_pdf(request, number: str):
    """A decision notice of the account's subject (异议处理决定告知书, 信用修复决定书) as a PDF download."""
    notice = account_case_notice(account=request.subject_account, number=number)
    if notice is None:
        raise Http404("未找到该告知书，或您的账号未绑定该主体")
    try:
        pdf = case_notice_pdf(
            account=request.subject_account,
            notice=notice,
            site_url=site_url_for(request=request),
            request=request,
        )
    except ReportFontsMissing as exc:
        return HttpResponse(exc.message, status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="xinyong-notice-{notice.number}.pdf"'
    return _no_store(response)
