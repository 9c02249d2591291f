"""Console screens of feedback (反馈): the department's queue, one item's form, bulk and file answers, the
statistics of the loop, and typical cases (典型案例)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinyong.accounts.decorators import console_view
from xinyong.accounts.models import Department
from xinyong.jrp.feedback import presenters, selectors
from xinyong.jrp.feedback.forms import (
    BulkFeedbackForm,
    FeedbackFileForm,
    FeedbackForm,
    QueueFilterForm,
    StatsForm,
    TypicalCaseForm,
)
from xinyong.jrp.feedback.permissions import (
    can_publish_typical_cases,
    can_read_feedback,
    can_read_statistics,
    can_read_typical_cases,
    can_record_any_feedback,
    can_record_feedback,
    can_report_any_typical_case,
    feedback_department_ids,
)
from xinyong.jrp.feedback.services import (
    FeedbackError,
    FeedbackItem,
    feedback_file_record,
    feedback_record,
    feedback_record_many,
    typical_case_create,
    typical_case_publish,
)
from xinyong.jrp.models import CheckChannel, FeedbackState, MeasureFeedback, TypicalCase
from xinyong.reports.models import MeasureNotice
from xinyong.subjects.models import Subject

PER_PAGE = 50
CASES_PER_PAGE = 20


def _visible_feedback(request, pk: int) -> MeasureFeedback:
    item = get_object_or_404(MeasureFeedback.objects.select_related("subject", "department"), pk=pk)
    ids = feedback_department_ids(request.user)
    if ids is not None and item.department_id not in ids:
        raise Http404("未找到该反馈事项")
    return item


@require_GET
@console_view(can_read_feedback)
def queue(request):
    """The department's feedback queue: overdue first (highlighted), then pending by due day, then answered."""
    as_of = timezone.localdate()
    ids = feedback_department_ids(request.user)
    departments = Department.objects.order_by("code") if ids is None else None
    form = QueueFilterForm(request.GET or None, departments=departments)
    data = form.cleaned_data if form.is_valid() else {}
    department = data.get("department")
    rows = selectors.feedback_queue(
        department_ids=ids,
        as_of=as_of,
        state=data.get("state") or "",
        overdue_only=bool(data.get("overdue")),
        department_id=department.pk if department else None,
        query=data.get("q") or "",
    )
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    items = presenters.queue_rows(page=page, as_of=as_of)
    can_record = can_record_any_feedback(request.user)
    counts = selectors.pending_counts_by_department(as_of=as_of, department_ids=ids)
    return render(
        request,
        "jrp/feedback/queue.html",
        {
            "form": form,
            "page": page,
            "items": items,
            "can_record": can_record,
            "bulk_form": BulkFeedbackForm(allowed_ids=[]),
            "pending": sum(c["pending"] for c in counts),
            "overdue": sum(c["overdue"] for c in counts),
            "as_of": as_of,
        },
    )


@require_http_methods(["GET", "POST"])
@console_view(can_read_feedback)
def detail(request, pk: int):
    """One feedback item: what the check returned, the earlier answers, and the form to answer."""
    item = _visible_feedback(request, pk)
    may_record = can_record_feedback(request.user, item.department_id)
    form = FeedbackForm(
        request.POST if request.method == "POST" else None,
        initial={"state": item.state if item.state != FeedbackState.PENDING else "", "reason": item.reason},
    )
    if request.method == "POST":
        if not may_record:
            raise Http404("未找到该反馈事项")
        if form.is_valid():
            try:
                change = feedback_record(
                    feedback=item,
                    state=form.cleaned_data["state"],
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                    channel=CheckChannel.CONSOLE,
                    request=request,
                )
            except FeedbackError as exc:
                form.add_error(None, f"{exc.message}（{exc.code}）")
            else:
                text = "反馈已保存" if change.changed else "反馈内容没有变化"
                if change.notice is not None:
                    text += f"，已向主体出具措施实施告知书 {change.notice.number}"
                messages.success(request, text)
                return redirect("jrp:feedback_detail", pk=item.pk)
    notice = MeasureNotice.objects.filter(source_ref=f"feedback:{item.pk}").first()
    return render(
        request,
        "jrp/feedback/detail.html",
        {
            "item": item,
            "form": form,
            "may_record": may_record,
            "history": presenters.history_rows(item=item),
            "notice": notice,
            "as_of": timezone.localdate(),
        },
    )


@require_POST
@console_view(can_record_any_feedback)
def bulk(request):
    """The same answer for the items ticked in the queue (all or none)."""
    ids = [int(v) for v in request.POST.getlist("ids") if v.isdigit()][: PER_PAGE * 4]
    own = list(
        MeasureFeedback.objects.filter(pk__in=ids, department_id=request.user.department_id).values_list(
            "pk", flat=True
        )
    )
    form = BulkFeedbackForm(request.POST, allowed_ids=own)
    if not form.is_valid():
        errors = "；".join(e for errs in form.errors.values() for e in errs)
        messages.error(request, f"批量反馈未保存：{errors or '请选择事项'}")
        return redirect("jrp:feedback_queue")
    rows = MeasureFeedback.objects.filter(pk__in=form.cleaned_data["ids"])
    items = [
        FeedbackItem(
            number=i,
            check_id=fb.check_id,
            measure_code=fb.measure_code,
            state=form.cleaned_data["state"],
            reason=form.cleaned_data["reason"],
            feedback=fb,
        )
        for i, fb in enumerate(rows, start=1)
    ]
    result = feedback_record_many(
        items=items, actor=request.user, channel=CheckChannel.CONSOLE, request=request
    )
    if result.errors:
        first = result.errors[0]
        messages.error(request, f"批量反馈未保存：{first.error_message}（{first.error_code}）")
    else:
        text = f"已保存 {result.changed:,} 项反馈"
        if result.notices:
            text += f"，出具措施实施告知书 {len(result.notices):,} 份"
        messages.success(request, text)
    return redirect("jrp:feedback_queue")


