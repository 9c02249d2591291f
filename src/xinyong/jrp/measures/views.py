"""Console screens of 奖惩措施: the published measure list, versions (draft, impact preview, publication),
a measure with its department conditions and the condition editor, and the matter register with import.
The services check permissions again and write the audit log."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinyong.accounts.decorators import console_view
from xinyong.accounts.models import Department
from xinyong.collection.readers import ReadError
from xinyong.jrp.measures.conditions import LEVELS, PREDICATES, ConditionError, condition_describe
from xinyong.jrp.measures.forms import (
    EDITOR_MAX_ROWS,
    OP_CHOICES,
    PREDICATE_CHOICES,
    EditorRow,
    MatterFilterForm,
    MatterForm,
    MatterImportForm,
    MeasureFilterForm,
    condition_from_json_text,
    condition_json_text,
    editor_rows_from_condition,
    editor_rows_from_post,
    editor_rows_to_condition,
)
from xinyong.jrp.measures.matters import COLUMN_SYNONYMS, matters_import
from xinyong.jrp.measures.permissions import (
    can_edit_department_conditions,
    can_edit_matter,
    can_edit_matters,
    can_edit_some_conditions,
    can_manage_rulebooks,
    can_read_measures,
)
from xinyong.jrp.measures.selectors import (
    matters_list,
    measure_conditions_of,
    measures_list,
    rulebook_draft,
    rulebook_get,
    rulebook_published,
    rulebooks_list,
)
from xinyong.jrp.measures.services import (
    MeasuresError,
    matter_save,
    measure_condition_set,
    rulebook_draft_create,
    rulebook_draft_delete,
    rulebook_preview,
    rulebook_publish,
)
from xinyong.jrp.models import Matter, Measure, RulebookStatus

PER_PAGE = 25
MAX_IMPORT_BYTES = 20 * 1024 * 1024


def _rulebook_or_404(number: int):
    rulebook = rulebook_get(number=number)
    if rulebook is None:
        raise Http404("没有这个版本的措施清单")
    return rulebook


def _measure_page(request, rulebook):
    filters = MeasureFilterForm(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    qs = measures_list(
        rulebook=rulebook,
        q=data.get("q", ""),
        kind=data.get("kind", ""),
        family=data.get("family", ""),
        list_type=data.get("list_type", ""),
        department_id=data.get("department"),
        stage=data.get("stage", ""),
        application=data.get("application", ""),
    )
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    for m in page.object_list:
        m.condition_text = condition_describe(m.condition or {})
    return filters, page


@require_GET
@console_view(can_read_measures)
def measure_list(request):
    """The published measure list (措施清单), searchable and filtered."""
    rulebook = rulebook_published()
    filters, page = (MeasureFilterForm(), None) if rulebook is None else _measure_page(request, rulebook)
    return render(
        request,
        "jrp/measures/measure_list.html",
        {
            "rulebook": rulebook,
            "filters": filters,
            "page": page,
            "draft": rulebook_draft(),
            "can_manage": can_manage_rulebooks(request.user),
        },
    )


@require_GET
@console_view(can_read_measures)
def rulebook_list(request):
    """Every version of the measure list; operators start a draft here."""
    page = Paginator(rulebooks_list(), PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "jrp/measures/rulebook_list.html",
        {"page": page, "draft": rulebook_draft(), "can_manage": can_manage_rulebooks(request.user)},
    )


@require_GET
@console_view(can_read_measures)
def rulebook_detail(request, number: int):
    """One version's measures (a draft with the actions on it)."""
    rulebook = _rulebook_or_404(number)
    filters, page = _measure_page(request, rulebook)
    return render(
        request,
        "jrp/measures/measure_list.html",
        {
            "rulebook": rulebook,
            "filters": filters,
            "page": page,
            "version_view": True,
            "can_manage": can_manage_rulebooks(request.user),
        },
    )


@require_POST
@console_view(can_manage_rulebooks)
def rulebook_draft_new(request):
    """Start a draft: a copy of the published version."""
    note = request.POST.get("note", "").strip()
    if not note:
        messages.error(request, "请填写修订说明。")
        return redirect("jrp:measures:rulebooks")
    try:
        draft = rulebook_draft_create(actor=request.user, note=note)
    except MeasuresError as exc:
        messages.error(request, exc.message)
        return redirect("jrp:measures:rulebooks")
    messages.success(request, f"已新建措施清单第 {draft.number} 版草稿。修改后请运行影响预览，再公布。")
    return redirect("jrp:measures:rulebook", number=draft.number)


@require_POST
@console_view(can_manage_rulebooks)
def rulebook_draft_discard(request, number: int):
    """Discard a draft."""
    rulebook = _rulebook_or_404(number)
    try:
        rulebook_draft_delete(rulebook=rulebook, actor=request.user)
    except MeasuresError as exc:
        messages.error(request, exc.message)
        return redirect("jrp:measures:rulebook", number=number)
    messages.success(request, f"已删除第 {number} 版草稿。")
    return redirect("jrp:measures:rulebooks")


