"""Console screens of 数据归集: upload, preview and column mapping, progress, result, batch list, form entry
and the quality and timeliness page.

The views only shape requests and responses. Reads go through ``collection.selectors`` (which also decides
whose batches a user sees — another department's batch is a 404), ``collection.mapping`` (the preview) and
``collection.rejections`` (the rejected rows); pages are formatted by ``collection.presenters``. Writes go
through ``collection.intake``, ``collection.lifecycle``, ``collection.entry`` and ``collection.exports``,
which check again that the user may submit for the department, and audit.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from xinyong.accounts.decorators import console_view
from xinyong.accounts.models import Department
from xinyong.accounts.permissions import is_platform_wide
from xinyong.catalog.models import CatalogItemVersion
from xinyong.catalog.selectors import (
    catalog_item_current_version,
    catalog_items_active,
    catalog_version_schema,
)
from xinyong.collection import (
    entry,
    exports,
    intake,
    lifecycle,
    permissions,
    presenters,
    rejections,
    row_warnings,
    selectors,
)
from xinyong.collection import (
    mapping as column_mapping,
)
from xinyong.collection.errors import CollectionError, DuplicateUpload
from xinyong.collection.forms import (
    BatchFilterForm,
    MappingForm,
    QualityFilterForm,
    RecordEntryForm,
    ReuploadForm,
    UploadForm,
    too_large_message,
    upload_max_bytes,
)
from xinyong.collection.models import Batch, BatchChannel, BatchStatus
from xinyong.collection.permissions import can_read_collection, can_submit_collection
from xinyong.collection.storage import StoredFilesPurged, open_stored, retention_days
from xinyong.core.errors import CodedError
from xinyong.core.masking import mask_ric

BATCHES_PER_PAGE = 25
REJECTED_ROWS_PER_PAGE = 20
WARNING_ROWS_PER_PAGE = 20
PREVIEW_ROWS = 10
# Rows with problems listed under the preview table (the preview validates more rows than it shows).
PREVIEW_ISSUE_ROWS = 50
TOP_ERRORS = 10
# htmx polls the progress of a running batch this often.
POLL_SECONDS = 2

MATCH_LABELS = {
    "saved": "已保存",
    "code": "代码",
    "header": "表头",
    "synonym": "同义词",
    "legacy": "旧版代码",
    "": "未识别",
}


# ---------------------------------------------------------------------------------------------------
# Helpers


def _today() -> dt.date:
    return timezone.localdate()


def _visible_batch(request, pk: uuid.UUID) -> Batch:
    """The batch if the user may see it; another department's batch is "not found", not "forbidden"."""
    return get_object_or_404(selectors.batches_visible_to(user=request.user), pk=pk)


def _may_submit_for(user, department) -> bool:
    return can_submit_collection(user) and permissions.can_upload_for(user, department)


def _submitting_department(request) -> Department | None:
    """The department a user submits for: their own; ``None`` for operators, who choose one."""
    return request.user.department if request.user.department_id else None


def _active_departments():
    return selectors.departments_active()


def _submittable_items(department: Department | None, *, as_of: dt.date) -> list[tuple[str, str]]:
    """(code, name) of the active items ``department`` may submit (every active item when no department)."""
    items = []
    for item in catalog_items_active():
        try:
            version = catalog_item_current_version(code=item.code, on=as_of)
        except CatalogItemVersion.DoesNotExist:
            continue
        if department is None or version.accepts_from(department):
            items.append((item.code, item.name))
    return items


def _error_text(exc: Exception) -> str:
    message = getattr(exc, "message", "") or str(exc)
    code = getattr(exc, "code", "")
    return f"{message}（{code}）" if code else message


def _duplicate_text(exc: DuplicateUpload) -> str:
    """The refusal of an identical file, in the console's terms (the service's message names the CLI's --force)."""
    previous = exc.previous
    when = timezone.localtime(previous.received_at).strftime("%Y-%m-%d %H:%M")
    return (
        f"该文件已于 {when} 上传过（批次 {str(previous.pk)[:8]}，{previous.get_status_display()}）。"
        "同一文件无需重复报送，请在该批次页面查看结果；如确需重新处理，请勾选“确认重新处理同一文件”，"
        f"再次选择该文件后提交（{exc.code}）"
    )


def _request_too_large(request) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    # The multipart envelope adds a little; anything beyond the limit plus 1 MB cannot hold an allowed file.
    return length > upload_max_bytes() + 1024 * 1024


