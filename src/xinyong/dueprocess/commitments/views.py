"""Screens of commitments (信用承诺): the console's follow-up queue, one commitment with its history and
follow-up, signing on behalf of a subject, the templates and the statistics; the portal's 我的信用承诺."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinyong.accounts.decorators import console_view
from xinyong.accounts.models import Department
from xinyong.accounts.permissions import effective_role
from xinyong.dueprocess.commitments import presenters, selectors
from xinyong.dueprocess.commitments.forms import (
    BreakForm,
    FulfilForm,
    PortalSignForm,
    QueueFilterForm,
    SignOnBehalfForm,
    StatsForm,
)
from xinyong.dueprocess.commitments.models import CommitmentKind
from xinyong.dueprocess.commitments.permissions import (
    can_follow_up,
    can_follow_up_any,
    can_read_commitment,
    can_read_commitments,
    can_read_statistics,
    can_read_templates,
    can_sign_for_department,
    can_sign_on_behalf,
    commitment_department_ids,
)
from xinyong.dueprocess.commitments.services import (
    CommitmentError,
    commitment_accept_with_missing_documents,
    commitment_break,
    commitment_fulfil,
    commitment_sign_from_template,
)
from xinyong.dueprocess.subject_accounts.auth import account_required

PER_PAGE = 50
# Kinds a subject signs on the portal; 容缺受理 is signed at the window, repair commitments with the repair
# application.
PORTAL_KINDS = (
    CommitmentKind.NOTIFY_AND_COMMIT,
    CommitmentKind.SELF_REGULATION,
    CommitmentKind.VOLUNTARY,
    CommitmentKind.OTHER,
)


def _visible(request, pk: int):
    commitment = selectors.commitment_find(pk=pk)
    if commitment is None or not can_read_commitment(request.user, commitment):
        raise Http404("未找到该信用承诺")
    return commitment


def _error_text(exc: CommitmentError) -> str:
    return f"{exc.message}（{exc.code}）"


@require_GET
@console_view(can_read_commitments)
def queue(request):
    """The follow-up queue: overdue first (highlighted), then due today, then by fulfilment date, then closed."""
    as_of = timezone.localdate()
    ids = commitment_department_ids(request.user)
    departments = Department.objects.order_by("code") if ids is None else None
    form = QueueFilterForm(request.GET or None, departments=departments)
    data = form.cleaned_data if form.is_valid() else {}
    department = data.get("department")
    rows = selectors.commitments_queue(
        department_ids=ids,
        as_of=as_of,
        state=data.get("state") or "",
        kind=data.get("kind") or "",
        department_id=department.pk if department else None,
        query=data.get("q") or "",
        due_from=data.get("due_from"),
        due_to=data.get("due_to"),
    )
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    stats = selectors.commitment_statistics(department_ids=ids, as_of=as_of)
    due_count = selectors.commitments_queue(department_ids=ids, as_of=as_of, state=selectors.DUE).count()
    return render(
        request,
        "dueprocess/commitments/queue.html",
        {
            "form": form,
            "page": page,
            "as_of": as_of,
            "totals": stats.total,
            "due_count": due_count,
            "can_sign": can_sign_on_behalf(request.user),
        },
    )


@require_GET
@console_view(can_read_commitments)
def detail(request, pk: int):
    """One commitment: what was signed, its records, its history and (for the accepting department) the follow-up."""
    commitment = _visible(request, pk)
    as_of = timezone.localdate()
    may_follow_up = can_follow_up(request.user, commitment) and commitment.state == "in_progress"
    return render(
        request,
        "dueprocess/commitments/detail.html",
        {
            "commitment": commitment,
            "history": presenters.history_rows(selectors.commitment_history(commitment=commitment)),
            "matter": selectors.matter_names(codes={commitment.matter_code}).get(commitment.matter_code, ""),
            "overdue": selectors.commitment_is_overdue(commitment=commitment, as_of=as_of),
            "may_follow_up": may_follow_up,
            "fulfil_form": FulfilForm(initial={"checked_on": as_of}),
            "break_form": BreakForm(initial={"checked_on": as_of}),
            "as_of": as_of,
        },
    )


def _follow_up(request, pk: int, *, form_class, action):
    commitment = _visible(request, pk)
    if not can_follow_up(request.user, commitment):
        raise PermissionDenied("只有承诺受理单位的数据报送员、审核员和平台管理员可以核查承诺履行情况")
    form = form_class(request.POST)
    if not form.is_valid():
        errors = "；".join(e for errs in form.errors.values() for e in errs)
        messages.error(request, f"未保存：{errors}")
        return redirect("dueprocess:commitment_detail", pk=commitment.pk)
    try:
        action(commitment, form.cleaned_data)
    except CommitmentError as exc:
        messages.error(request, f"未保存：{_error_text(exc)}")
    return redirect("dueprocess:commitment_detail", pk=commitment.pk)


@require_POST
@console_view(can_follow_up_any)
def fulfil(request, pk: int):
    """Mark the commitment 已履行."""

    def action(commitment, data):
        commitment_fulfil(
            commitment=commitment, on_date=data["checked_on"], actor=request.user, note=data["note"]
        )
        messages.success(request, f"承诺书 {commitment.number} 已核查为“已履行”")

    return _follow_up(request, pk, form_class=FulfilForm, action=action)


@require_POST
@console_view(can_follow_up_any)
def break_(request, pk: int):
    """Mark the commitment 未履行: a negative record is created."""

    def action(commitment, data):
        done = commitment_break(
            commitment=commitment, on_date=data["checked_on"], actor=request.user, reason=data["reason"]
        )
        messages.success(
            request,
            f"承诺书 {done.number} 已核查为“未履行”，已记入失信信息（文书号 {done.broken_record.document_number}）",
        )

    return _follow_up(request, pk, form_class=BreakForm, action=action)


@require_http_methods(["GET", "POST"])
@console_view(can_sign_on_behalf)
def sign(request):
    """Record a commitment a subject signed at the window (on paper), from a template."""
    as_of = timezone.localdate()
    operator = effective_role(request.user) == "operator"
    departments = Department.objects.order_by("code") if operator else None
    posted = request.method == "POST"
    form = SignOnBehalfForm(
        request.POST if posted else None,
        templates=selectors.templates_in_force_queryset(as_of=as_of),
        departments=departments,
        initial={"signed_on": as_of, "template": request.GET.get("template")},
    )
    if posted and form.is_valid():
        data = form.cleaned_data
        department = data.get("department") or request.user.department
        subject = selectors.subject_by_code(code=data["subject_code"])
        if subject is None:
            form.add_error("subject_code", "未找到该主体：请核对统一社会信用代码或身份证号码")
        elif not can_sign_for_department(request.user, department):
            raise PermissionDenied("只能以本部门名义登记信用承诺")
        else:
            template = data["template"]
            try:
                if template.kind == CommitmentKind.ACCEPT_WITH_MISSING:
                    commitment = commitment_accept_with_missing_documents(
                        subject=subject,
                        matter_name=data["matter_name"] or template.name,
                        missing_documents=data["documents"],
                        signatory=data["signatory"],
                        department=department,
                        on_date=data["signed_on"],
                        actor=request.user,
                        due=data.get("fulfilment_due"),
                        template=template,
                    )
                else:
                    commitment = commitment_sign_from_template(
                        template=template,
                        subject=subject,
                        signatory=data["signatory"],
                        on_date=data["signed_on"],
                        actor=request.user,
                        department=department,
                        matter_name=data["matter_name"],
                        fulfilment_due=data.get("fulfilment_due"),
                        extra_text=data["extra_text"],
                    )
            except CommitmentError as exc:
                form.add_error(None, _error_text(exc))
            else:
                messages.success(request, f"已登记信用承诺，承诺书编号 {commitment.number}")
                return redirect("dueprocess:commitment_detail", pk=commitment.pk)
    return render(request, "dueprocess/commitments/sign.html", {"form": form})


@require_GET
@console_view(can_read_templates)
def templates(request):
    """The templates in force, per kind and matter."""
    as_of = timezone.localdate()
    rows = selectors.templates_in_force(as_of=as_of, query=request.GET.get("q") or "")
    names = selectors.matter_names(codes={t.matter_code for t in rows})
    return render(
        request,
        "dueprocess/commitments/templates.html",
        {
            "rows": [(t, names.get(t.matter_code, "")) for t in rows],
            "q": request.GET.get("q") or "",
            "can_sign": can_sign_on_behalf(request.user),
            "is_staff": request.user.is_staff,
        },
    )


@require_GET
@console_view(can_read_statistics)
def stats(request):
    """Counts by kind and state, the fulfilment rate and the overdue follow-ups."""
    as_of = timezone.localdate()
    form = StatsForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    ids = commitment_department_ids(request.user)
    result = selectors.commitment_statistics(
        department_ids=ids, as_of=as_of, date_from=data.get("date_from"), date_to=data.get("date_to")
    )
    return render(
        request,
        "dueprocess/commitments/stats.html",
        {"form": form, "stats": result, "all_departments": ids is None, "as_of": as_of},
    )


# ---------------------------------------------------------------------------------------------------------
# Portal (我的信用 → 信用承诺)


@require_GET
@account_required
def my_list(request):
    """The commitments of the account's subjects, newest first."""
    account = request.subject_account
    rows = selectors.account_commitments(account=account)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "dueprocess/commitments/my_list.html",
        {
            "page": page,
            "as_of": timezone.localdate(),
            "subjects": selectors.account_subjects(account=account),
        },
    )