@require_http_methods(["GET", "POST"])
@console_view(can_manage_rulebooks)
def rulebook_preview_view(request, number: int):
    """The impact preview of a draft: run it (POST), see its stored result (GET), paginated."""
    rulebook = _rulebook_or_404(number)
    if request.method == "POST":
        try:
            rulebook_preview(rulebook=rulebook, as_of=timezone.localdate(), actor=request.user)
        except MeasuresError as exc:
            messages.error(request, exc.message)
        return redirect("jrp:measures:preview", number=number)
    summary = rulebook.preview_summary or {}
    page = Paginator(summary.get("rows") or [], PER_PAGE).get_page(request.GET.get("page"))
    departments = dict(Department.objects.values_list("pk", "name"))
    for row in page.object_list:
        row["department_name"] = departments.get(row.get("department_id"), "")
    return render(
        request,
        "jrp/measures/preview.html",
        {
            "rulebook": rulebook,
            "summary": summary,
            "page": page,
            "is_draft": rulebook.status == RulebookStatus.DRAFT,
        },
    )


@require_POST
@console_view(can_manage_rulebooks)
def rulebook_publish_view(request, number: int):
    """Publish a draft whose impact preview has been run."""
    rulebook = _rulebook_or_404(number)
    if rulebook.status == RulebookStatus.DRAFT and not rulebook.preview_summary:
        messages.error(request, "公布前请先运行影响预览，确认受影响的主体。")
        return redirect("jrp:measures:preview", number=number)
    try:
        rulebook_publish(rulebook=rulebook, actor=request.user)
    except MeasuresError as exc:
        messages.error(request, exc.message)
        return redirect("jrp:measures:rulebook", number=number)
    messages.success(request, f"措施清单第 {number} 版已公布，自即日起适用；原版本已被替代。")
    return redirect("jrp:measures:list")


def _measure_or_404(rulebook, code: str) -> Measure:
    return get_object_or_404(
        Measure.objects.select_related("implementing_department", "memorandum"), rulebook=rulebook, code=code
    )


@require_GET
@console_view(can_read_measures)
def measure_detail(request, number: int, code: str):
    """One measure in the 篇十五 format, with every department's own condition."""
    rulebook = _rulebook_or_404(number)
    measure = _measure_or_404(rulebook, code)
    conditions = list(measure_conditions_of(rulebook=rulebook, measure_code=code))
    for c in conditions:
        c.text = condition_describe(c.expression)
        c.editable = rulebook.status == RulebookStatus.DRAFT and can_edit_department_conditions(
            request.user, c.department
        )
    return render(
        request,
        "jrp/measures/measure_detail.html",
        {
            "rulebook": rulebook,
            "measure": measure,
            "condition_text": condition_describe(measure.condition or {}),
            "condition_json": condition_json_text(measure.condition),
            "conditions": conditions,
            "can_edit": rulebook.status == RulebookStatus.DRAFT and can_edit_some_conditions(request.user),
        },
    )


def _editor_departments(user):
    qs = Department.objects.filter(is_active=True).order_by("code")
    if can_manage_rulebooks(user):
        return qs
    return qs.filter(pk=user.department_id)


def _empty_rows(rows: list[EditorRow]) -> list[EditorRow]:
    return rows if rows else [EditorRow()]