def _masked_rows(preview, schema) -> list[list]:
    """Sample rows for display with the values of personal-identifier columns masked."""
    personal = {spec.code for spec in schema.fields if spec.personal}
    masked_columns = {c.index for c in preview.proposal.columns if c.field_code in personal}
    out = []
    for row in preview.sample_rows:
        cells = []
        for index in range(len(preview.headers)):
            value = row.values[index] if index < len(row.values) else None
            if index in masked_columns and value not in (None, ""):
                value = mask_ric(str(value))
            cells.append("" if value is None else value)
        out.append(cells)
    return out


# ---------------------------------------------------------------------------------------------------
# Batch list


@require_GET
@console_view(can_read_collection)
def batch_list(request):
    """Every batch the user may see, newest first, with filters, search and pagination."""
    batches = selectors.batches_visible_to(user=request.user)
    form = BatchFilterForm(
        request.GET or None,
        items=[(i.code, i.name) for i in catalog_items_active()],
        statuses=BatchStatus.choices,
        channels=BatchChannel.choices,
    )
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        batches = selectors.batches_filter(
            batches=batches,
            item_code=data["item"],
            status=data["status"],
            channel=data["channel"],
            date_from=data["date_from"],
            date_to=data["date_to"],
            text=data["q"].strip(),
        )
    page = Paginator(selectors.batches_newest_first(batches=batches), BATCHES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "collection/batch_list.html",
        {
            "form": form,
            "page": page,
            "show_department": is_platform_wide(request.user),
            "can_submit": can_submit_collection(request.user),
        },
    )


# ---------------------------------------------------------------------------------------------------
# Upload


def _size_guarded(refuse):
    """Decorator: answer a POST whose Content-Length is over the upload limit before its body is read.

    Checking the CSRF token parses the body (the whole file), so the view is exempt from the middleware's
    check and checks the token itself (``csrf_protect``) once the size is known to be acceptable.
    """

    def decorator(view):
        protected = csrf_protect(view)

        @csrf_exempt
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method == "POST" and _request_too_large(request):
                return refuse(request, *args, **kwargs)
            return protected(request, *args, **kwargs)

        return wrapped

    return decorator


def _refuse_upload(request):
    own = _submitting_department(request)
    form = UploadForm(
        items=_submittable_items(own, as_of=_today()), departments=None if own else _active_departments()
    )
    context = {
        "form": form,
        "refused": too_large_message(),
        "duplicate_of": None,
        "max_bytes": upload_max_bytes(),
    }
    return render(request, "collection/upload.html", context, status=413)


def _refuse_reupload(request, pk: uuid.UUID):
    messages.error(request, too_large_message())
    return redirect("collection:batch_detail", pk=pk)


@console_view(can_submit_collection)
@_size_guarded(_refuse_upload)
def upload(request):
    """Choose the catalog item and upload a file; a readable file goes on to the column mapping."""
    own = _submitting_department(request)
    departments = None if own else _active_departments()
    items = _submittable_items(own, as_of=_today())
    context = {"duplicate_of": None, "max_bytes": upload_max_bytes()}
    form = UploadForm(request.POST or None, request.FILES or None, items=items, departments=departments)
    if request.method == "POST" and form.is_valid():
        department = own or form.cleaned_data["department"]
        try:
            batch = intake.batch_create_from_file(
                department=department,
                item_code=form.cleaned_data["item"],
                uploaded_file=form.cleaned_data["file"],
                filename=form.cleaned_data["file"].name,
                channel=BatchChannel.FILE,
                actor=request.user,
                sheet=form.cleaned_data["sheet"] or None,
                allow_duplicate=form.cleaned_data["allow_duplicate"],
            )
        except DuplicateUpload as exc:
            form.add_error("file", _duplicate_text(exc))
            context["duplicate_of"] = exc.previous
        except CollectionError as exc:
            form.add_error("file" if exc.code.startswith("file") else None, _error_text(exc))
        else:
            return _after_upload(request, batch, form)
    return render(request, "collection/upload.html", {**context, "form": form})


def _after_upload(request, batch: Batch, form):
    if batch.status == BatchStatus.FAILED:
        # The file could not be read (wrong type, empty, undecodable …): say why next to the file field.
        form.add_error("file", f"{batch.error_message}（{batch.error_code}）")
        return render(
            request,
            "collection/upload.html",
            {"form": form, "failed_batch": batch, "max_bytes": upload_max_bytes()},
        )
    return redirect("collection:batch_mapping", pk=batch.pk)


