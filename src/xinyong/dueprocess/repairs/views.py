"""Screens of credit repair: the subject's pages on the portal (/my/repairs/) and the department's console
(/console/dueprocess/repairs/). Thin: every write goes through ``repairs.services``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from xinyong.accounts.decorators import console_view
from xinyong.accounts.models import Department, Role
from xinyong.accounts.permissions import effective_role, is_platform_wide
from xinyong.accounts.services import audit_log
from xinyong.core.codes import Polarity
from xinyong.core.errors import CodedError
from xinyong.dueprocess.cases.models import CaseKind, EvidenceFile
from xinyong.dueprocess.cases.services import evidence_open
from xinyong.dueprocess.cases.views import case_stats_context
from xinyong.dueprocess.models import SubjectLink
from xinyong.dueprocess.profiles.selectors import REPAIR, profile_in_force, profile_steps
from xinyong.dueprocess.repairs import selectors, services
from xinyong.dueprocess.repairs.eligibility import entry_eligibility, record_eligibility
from xinyong.dueprocess.repairs.forms import DecisionForm, RepairApplyForm
from xinyong.dueprocess.repairs.models import RepairApplication, RepairState
from xinyong.dueprocess.repairs.permissions import (
    DECIDING_ROLES,
    can_decide_repair,
    can_issue_repair_notice,
    can_read_repair,
    can_read_repair_notifications,
    can_read_repairs,
)
from xinyong.dueprocess.subject_accounts.auth import account_required
from xinyong.lists.models import ListEntry
from xinyong.records.models import CreditRecord
from xinyong.records.normalize import normalize_document_number
from xinyong.reports.models import CreditReport, ReportKind

PER_PAGE = 25
ACTIONS = {
    "accept": (services.repair_accept, "已受理", False),
    "refuse": (services.repair_refuse, "已作出不予受理决定", True),
    "extend": (services.repair_extend, "已延长核实期限", True),
    "approve": (services.repair_approve, "已准予信用修复：该信息已停止公示和共享", True),
    "reject": (services.repair_reject, "已作出不予修复决定", True),
    "revoke": (services.repair_revoke, "已撤销信用修复决定并记入失信记录", True),
}
ACTIONS_BY_STATE = {
    RepairState.SUBMITTED: (("accept", "受理"), ("refuse", "不予受理")),
    RepairState.ACCEPTED: (
        ("approve", "准予修复"),
        ("reject", "不予修复"),
        ("extend", "延长核实期限（一次）"),
    ),
    RepairState.APPROVED: (("revoke", "撤销修复（提供虚假材料）"),),
}


def _linked_subject_ids(account) -> list[int]:
    return list(
        SubjectLink.objects.filter(account=account, revoked_at__isnull=True).values_list(
            "subject_id", flat=True
        )
    )


# ---------------------------------------------------------------------------------------------------------
# Portal: the subject's own pages


@account_required
def my_repairs(request):
    """我的信用修复: what the subject may repair (and from when), and its applications."""
    today = timezone.localdate()
    subject_ids = _linked_subject_ids(request.subject_account)
    profile = profile_in_force(on_date=today)
    return render(
        request,
        "dueprocess/repairs/my_list.html",
        {
            "candidates": selectors.repair_candidates(subject_ids=subject_ids, as_of=today),
            "applications": selectors.repairs_of_subjects(subject_ids=subject_ids)[:100],
            "steps": profile_steps(profile=profile, workflow=REPAIR),
            "notices": CreditReport.objects.filter(
                subject_id__in=subject_ids, kind=ReportKind.REPAIR_NOTICE
            ).order_by("-issued_at")[:50],
            "today": today,
        },
    )


def _target(request, subject_ids: list[int]):
    record_id, entry_id = request.GET.get("record"), request.GET.get("entry")
    if record_id and record_id.isdigit():
        record = get_object_or_404(
            CreditRecord.objects.select_related("item", "department"),
            pk=int(record_id),
            subject_id__in=subject_ids,
        )
        return record, None
    if entry_id and entry_id.isdigit():
        entry = get_object_or_404(
            ListEntry.objects.select_related("list_type", "department", "record"),
            pk=int(entry_id),
            subject_id__in=subject_ids,
        )
        return None, entry
    raise Http404("请选择要修复的信用记录或名单条目")


@account_required
def my_repair_new(request):
    """Apply for repair of one record (?record=) or list entry (?entry=): the answer of when and how, the form."""
    today = timezone.localdate()
    account = request.subject_account
    record, entry = _target(request, _linked_subject_ids(account))
    eligibility = (
        record_eligibility(record=record, as_of=today)
        if record
        else entry_eligibility(entry=entry, as_of=today)
    )
    form = RepairApplyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and eligibility.eligible and form.is_valid():
        try:
            application = services.repair_apply(
                account=account,
                record=record,
                entry=entry,
                statement=form.cleaned_data["statement"],
                signatory=form.cleaned_data["signatory"],
                commitment_text=form.cleaned_data["commitment_text"],
                evidence=[(f.name, f) for f in form.cleaned_data["evidence"]],
                on_date=today,
            )
        except CodedError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"信用修复申请已提交，编号 {application.number}")
            return redirect("my:repair_detail", pk=application.pk)
    profile = profile_in_force(on_date=today)
    return render(
        request,
        "dueprocess/repairs/my_new.html",
        {
            "record": record,
            "entry": entry,
            "eligibility": eligibility,
            "form": form,
            "steps": profile_steps(profile=profile, workflow=REPAIR),
        },
    )


@account_required
def my_repair_detail(request, pk: int):
    """One of the subject's applications: its state, deadlines, history and the decision notices."""
    application = get_object_or_404(
        selectors.repairs_of_subjects(subject_ids=_linked_subject_ids(request.subject_account)), pk=pk
    )
    return render(
        request,
        "dueprocess/repairs/my_detail.html",
        {
            "application": application,
            "events": selectors.repair_events(application=application),
            "notices": selectors.repair_notices(application=application),
            "evidence": selectors.repair_evidence(application=application),
        },
    )