@require_http_methods(["GET", "POST"])
@console_view(can_edit_some_conditions)
def condition_edit(request, number: int, code: str):
    """The condition editor: a department's own condition on a measure of the draft (rows, or JSON)."""
    rulebook = _rulebook_or_404(number)
    measure = _measure_or_404(rulebook, code)
    if rulebook.status != RulebookStatus.DRAFT:
        messages.error(request, "已公布的措施清单不能修改：请新建草稿后在草稿中修改。")
        return redirect("jrp:measures:measure", number=number, code=code)
    departments = _editor_departments(request.user)
    source = request.POST if request.method == "POST" else request.GET
    department = (
        departments.filter(pk=source.get("department") or 0).first() if source.get("department") else None
    )
    if department is None and departments.count() == 1:
        department = departments.first()
    existing = None
    if department is not None:
        existing = next(
            iter(measure_conditions_of(rulebook=rulebook, measure_code=code).filter(department=department)),
            None,
        )
    current = existing.expression if existing else {}
    description = existing.description if existing else ""
    json_text = condition_json_text(current)
    json_error = ""
    status = 200
    editable = editor_rows_from_condition(current)
    combine, rows = editable if editable is not None else ("all", [])
    json_only = editable is None
    if request.method == "POST" and department is not None:
        action = request.POST.get("action", "save")
        description = request.POST.get("description", "")[:2000]
        if action == "save_json":
            json_text = request.POST.get("expression_json", "")[:20_000]
            try:
                condition = condition_from_json_text(json_text)
            except ConditionError as exc:
                json_error, condition, status = exc.message, None, 400
        else:
            combine, rows = editor_rows_from_post(request.POST)
            removed = request.POST.get("remove")
            if removed is not None and removed.isdigit():
                keep = [i for i in range(EDITOR_MAX_ROWS) if f"pred_{i}" in request.POST]
                rows = [row for i, row in zip(keep, rows, strict=False) if str(i) != removed]
            if action == "add" or removed is not None:
                if action == "add" and len(rows) < EDITOR_MAX_ROWS:
                    rows.append(EditorRow())
                condition = None
                json_only = False
            else:
                condition, rows = editor_rows_to_condition(combine, rows)
                if condition is None:
                    status = 400
        if condition is not None:
            try:
                measure_condition_set(
                    rulebook=rulebook,
                    measure_code=code,
                    department=department,
                    expression=condition,
                    description=description,
                    actor=request.user,
                )
            except MeasuresError as exc:
                messages.error(request, exc.message)
                status = 400
            else:
                messages.success(
                    request,
                    f"已保存{department.name}对措施 {code} 的适用条件。"
                    if condition
                    else f"已清除{department.name}对措施 {code} 的适用条件。",
                )
                url = reverse("jrp:measures:conditions", kwargs={"number": number, "code": code})
                return redirect(f"{url}?{urlencode({'department': department.pk})}")
    elif request.method == "POST":
        messages.error(request, "请选择部门。")
        status = 400
    return render(
        request,
        "jrp/measures/condition_edit.html",
        {
            "rulebook": rulebook,
            "measure": measure,
            "departments": departments,
            "department": department,
            "combine": combine,
            "rows": _empty_rows(rows) if not json_only else rows,
            "json_only": json_only,
            "json_text": json_text,
            "json_error": json_error,
            "description": description,
            "current_text": condition_describe(current),
            "predicate_choices": PREDICATE_CHOICES,
            "op_choices": OP_CHOICES,
            "predicates": PREDICATES,
            "levels": LEVELS,
            "max_rows": EDITOR_MAX_ROWS,
        },
        status=status,
    )


# ---------------------------------------------------------------------------------------------------
# Matters


@require_GET
@console_view(can_read_measures)
def matter_list(request):
    """The matter register (事项清单), searchable."""
    filters = MatterFilterForm(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    qs = matters_list(q=data.get("q", ""), department_id=data.get("department"), stage=data.get("stage", ""))
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    for m in page.object_list:
        m.editable = can_edit_matter(request.user, m.department)
    return render(
        request,
        "jrp/measures/matter_list.html",
        {"filters": filters, "page": page, "can_edit": can_edit_matters(request.user)},
    )


def _matter_departments(user):
    qs = Department.objects.filter(is_active=True).order_by("code")
    return None if can_manage_rulebooks(user) else qs.filter(pk=user.department_id)


@require_http_methods(["GET", "POST"])
@console_view(can_edit_matters)
def matter_edit(request, pk: int | None = None):
    """Create or change one matter."""
    matter = get_object_or_404(Matter, pk=pk) if pk else None
    if matter is not None and not can_edit_matter(request.user, matter.department):
        messages.error(request, "您只能修改本部门的事项。")
        return redirect("jrp:measures:matters")
    form = MatterForm(request.POST or None, instance=matter, departments=_matter_departments(request.user))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = matter_save(
                    actor=request.user,
                    code=data["code"],
                    name=data["name"],
                    stage=data["stage"],
                    department=data["department"],
                    kind=data["kind"],
                    active=data["active"],
                    matter=Matter.objects.get(pk=matter.pk) if matter else None,
                )
            except MeasuresError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"已保存事项“{saved.name}”。")
                return redirect(f"{reverse('jrp:measures:matters')}?{urlencode({'q': saved.code})}")
        status = 400
    return render(request, "jrp/measures/matter_edit.html", {"form": form, "matter": matter}, status=status)


@require_http_methods(["GET", "POST"])
@console_view(can_edit_matters)
def matter_import(request):
    """Import a department's 权责清单 / 事项清单 file."""
    departments = _matter_departments(request.user)
    form = MatterImportForm(request.POST or None, request.FILES or None, departments=departments)
    report = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > MAX_IMPORT_BYTES:
                form.add_error("file", "文件超过 20 MB，请拆分后导入")
            else:
                suffix = Path(upload.name).suffix.lower()[:10]
                with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
                    for chunk in upload.chunks():
                        tmp.write(chunk)
                    tmp.flush()
                    try:
                        report = matters_import(
                            path=tmp.name,
                            filename=upload.name,
                            department=form.cleaned_data["department"],
                            actor=request.user,
                            default_stage=form.cleaned_data["default_stage"],
                        )
                    except ReadError as exc:
                        form.add_error("file", f"{exc.message}（{exc.code}）")
                if report is not None and report.ok:
                    messages.success(
                        request,
                        f"已导入 {report.rows:,} 行：新增 {report.created:,} 项，更新 {report.updated:,} 项，"
                        f"未变 {report.unchanged:,} 项。",
                    )
                    return redirect("jrp:measures:matters")
    return render(
        request,
        "jrp/measures/matter_import.html",
        {"form": form, "report": report, "synonyms": COLUMN_SYNONYMS},
        status=status,
    )