@require_POST
@console_view(can_submit_collection)
@_size_guarded(_refuse_reupload)
def batch_reupload(request, pk: uuid.UUID):
    """Upload the fixed rejection file of a batch: a new batch of the same department and item (parent = batch)."""
    parent = _visible_batch(request, pk)
    if not _may_submit_for(request.user, parent.department):
        raise PermissionDenied("只能为本部门的批次上传更正文件")
    form = ReuploadForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("collection:batch_detail", pk=parent.pk)
    try:
        batch = intake.batch_create_from_file(
            department=parent.department,
            item_code=parent.item.code,
            uploaded_file=form.cleaned_data["file"],
            filename=form.cleaned_data["file"].name,
            channel=BatchChannel.FILE,
            actor=request.user,
            sheet=form.cleaned_data["sheet"] or None,
            parent=parent,
            allow_duplicate=form.cleaned_data["allow_duplicate"],
        )
    except DuplicateUpload as exc:
        messages.error(request, _duplicate_text(exc))
        return redirect("collection:batch_detail", pk=parent.pk)
    except CollectionError as exc:
        messages.error(request, _error_text(exc))
        return redirect("collection:batch_detail", pk=parent.pk)
    if batch.status == BatchStatus.FAILED:
        messages.error(request, f"更正文件无法读取：{batch.error_message}（{batch.error_code}）")
        return redirect("collection:batch_detail", pk=parent.pk)
    return redirect("collection:batch_mapping", pk=batch.pk)


# ---------------------------------------------------------------------------------------------------
# Preview and column mapping


@console_view(can_submit_collection)
def batch_mapping(request, pk: uuid.UUID):
    """The first rows of the file with a select of catalog fields per column; confirming starts the loading."""
    batch = _visible_batch(request, pk)
    if not _may_submit_for(request.user, batch.department):
        raise PermissionDenied("只能确认本部门批次的列映射")
    if batch.status not in (BatchStatus.UPLOADED, BatchStatus.MAPPING):
        return redirect("collection:batch_detail", pk=batch.pk)
    try:
        preview = column_mapping.batch_preview(batch=batch, rows=PREVIEW_ROWS)
    except CollectionError as exc:
        messages.error(request, _error_text(exc))
        return redirect("collection:batch_detail", pk=batch.pk)
    schema = catalog_version_schema(version=batch.item_version)
    initial = {c.header: c.field_code for c in preview.proposal.columns if c.field_code}
    form = MappingForm(request.POST or None, headers=preview.headers, schema=schema, initial_mapping=initial)
    problems = []
    if request.method == "POST" and form.is_valid():
        try:
            batch = lifecycle.batch_confirm_mapping(batch=batch, mapping=form.mapping(), actor=request.user)
            batch = lifecycle.batch_start(batch=batch, actor=request.user)
        except CollectionError as exc:
            problems = [_error_text(exc)]
        else:
            messages.success(request, "列映射已确认并保存，下次上传同一目录项时将自动使用。")
            return redirect("collection:batch_detail", pk=batch.pk)
    mapping = form.mapping() if form.is_bound and form.is_valid() else initial
    return render(
        request,
        "collection/mapping.html",
        {
            "batch": batch,
            "preview": preview,
            "columns": _mapping_columns(form, preview, schema),
            "rows": list(
                zip(
                    _masked_rows(preview, schema),
                    preview.results or [None] * len(preview.sample_rows),
                    strict=False,
                )
            ),
            "status": _mapping_status(mapping, schema),
            **_preview_issues(preview),
            "problems": problems,
            "platform_filled": [
                f"{schema.field(code).name}（{code}）"
                for code in getattr(preview.proposal, "platform_filled", [])
            ],
        },
    )


def _preview_issues(preview) -> dict:
    """The rows of the preview with errors or warnings (the first ones), and what was checked."""
    with_issues = [r for r in preview.results if r.errors or r.warnings]
    return {
        "issues": with_issues[:PREVIEW_ISSUE_ROWS],
        "issues_more": max(len(with_issues) - PREVIEW_ISSUE_ROWS, 0),
        "checked_rows": len(preview.results),
        "error_rows": sum(1 for r in preview.results if r.errors),
        "warning_rows": sum(1 for r in preview.results if r.warnings and not r.errors),
    }