# ---------------------------------------------------------------------------------------------------------
# Console: the deciding department


@console_view(can_read_repairs)
def repair_list(request):
    """The queue: open applications by deadline (or a state), with overdue ones marked."""
    state = request.GET.get("state") or "open"
    today = timezone.localdate()
    applications = selectors.repairs_find(user=request.user, state=state)
    page = Paginator(applications, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "dueprocess/repairs/list.html",
        {
            "page": page,
            "state": state,
            "states": RepairState.choices,
            "today": today,
            "tab": "list",
            "can_issue": effective_role(request.user) in (Role.OPERATOR, *DECIDING_ROLES),
        },
    )


def _application_for(request, pk: int) -> RepairApplication:
    application = get_object_or_404(
        RepairApplication.objects.select_related(
            "subject",
            "record",
            "record__item",
            "record__department",
            "list_entry",
            "list_entry__list_type",
            "deciding_department",
            "commitment",
            "profile",
        ),
        pk=pk,
    )
    if not can_read_repair(request.user, application):
        raise Http404("没有该申请")
    return application


@console_view(can_read_repairs)
def repair_detail(request, pk: int):
    """One application: target, statement, commitment, evidence, deadlines (with 未核实 marks), history."""
    application = _application_for(request, pk)
    can_decide = can_decide_repair(request.user, application)
    department_ids = selectors.repair_implementing_department_ids(application=application)

    return render(
        request,
        "dueprocess/repairs/detail.html",
        {
            "application": application,
            "events": selectors.repair_events(application=application),
            "evidence": selectors.repair_evidence(application=application),
            "notices": selectors.repair_notices(application=application),
            "steps": selectors.repair_steps(application=application),
            "actions": ACTIONS_BY_STATE.get(application.state, ()) if can_decide else (),
            "implementing": Department.objects.filter(pk__in=department_ids).order_by("name"),
            "today": timezone.localdate(),
            "tab": "list",
        },
    )


