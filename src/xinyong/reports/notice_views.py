"""Console screens of 失信惩戒告知书 (/console/reports/notices/): issue the notice for a proposed entry of a
list decided on the platform, read it and download its PDF. Who may: ``lists.permissions``."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from xinyong.accounts.decorators import console_view
from xinyong.lists.lifecycle import LifecycleError
from xinyong.lists.models import ListEntry
from xinyong.lists.permissions import can_decide_entry, can_read_lists, can_work_on_lists
from xinyong.reports.notices import notice_for_entry, notice_issue
from xinyong.reports.services import report_display_context, site_url_for
from xinyong.reports.views import pdf_response


@require_POST
@console_view(can_work_on_lists)
def notice_issue_view(request, pk: int):
    """Issue the notice for the entry (moves it to 已告知 and opens the objection window)."""
    entry = get_object_or_404(ListEntry.objects.select_related("list_type", "subject", "department"), pk=pk)
    if not can_decide_entry(request.user, entry):
        messages.error(request, "您无权办理该名单类型的条目")
        return redirect("lists:entry_detail", pk=entry.pk)
    try:
        notice = notice_issue(entry=entry, on_date=timezone.localdate(), actor=request.user, request=request)
    except LifecycleError as exc:
        messages.error(request, exc.message)
        return redirect("lists:entry_detail", pk=entry.pk)
    messages.success(request, f"已出具失信惩戒告知书，编号 {notice.number}。")
    return redirect("reports_console:notice_detail", pk=entry.pk)


def _notice(pk: int):
    notice = notice_for_entry(entry_id=pk)
    if notice is None:
        raise Http404("该条目尚未出具失信惩戒告知书")
    return notice


@console_view(can_read_lists)
def notice_detail(request, pk: int):
    """The entry's latest notice as a page."""
    notice = _notice(pk)
    context = report_display_context(report=notice, site_url=site_url_for(request=request))
    return render(request, "reports/console/notice.html", {**context, "entry_id": pk})


@console_view(can_read_lists)
def notice_pdf(request, pk: int):
    """The entry's latest notice as a PDF download."""
    return pdf_response(_notice(pk), site_url=site_url_for(request=request))