def _mapping_columns(form, preview, schema) -> list[dict]:
    proposal = {c.index: c for c in preview.proposal.columns}
    duplicates = set(preview.proposal.duplicates)
    out = []
    for index, header in enumerate(preview.headers):
        match = proposal.get(index)
        field_code = match.field_code if match else None
        out.append(
            {
                "index": index,
                "header": header or f"第 {index + 1} 列",
                "field": form[f"col_{index}"],
                "via": MATCH_LABELS.get(match.via if match else "", match.via if match else ""),
                "matched": bool(field_code),
                "note": getattr(match, "note", "") if match else "",
                "duplicate": bool(field_code and field_code in duplicates),
            }
        )
    return out


def _mapping_status(mapping: dict[str, str], schema) -> dict:
    """What keeps the mapping from being confirmed, as shown above the table (and refreshed by htmx)."""
    problems = column_mapping.mapping_problems(mapping=mapping, schema=schema)
    mapped = {code for code in mapping.values() if code}
    return {
        "problems": [p.message for p in problems],
        "mapped_count": sum(1 for code in mapping.values() if code),
        "required_total": sum(1 for spec in schema.fields if spec.required),
        "required_mapped": sum(1 for spec in schema.fields if spec.required and spec.code in mapped),
    }


@require_POST
@console_view(can_submit_collection)
def batch_mapping_check(request, pk: uuid.UUID):
    """htmx: re-check the mapping being edited (missing required fields, a field in several columns)."""
    batch = _visible_batch(request, pk)
    if not _may_submit_for(request.user, batch.department):
        raise PermissionDenied("只能确认本部门批次的列映射")
    if column_mapping.batch_width_problem(batch=batch) is not None:
        return redirect("collection:batch_detail", pk=batch.pk)
    schema = catalog_version_schema(version=batch.item_version)
    form = MappingForm(request.POST, headers=list(batch.headers), schema=schema, initial_mapping={})
    mapping = form.mapping() if form.is_valid() else {}
    return render(request, "collection/_mapping_status.html", {"status": _mapping_status(mapping, schema)})


# ---------------------------------------------------------------------------------------------------
# Progress and result


@require_GET
@console_view(can_read_collection)
def batch_detail(request, pk: uuid.UUID):
    """One batch: progress while it loads (polled), then its counts, error codes and rejected rows."""
    batch = _visible_batch(request, pk)
    may_submit = _may_submit_for(request.user, batch.department)
    rows_visible = permissions.can_read_batch_rows(request.user, batch)
    rows = selectors.batch_rejected_rows(batch=batch, visible=rows_visible)
    rejected = Paginator(rows, REJECTED_ROWS_PER_PAGE).get_page(request.GET.get("page"))
    warning_rows = Paginator(selectors.batch_row_warnings(batch=batch), WARNING_ROWS_PER_PAGE).get_page(
        request.GET.get("wpage")
    )
    context = {
        "batch": batch,
        "progress": selectors.batch_progress(batch=batch),
        "poll": not batch.is_finished and batch.status in (BatchStatus.QUEUED, BatchStatus.LOADING),
        "poll_seconds": POLL_SECONDS,
        "may_submit": may_submit,
        "resumable": may_submit
        and selectors.batch_is_resumable(batch=batch)
        and batch.status == BatchStatus.FAILED,
        "top_errors": rejections.batch_top_errors(batch=batch, with_examples=rows_visible, limit=TOP_ERRORS),
        "rows_visible": rows_visible,
        "rows_hidden_message": permissions.ROWS_HIDDEN,
        "may_download": permissions.can_download_rejection_file(request.user, batch),
        "warnings": sorted((batch.warnings or {}).items(), key=lambda kv: (-kv[1], kv[0])),
        "warning_rows": warning_rows,
        "rejected": rejected,
        "rejected_lines": presenters.rejected_lines(rows=rejected),
        "corrections": selectors.batch_corrections(batch=batch),
        "reupload_form": ReuploadForm() if may_submit and batch.rejected else None,
        "retention_days": retention_days(),
        "files_kept_until": timezone.localdate(batch.received_at) + dt.timedelta(days=retention_days()),
    }
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "rejected":
        return render(request, "collection/_rejected_rows.html", context)
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "row-warnings":
        return render(request, "collection/_row_warnings.html", context)
    return render(request, "collection/batch_detail.html", context)