@require_POST
@console_view(can_read_repairs)
def repair_act(request, pk: int, action: str):
    """One step of the deciding department: accept, refuse, extend, approve, reject or revoke."""
    application = _application_for(request, pk)
    if action not in ACTIONS:
        raise Http404("没有该办理步骤")
    if not can_decide_repair(request.user, application):
        raise PermissionDenied("只有认定部门和平台管理员可以办理该信用修复申请")
    service, done, needs_reasons = ACTIONS[action]
    form = DecisionForm(request.POST)
    kwargs = {"application": application, "actor": request.user, "on_date": timezone.localdate()}
    if needs_reasons:
        kwargs["reasons"] = form.data.get("reasons", "")
    try:
        service(**kwargs)
    except CodedError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("dueprocess:repair_detail", pk=application.pk)


@console_view(can_read_repairs)
def repair_evidence_download(request, pk: int, evidence_id: int):
    """An evidence file of an application, for whoever may read the application; audited."""
    application = _application_for(request, pk)
    evidence = get_object_or_404(
        EvidenceFile, pk=evidence_id, case_kind=CaseKind.REPAIR, case_id=application.pk
    )
    audit_log(
        actor=request.user, action="view", obj=application, detail={"evidence": evidence.pk}, request=request
    )
    return FileResponse(
        evidence_open(evidence=evidence),
        content_type=evidence.content_type,
        as_attachment=True,
        filename=evidence.name,
    )


@console_view(can_read_repairs)
def repair_stats(request):
    """修复统计: applications filed in the period by state and department, handling time, on-time rate, overdue."""
    context = case_stats_context(request, read=selectors.repair_stats, as_of=timezone.localdate())
    context.update(revoked=context["stats"].count(RepairState.REVOKED), tab="stats")
    return render(request, "dueprocess/repairs/stats.html", context)


@console_view(can_read_repair_notifications)
def repair_notifications(request):
    """修复通知: repairs that end entries on which the user's department applied measures (措施反馈)."""
    return render(
        request,
        "dueprocess/repairs/notifications.html",
        {"applications": selectors.repair_notifications_for(request.user), "tab": "notifications"},
    )


@require_POST
@console_view(can_read_repairs)
def repair_notice_issue(request, record_id: int):
    """Issue the 信用修复告知书 of a penalty record (两书同达), then open it."""
    record = get_object_or_404(
        CreditRecord.objects.select_related("item", "department", "subject"), pk=record_id
    )
    if not can_issue_repair_notice(request.user, record):
        raise PermissionDenied("只有作出决定的部门和平台管理员可以出具信用修复告知书")
    try:
        notice = services.repair_notice_issue(record=record, actor=request.user, on_date=timezone.localdate())
    except CodedError as exc:
        messages.error(request, exc.message)
        return redirect(reverse("dueprocess:repair_list"))
    messages.success(request, f"已出具信用修复告知书 {notice.number}")
    return redirect("dueprocess:repair_notice", number=notice.number)


@require_POST
@console_view(can_read_repairs)
def repair_notice_by_number(request):
    """The queue's form: issue the 信用修复告知书 of a negative record named by its 文书号."""
    key = normalize_document_number((request.POST.get("document_number") or "").strip())
    records = CreditRecord.objects.filter(document_number_key=key, polarity=Polarity.NEGATIVE)
    if not is_platform_wide(request.user):
        records = records.filter(department_id=request.user.department_id)
    record = records.order_by("-decision_date", "-pk").first() if key else None
    if record is None:
        messages.error(request, "未找到本部门该文书号的失信信息，请核对文书号")
        return redirect("dueprocess:repair_list")
    return repair_notice_issue(request, record_id=record.pk)


@console_view(can_read_repairs)
def repair_notice(request, number: str):
    """A 信用修复告知书 or 信用修复决定书, for the departments concerned (the subject sees it on the portal)."""
    notice = get_object_or_404(
        CreditReport, number=number, kind__in=(ReportKind.REPAIR_NOTICE, ReportKind.REPAIR_DECISION)
    )
    if not is_platform_wide(request.user) and notice.issued_by_department_id != request.user.department_id:
        raise Http404("没有该告知书")
    return render(request, "dueprocess/repairs/notice.html", {"notice": notice, "tab": "list"})
