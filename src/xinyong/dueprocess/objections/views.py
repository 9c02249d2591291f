"""Screens of objections: the console's queue, detail and step forms; the portal's filing and follow-up pages.

Views are thin: they read through the selectors and write through the services, which check permissions
and audit. "Today" is the local date of the request, passed to the services as ``on_date``.
"""

from __future__ import annotations

import datetime as dt
import mimetypes

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinyong.accounts.decorators import console_view
from xinyong.accounts.models import Department
from xinyong.accounts.permissions import is_platform_wide
from xinyong.core.errors import CodedError
from xinyong.dueprocess.cases.models import CaseKind, EvidenceFile
from xinyong.dueprocess.cases.views import case_stats_context
from xinyong.dueprocess.objections import permissions, selectors, services
from xinyong.dueprocess.objections.forms import (
    DecideForm,
    ForwardForm,
    NoteForm,
    ObjectionFileForm,
    QueueFilterForm,
    ReasonsForm,
)
from xinyong.dueprocess.objections.models import Objection, ObjectionState
from xinyong.dueprocess.subject_accounts.auth import account_required
from xinyong.lists.models import ListEntry
from xinyong.records.models import CreditRecord

PER_PAGE = 30


def _today() -> dt.date:
    return timezone.localdate()


def _error_text(exc: CodedError) -> str:
    return getattr(exc, "message", "") or str(exc)


def _target(request) -> tuple[CreditRecord | None, ListEntry | None]:
    """The record (``?record=<id>``) or list entry (``?entry=<id>``) objected to; 404 when neither exists."""
    record_id, entry_id = request.GET.get("record", ""), request.GET.get("entry", "")
    if record_id.isdigit():
        record = CreditRecord.objects.select_related("department", "item", "subject").filter(
            pk=int(record_id)
        )
        return get_object_or_404(record), None
    if entry_id.isdigit():
        entry = ListEntry.objects.select_related("list_type", "subject", "record", "department")
        return None, get_object_or_404(entry, pk=int(entry_id))
    raise Http404("请从信用记录或名单条目处提出异议")


def _file(request, *, filer, form: ObjectionFileForm, record, entry) -> Objection | None:
    """File the objection from a valid form; errors go onto the form."""
    data = form.cleaned_data
    try:
        return services.objection_file(
            filer=filer,
            on_date=_today(),
            statement=data["statement"],
            record=record,
            list_entry=entry,
            requested=data.get("requested") or "",
            contact_name=data.get("contact_name") or "",
            contact_phone=data.get("contact_phone") or "",
            files=[(f.name, f) for f in data.get("evidence") or []],
        )
    except CodedError as exc:
        form.add_error("evidence" if exc.code.startswith("evidence_") else None, _error_text(exc))
    return None