@require_GET
@console_view(can_read_collection)
def batch_progress(request, pk: uuid.UUID):
    """htmx fragment polled every 2 s while a batch loads; when it has finished, the page reloads."""
    batch = _visible_batch(request, pk)
    if batch.is_finished or batch.status not in (BatchStatus.QUEUED, BatchStatus.LOADING):
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(
        request,
        "collection/_progress.html",
        {
            "batch": batch,
            "progress": selectors.batch_progress(batch=batch),
            "poll": True,
            "poll_seconds": POLL_SECONDS,
        },
    )


def _open_generated(request, batch, write):
    """Write a batch's generated file (``write()`` returns its path) and open it decrypted for download;
    a refusal (purged at the end of the retention period, damaged) goes back to the batch page."""
    try:
        path = write()
        return path, open_stored(path=path)  # decrypted while it streams; a damaged file is refused here
    except CodedError as exc:
        messages.error(request, _error_text(exc))
    except FileNotFoundError:  # the daily purge removed it between writing and opening
        batch.refresh_from_db(fields=["files_purged_at"])
        messages.error(request, _error_text(StoredFilesPurged(batch)))
    return redirect("collection:batch_detail", pk=batch.pk)


@require_GET
@console_view(can_read_collection)
def batch_rejection_file(request, pk: uuid.UUID):
    """Download the rejection file (退回文件): the rejected rows, original columns plus error columns."""
    batch = _visible_batch(request, pk)
    if not permissions.can_download_rejection_file(request.user, batch):
        raise PermissionDenied(permissions.REJECTION_FILE_REFUSED)
    if not batch.rejected:
        raise Http404("该批次没有退回行")
    opened = _open_generated(
        request, batch, lambda: rejections.batch_rejection_file(batch=batch, actor=request.user)
    )
    if isinstance(opened, HttpResponse):
        return opened
    path, stored = opened
    stem = (
        batch.original_filename.rsplit(".", 1)[0] if batch.original_filename else str(batch.pk)[:8]
    ) or "batch"
    return FileResponse(stored, as_attachment=True, filename=f"{stem}_退回{path.suffix}")


@require_GET
@console_view(can_read_collection)
def batch_warning_file(request, pk: uuid.UUID):
    """Download the warning list (提示清单): row, column, value, code and message of every warning."""
    batch = _visible_batch(request, pk)
    if not selectors.batch_has_row_warnings(batch=batch):
        raise Http404("该批次没有逐行保存的提示")
    opened = _open_generated(
        request, batch, lambda: row_warnings.batch_warning_file(batch=batch, actor=request.user)
    )
    if isinstance(opened, HttpResponse):
        return opened
    return FileResponse(opened[1], as_attachment=True, filename=row_warnings.warning_file_name(batch=batch))


@require_POST
@console_view(can_submit_collection)
def batch_resume(request, pk: uuid.UUID):
    """Continue an interrupted batch after its last committed chunk."""
    batch = _visible_batch(request, pk)
    try:
        lifecycle.batch_resume(batch=batch, actor=request.user)
    except CollectionError as exc:
        messages.error(request, _error_text(exc))
    return redirect("collection:batch_detail", pk=batch.pk)


# ---------------------------------------------------------------------------------------------------
# Form entry


@console_view(can_submit_collection)
def form_entry(request):
    """Choose the catalog item (and, for operators, the department) of a record entered by hand."""
    own = _submitting_department(request)
    items = _submittable_items(own, as_of=_today())
    departments = None if own else _active_departments()
    item_code = request.GET.get("item")
    department = request.GET.get("department", "")
    error = ""
    if item_code:
        if item_code not in {code for code, _ in items}:
            raise Http404("没有这个目录项，或本部门不报送该目录项")
        url = reverse("collection:form_entry_item", args=[item_code])
        if own:
            return redirect(url)
        if department.isdigit() and selectors.department_active_exists(department_id=int(department)):
            return redirect(f"{url}?{urlencode({'department': department})}")
        error = "请选择以哪个部门的名义录入（数据来源单位）"
    return render(
        request,
        "collection/form_choose.html",
        {"items": items, "departments": departments, "error": error, "chosen_item": item_code},
    )


