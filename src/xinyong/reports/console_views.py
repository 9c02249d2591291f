"""Console screens of credit reports (mounted under /console/reports/): issued reports, issuing an authorised
report with a recorded authorisation, and reading or downloading a report.

Reading an authorised report shows non-public information: every view and download is written to the audit
log with the authorisation's purpose.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from xinyong.accounts.decorators import console_view
from xinyong.accounts.models import AuditAction, Authorisation
from xinyong.accounts.permissions import effective_role
from xinyong.accounts.services import audit_log
from xinyong.core.identifiers import normalize_code_input
from xinyong.reports.models import CreditReport, ReportKind
from xinyong.reports.permissions import can_issue_reports, can_read_reports
from xinyong.reports.selectors import authorisations_usable_by, reports_visible_to
from xinyong.reports.services import (
    ReportError,
    report_display_context,
    report_issue,
    site_url_for,
)
from xinyong.reports.views import pdf_response

PER_PAGE = 25


def _search(queryset, q: str, *, number_field: str | None, name_field: str, code_field: str):
    q = q.strip()
    if not q:
        return queryset
    code = normalize_code_input(q)
    condition = Q(**{f"{name_field}__icontains": q}) | Q(**{code_field: code})
    if number_field:
        condition |= Q(**{number_field: code})
    return queryset.filter(condition)


@console_view(can_read_reports)
def report_list(request):
    """Reports issued, newest first, filtered by number / subject and kind."""
    q = (request.GET.get("q") or "").strip()
    kind = request.GET.get("kind") or ""
    reports = _search(
        reports_visible_to(request.user),
        q,
        number_field="number",
        name_field="subject__name",
        code_field="subject__uscc",
    )
    if kind in ReportKind.values:
        reports = reports.filter(kind=kind)
    page = Paginator(reports.order_by("-issued_at", "-id"), PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/console/list.html",
        {
            "page": page,
            "q": q,
            "kind": kind,
            "kinds": ReportKind.choices,
            "can_issue": can_issue_reports(request.user),
        },
    )


@console_view(can_issue_reports)
def report_issue_page(request):
    """Authorisations the user may use today, each with a button issuing the authorised report."""
    q = (request.GET.get("q") or "").strip()
    as_of = timezone.localdate()
    usable = _search(
        authorisations_usable_by(request.user, as_of=as_of),
        q,
        number_field=None,
        name_field="subject__name",
        code_field="subject__uscc",
    )
    page = Paginator(usable.order_by("-recorded_at", "-id"), PER_PAGE).get_page(request.GET.get("page"))
    add_url = None
    if request.user.has_perm("accounts.add_authorisation"):
        try:
            add_url = reverse("admin:accounts_authorisation_add")
        except NoReverseMatch:
            add_url = None
    return render(
        request,
        "reports/console/issue.html",
        {"page": page, "q": q, "as_of": as_of, "add_url": add_url, "role": effective_role(request.user)},
    )


@require_POST
@console_view(can_issue_reports)
def report_issue_submit(request):
    """Issue the authorised report under the posted authorisation."""
    raw_id = (request.POST.get("authorisation_id") or "").strip()
    if not raw_id.isdigit():
        raise Http404("未找到该授权")
    authorisation = get_object_or_404(Authorisation.objects.select_related("subject"), pk=int(raw_id))
    try:
        report = report_issue(
            subject=authorisation.subject,
            kind=ReportKind.AUTHORISED,
            as_of=timezone.localdate(),
            actor=request.user,
            authorisation=authorisation,
            request=request,
        )
    except ReportError as exc:
        messages.error(request, exc.message)
        return redirect("reports_console:issue")
    messages.success(request, f"已出具授权版信用报告，报告编号 {report.number}。")
    return redirect("reports_console:detail", number=report.number)


def _visible_report(request, number: str) -> CreditReport:
    report = reports_visible_to(request.user).filter(number=number).first()
    if report is None:
        raise Http404("未找到该信用报告，或您无权查看")
    return report


def _audit_read(request, report: CreditReport, action: str) -> None:
    if report.kind == ReportKind.AUTHORISED:
        audit_log(
            actor=request.user,
            action=action,
            obj=report,
            purpose=report.purpose,
            detail={"number": report.number, "via": "console"},
            request=request,
        )


@console_view(can_read_reports)
def report_detail(request, number: str):
    """One issued report as a page (authorised reports: the view is audited)."""
    report = _visible_report(request, number)
    _audit_read(request, report, AuditAction.VIEW)
    context = report_display_context(report=report, site_url=site_url_for(request))
    return render(request, "reports/console/detail.html", context)


@console_view(can_read_reports)
def report_pdf(request, number: str):
    """One issued report as a PDF download (authorised reports: the download is audited)."""
    report = _visible_report(request, number)
    response = pdf_response(report, site_url=site_url_for(request))
    if response.status_code == 200:
        _audit_read(request, report, AuditAction.EXPORT)
    return response