@require_GET
@account_required
def my_detail(request, pk: int):
    """One commitment of the account's subjects."""
    commitment = selectors.account_commitments(account=request.subject_account).filter(pk=pk).first()
    if commitment is None:
        raise Http404("未找到该信用承诺")
    return render(
        request,
        "dueprocess/commitments/my_detail.html",
        {
            "commitment": commitment,
            "history": presenters.history_rows(selectors.commitment_history(commitment=commitment)),
        },
    )


@require_http_methods(["GET", "POST"])
@account_required
def my_sign(request):
    """The account signs a template's commitment for one of its linked subjects."""
    account = request.subject_account
    as_of = timezone.localdate()
    subjects = selectors.account_subjects(account=account)
    templates_qs = selectors.templates_in_force_queryset(as_of=as_of, kinds=PORTAL_KINDS)
    posted = request.method == "POST"
    form = PortalSignForm(
        request.POST if posted else None,
        subjects=subjects,
        templates=templates_qs,
        departments=Department.objects.order_by("code"),
        initial={"template": request.GET.get("template"), "signatory": account.display_name},
    )
    if posted and form.is_valid():
        data = form.cleaned_data
        subject = next(s for s in subjects if s.pk == data["subject"])
        try:
            commitment = commitment_sign_from_template(
                template=data["template"],
                subject=subject,
                signatory=data["signatory"],
                on_date=as_of,
                actor=account,
                department=data["template"].department or data["department"],
                matter_name=data["matter_name"],
            )
        except CommitmentError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, f"承诺已签署，承诺书编号 {commitment.number}")
            return redirect("my:commitment_detail", pk=commitment.pk)
    return render(
        request,
        "dueprocess/commitments/my_sign.html",
        {"form": form, "subjects": subjects, "templates": list(templates_qs)},
    )