def _evidence_response(objection: Objection, evidence_id: int, principal) -> FileResponse:
    evidence = get_object_or_404(
        EvidenceFile, pk=evidence_id, case_kind=CaseKind.OBJECTION, case_id=objection.pk
    )
    stream = services.objection_evidence_open(objection=objection, evidence=evidence, principal=principal)
    response = FileResponse(
        stream,
        as_attachment=True,
        filename=evidence.name,
        content_type=evidence.content_type or mimetypes.types_map.get(".bin", "application/octet-stream"),
    )
    response["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------------------------------------------
# Console


def _console_objection(request, number: str) -> Objection:
    objection = selectors.objection_by_number(number=number)
    if objection is None or not permissions.can_view_objection(request.user, objection):
        raise Http404("未找到该异议申请")
    return objection


@require_GET
@console_view(permissions.can_read_objections)
def queue(request):
    """The working queue: overdue first (highlighted), then by due date; filters by state, department, number."""
    as_of = _today()
    platform = is_platform_wide(request.user)
    departments = Department.objects.order_by("code") if platform else None
    form = QueueFilterForm(request.GET or None, departments=departments)
    data = form.cleaned_data if form.is_valid() else {}
    department = data.get("department")
    rows = selectors.objection_queue(
        user=request.user,
        as_of=as_of,
        state=data.get("state") or "",
        overdue=bool(data.get("overdue")),
        department_id=department.pk if department else None,
        q=data.get("q") or "",
    )
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    items = [
        {"o": o, "overdue": selectors.objection_is_overdue(objection=o, as_of=as_of)}
        for o in page.object_list
    ]
    return render(
        request,
        "dueprocess/objections/queue.html",
        {
            "form": form,
            "page": page,
            "items": items,
            "counts": selectors.objection_counts(user=request.user, as_of=as_of),
            "states": ObjectionState,
            "as_of": as_of,
        },
    )


@require_GET
@console_view(permissions.can_read_objections)
def stats(request):
    """异议统计: objections filed in the period by state and department, handling time, on-time rate, overdue."""
    context = case_stats_context(request, read=selectors.objection_stats, as_of=_today())
    return render(request, "dueprocess/objections/stats.html", context)


@require_GET
@console_view(permissions.can_read_objections)
def detail(request, number: str):
    """One objection: its facts, deadlines, history, evidence, notices and the forms of the next steps."""
    objection = _console_objection(request, number)
    as_of = _today()
    user = request.user
    platform_steps = permissions.can_handle_platform_steps(user)
    may_decide = objection.state in (
        ObjectionState.ACCEPTED,
        ObjectionState.FORWARDED,
    ) and permissions.can_decide_objection(user, objection)
    forward_form = ForwardForm(
        initial={"department": objection.record.department_id if objection.record else None}
    )
    return render(
        request,
        "dueprocess/objections/detail.html",
        {
            "o": objection,
            "as_of": as_of,
            "overdue": selectors.objection_is_overdue(objection=objection, as_of=as_of),
            "history": selectors.objection_history(objection=objection),
            "evidence": selectors.objection_evidence(objection=objection),
            "notices": selectors.objection_notices(objection=objection),
            "steps": selectors.objection_steps(objection=objection),
            "may_accept": platform_steps and objection.state == ObjectionState.MARKED,
            "may_forward": platform_steps and objection.state == ObjectionState.ACCEPTED,
            "may_decide": may_decide,
            "may_notify": platform_steps
            and objection.state in (ObjectionState.DECIDED, ObjectionState.REFUSED),
            "note_form": NoteForm(),
            "reasons_form": ReasonsForm(),
            "forward_form": forward_form,
            "decide_form": DecideForm(),
        },
    )


STEP_LABELS = {
    "accept": "受理",
    "refuse": "不予受理",
    "forward": "转办",
    "decide": "处理决定",
    "notify": "告知办结",
}


@require_POST
@console_view(permissions.can_read_objections)
def step(request, number: str, step: str):
    """One step of the workflow posted from the detail page; errors are shown as messages."""
    if step not in STEP_LABELS:
        raise Http404("没有这个办理步骤")
    objection = _console_objection(request, number)
    on_date = _today()
    user = request.user
    done = ""
    try:
        if step == "accept":
            form = NoteForm(request.POST)
            form.is_valid()
            services.objection_accept(
                objection=objection, actor=user, on_date=on_date, note=form.cleaned_data.get("note", "")
            )
            done = "已受理"
        elif step == "refuse":
            form = ReasonsForm(request.POST)
            reasons = form.cleaned_data["reasons"] if form.is_valid() else ""
            services.objection_refuse(objection=objection, actor=user, on_date=on_date, reasons=reasons)
            done = "已决定不予受理"
        elif step == "forward":
            form = ForwardForm(request.POST)
            if not form.is_valid():
                raise services.ObjectionError("department_required", "请选择核查处理的数据来源单位")
            services.objection_forward(
                objection=objection,
                actor=user,
                on_date=on_date,
                department=form.cleaned_data["department"],
                note=form.cleaned_data.get("note", ""),
            )
            done = "已转数据来源单位核查"
        elif step == "decide":
            form = DecideForm(request.POST)
            if not form.is_valid():
                raise services.ObjectionError("decision_incomplete", "请选择处理结果并填写处理理由")
            services.objection_decide(
                objection=objection,
                actor=user,
                on_date=on_date,
                outcome=form.cleaned_data["outcome"],
                reasons=form.cleaned_data["reasons"],
            )
            done = "已作出处理决定"
        else:
            notice = services.objection_notify(
                objection=objection, actor=user, on_date=on_date, request=request
            )
            done = f"已出具异议处理决定告知书 {notice.number}，办结"
    except PermissionDenied:
        raise
    except CodedError as exc:
        messages.error(request, f"{STEP_LABELS[step]}未完成：{_error_text(exc)}")
        return redirect("dueprocess:objection_console_detail", number=objection.number)
    messages.success(request, f"异议申请 {objection.number}：{done}")
    return redirect("dueprocess:objection_console_detail", number=objection.number)


@require_GET
@console_view(permissions.can_read_objections)
def evidence(request, number: str, evidence_id: int):
    """Download an evidence file (permission-checked, audited)."""
    return _evidence_response(_console_objection(request, number), evidence_id, request.user)


@require_http_methods(["GET", "POST"])
@console_view(permissions.can_read_objections)
def console_new(request):
    """Register an objection on a subject's behalf (operator) or as the record's department."""
    record, entry = _target(request)
    target_record = record or entry.record
    subject_id = (record or entry).subject_id
    department_id = target_record.department_id if target_record else entry.department_id
    if not permissions.can_file_objection(request.user, subject_id=subject_id, department_id=department_id):
        raise PermissionDenied("您无权对该记录登记异议")
    form = ObjectionFileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        objection = _file(request, filer=request.user, form=form, record=record, entry=entry)
        if objection is not None:
            messages.success(request, f"已登记异议申请 {objection.number}，记录已作异议标注")
            return redirect("dueprocess:objection_console_detail", number=objection.number)
    return render(
        request,
        "dueprocess/objections/console_new.html",
        {"form": form, "record": record, "entry": entry},
    )


# ---------------------------------------------------------------------------------------------------
# Portal (我的信用)


def _portal_objection(request, number: str) -> Objection:
    objection = selectors.objection_by_number(number=number)
    if objection is None or not permissions.can_view_objection(request.subject_account, objection):
        raise Http404("未找到该异议申请")
    return objection


@require_GET
@account_required
def my_list(request):
    """The account's objections (for its linked subjects), newest first."""
    ids = permissions.account_subject_ids(request.subject_account)
    as_of = _today()
    page = Paginator(selectors.objections_for_subjects(subject_ids=ids), PER_PAGE).get_page(
        request.GET.get("page")
    )
    targets = selectors.objection_targets_for_subjects(subject_ids=ids)
    return render(
        request, "dueprocess/objections/my_list.html", {"page": page, "as_of": as_of, "targets": targets}
    )


@require_http_methods(["GET", "POST"])
@account_required
def my_new(request):
    """File an objection against a record or a list entry about one of the account's subjects."""
    record, entry = _target(request)
    account = request.subject_account
    subject_id = (record or entry).subject_id
    if subject_id not in permissions.account_subject_ids(account):
        raise Http404("只能对本人（本单位）的信用信息提出异议")
    form = ObjectionFileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        objection = _file(request, filer=account, form=form, record=record, entry=entry)
        if objection is not None:
            messages.success(request, f"异议申请已提交，编号 {objection.number}。该信息已作异议标注。")
            return redirect(reverse("my:objection_detail", args=[objection.number]))
    return render(
        request, "dueprocess/objections/my_new.html", {"form": form, "record": record, "entry": entry}
    )


@require_GET
@account_required
def my_detail(request, number: str):
    """The objection as its subject sees it: state, deadline, history, evidence and the decision notice."""
    objection = _portal_objection(request, number)
    as_of = _today()
    return render(
        request,
        "dueprocess/objections/my_detail.html",
        {
            "o": objection,
            "as_of": as_of,
            "history": selectors.objection_history(objection=objection),
            "evidence": selectors.objection_evidence(objection=objection),
            "notices": selectors.objection_notices(objection=objection),
        },
    )


@require_GET
@account_required
def my_evidence(request, number: str, evidence_id: int):
    """Download one of the objection's evidence files (audited)."""
    return _evidence_response(_portal_objection(request, number), evidence_id, request.subject_account)