@require_http_methods(["GET", "POST"])
@console_view(can_record_any_feedback)
def upload(request):
    """Answer by file: every row or none; rows in error are listed with their codes."""
    posted = request.method == "POST"
    form = FeedbackFileForm(request.POST if posted else None, request.FILES if posted else None)
    result = None
    refused = None
    if posted and form.is_valid():
        upload_file = form.cleaned_data["file"]
        name = Path(upload_file.name).name[:200]
        with tempfile.TemporaryDirectory(prefix="xinyong-feedback-") as folder:
            path = Path(folder) / ("upload" + Path(name).suffix.lower()[:8])
            with path.open("wb") as out:
                for chunk in upload_file.chunks():
                    out.write(chunk)
            try:
                result = feedback_file_record(path=path, filename=name, actor=request.user, request=request)
            except FeedbackError as exc:
                refused = f"{exc.message}（{exc.code}）"
        if result is not None and not result.errors:
            text = f"文件“{name}”已处理：保存 {result.changed:,} 项反馈，{result.unchanged:,} 项没有变化"
            if result.notices:
                text += f"，出具措施实施告知书 {len(result.notices):,} 份"
            messages.success(request, text)
            return redirect("jrp:feedback_queue")
    return render(request, "jrp/feedback/upload.html", {"form": form, "result": result, "refused": refused})


@require_GET
@console_view(can_read_statistics)
def stats(request):
    """Checks per department and per matter, hit rate, measures applied, feedback rate, overdue — with charts."""
    as_of = timezone.localdate()
    form = StatsForm(request.GET or None)
    date_from, date_to = form.period(as_of=as_of)
    ids = feedback_department_ids(request.user)
    totals = selectors.loop_totals(date_from=date_from, date_to=date_to, as_of=as_of, department_ids=ids)
    by_department = selectors.loop_by_department(
        date_from=date_from, date_to=date_to, as_of=as_of, department_ids=ids
    )
    by_matter = selectors.checks_by_matter(date_from=date_from, date_to=date_to, department_ids=ids)
    history = selectors.overdue_history(
        department_ids=ids, date_from=max(date_from, date_to - dt.timedelta(days=29)), date_to=date_to
    )
    return render(
        request,
        "jrp/feedback/stats.html",
        {
            "form": form,
            "date_from": date_from,
            "date_to": date_to,
            "totals": totals,
            "rows": by_department,
            "matters": by_matter,
            "charts": presenters.stats_charts(
                by_department=by_department, by_matter=by_matter, history=history
            ),
            "all_departments": ids is None,
        },
    )


# ---------------------------------------------------------------------------------------------------------
# Typical cases


@require_GET
@console_view(can_read_typical_cases)
def cases(request):
    rows = selectors.typical_cases_for(department_ids=feedback_department_ids(request.user))
    page = Paginator(rows, CASES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "jrp/feedback/cases.html",
        {"page": page, "can_report": can_report_any_typical_case(request.user)},
    )


@require_http_methods(["GET", "POST"])
@console_view(can_report_any_typical_case)
def case_new(request):
    form = TypicalCaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        code = (data.get("subject_code") or "").strip().upper()
        subject = Subject.objects.filter(uscc=code).first() if code else None
        if code and subject is None:
            form.add_error("subject_code", "平台中没有该统一社会信用代码的主体")
        else:
            try:
                case = typical_case_create(
                    department=request.user.department,
                    title=data["title"],
                    kind=data["kind"],
                    summary=data["summary"],
                    occurred_on=data["occurred_on"],
                    subject=subject,
                    measure_codes=[c for c in data["measure_codes"].replace("，", ",").split(",")],
                    actor=request.user,
                )
            except FeedbackError as exc:
                form.add_error(None, f"{exc.message}（{exc.code}）")
            else:
                messages.success(request, "典型案例已报送，待平台管理员审核公开")
                return redirect("jrp:feedback_case", pk=case.pk)
    return render(request, "jrp/feedback/case_new.html", {"form": form})


@require_GET
@console_view(can_read_typical_cases)
def case_detail(request, pk: int):
    case = get_object_or_404(TypicalCase.objects.select_related("department", "subject"), pk=pk)
    ids = feedback_department_ids(request.user)
    if ids is not None and case.department_id not in ids:
        raise Http404("未找到该典型案例")
    return render(
        request,
        "jrp/feedback/case_detail.html",
        {
            "case": case,
            "can_publish": can_publish_typical_cases(request.user),
            "public": presenters.case_public(case),
        },
    )


@require_POST
@console_view(can_publish_typical_cases)
def case_publish(request, pk: int):
    case = get_object_or_404(TypicalCase, pk=pk)
    publish = request.POST.get("action") != "withdraw"
    typical_case_publish(case=case, publish=publish, actor=request.user)
    messages.success(request, "典型案例已审核公开" if publish else "典型案例已撤回，不再公开")
    return redirect("jrp:feedback_case", pk=case.pk)