@console_view(can_submit_collection)
def form_entry_item(request, item_code: str):
    """A form generated from the item's fields; the record is validated like an uploaded row, then stored."""
    own = _submitting_department(request)
    # One day for the form shown and the validation behind it, so both use the same catalog version.
    today = _today()
    if item_code not in {code for code, _ in _submittable_items(own, as_of=today)}:
        raise Http404("没有这个目录项，或本部门不报送该目录项")
    department = own
    if department is None:
        department = get_object_or_404(_active_departments(), pk=request.GET.get("department") or 0)
    version = catalog_item_current_version(code=item_code, on=today)
    schema = catalog_version_schema(version=version)
    form = RecordEntryForm(request.POST or None, schema=schema)
    if request.method == "POST" and form.is_valid():
        try:
            result = entry.record_submit_form(
                department=department,
                item_code=item_code,
                values=form.values(),
                actor=request.user,
                as_of=today,
            )
        except CollectionError as exc:
            form.add_error(None, _error_text(exc))
        else:
            if result.ok:
                _form_success_message(request, result)
                return redirect(request.get_full_path())
            for issue in result.errors:
                target = issue.field if issue.field in form.fields else None
                form.add_error(target, f"{_form_wording(issue.message)}（{issue.code}）")
    return render(
        request,
        "collection/form_entry.html",
        {"form": form, "version": version, "department": department, "schema": schema},
    )


def _form_wording(message: str) -> str:
    """Row messages are written for files (“第 1 行…请修改后重新上传”); a form has one record and is resubmitted."""
    message = re.sub(r"^第\s*1\s*行[：:，,]?", "", message)
    return message.replace("重新上传", "重新提交")


OUTCOME_LABELS = {
    "created": "新增入库",
    "new_version": "已作为新版本入库",
    "duplicate": "与已有记录相同，计为重复",
}


def _form_success_message(request, result) -> None:
    outcome = OUTCOME_LABELS.get(result.outcome, result.outcome)
    text = (
        f"记录已提交：{outcome}（文书号 {result.record.document_number}，批次 {str(result.batch.pk)[:8]}）。"
    )
    # The same warning may come twice; a message's own full stop would double the separator (“。；”).
    notes = list(dict.fromkeys(_form_wording(w.message).rstrip("。；") for w in result.warnings))
    if notes:
        text += " 提示：" + "；".join(notes) + "。"
    messages.success(request, text)


# ---------------------------------------------------------------------------------------------------
# Quality and timeliness


def _quality(request):
    """The filter form and the per-department quality rows for the user's scope."""
    as_of = _today()
    platform = is_platform_wide(request.user)
    period_from, period_to = selectors.recent_period(as_of=as_of)
    default = {"date_from": period_from, "date_to": period_to}
    data = request.GET if "date_from" in request.GET else None
    form = QualityFilterForm(data, initial=default, departments=_active_departments() if platform else None)
    if form.is_bound and form.is_valid():
        date_from, date_to = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
        department = form.cleaned_data.get("department") if platform else request.user.department
    else:
        date_from, date_to = default["date_from"], default["date_to"]
        department = None if platform else request.user.department
    if not platform and department is None:
        raise PermissionDenied("您的账号没有所属部门，无法查看质量统计")
    rows = selectors.quality_by_department(date_from=date_from, date_to=date_to, department=department)
    return form, rows, date_from, date_to, department


@require_GET
@console_view(can_read_collection)
def quality(request):
    """Per department: volume, acceptance, duplicate and late rates, top error codes — with bar charts."""
    form, rows, date_from, date_to, department = _quality(request)
    # The same selectors as the console home page: one definition of the period and of each figure.
    totals = selectors.batch_totals(
        batches=selectors.batches_received_between(
            date_from=date_from, date_to=date_to, department=department
        )
    )
    late = sum(row["late"] for row in rows)
    charts = presenters.quality_charts(rows=rows, top_errors=TOP_ERRORS)
    return render(
        request,
        "collection/quality.html",
        {
            "form": form,
            "rows": rows,
            "charts": charts,
            "totals": totals,
            "late": late,
            "date_from": date_from,
            "date_to": date_to,
            "department": department,
            "export_query": request.GET.urlencode(),
        },
    )


@require_GET
@console_view(can_read_collection)
def quality_export(request):
    """The quality figures as CSV, UTF-8 with a byte order mark so that Excel opens it correctly."""
    _, rows, date_from, date_to, department = _quality(request)
    content = exports.quality_csv_export(
        actor=request.user, rows=rows, date_from=date_from, date_to=date_to, department=department
    )
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    filename = f"quality_{date_from:%Y%m%d}_{date_to:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
