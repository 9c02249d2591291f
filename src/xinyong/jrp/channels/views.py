"""Console pages of the batch check (list with upload form, detail with progress and download) and the
embeddable widget's page.

Reads go through ``channels.selectors`` (another department's batch is a 404), writes through
``channels.services``; the widget page holds no data of its own: its script calls the token-authenticated
check endpoint of the API.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET

from xinyong.accounts.decorators import console_view
from xinyong.core.errors import CodedError
from xinyong.jrp.channels import presenters, selectors
from xinyong.jrp.channels.forms import BatchCheckFilterForm, BatchCheckForm
from xinyong.jrp.channels.permissions import (
    can_download_batch_check,
    can_open_batch_checks,
    can_submit_batch_check,
)
from xinyong.jrp.channels.reading import max_codes
from xinyong.jrp.channels.services import batch_check_submit
from xinyong.jrp.models import BatchCheck

BATCHES_PER_PAGE = 25
POLL_SECONDS = 2


def _upload_limit() -> int:
    return int(settings.XINYONG_UPLOAD_MAX_BYTES)


class FileTooLarge(CodedError):
    status = 413


def _too_large() -> FileTooLarge:
    return FileTooLarge(
        "file_too_large", f"文件超过 {filesizeformat(_upload_limit())} 的上传上限；请拆分为多个文件分别核查"
    )


def _size_guarded(view):
    """Refuse an upload whose Content-Length is over the limit before its body is read (then check CSRF)."""
    protected = csrf_protect(view)

    @csrf_exempt
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method == "POST":
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > _upload_limit() + 1024 * 1024:
                return _list_page(request, BatchCheckForm(), refused=_too_large().message, status=413)
        return protected(request, *args, **kwargs)

    return wrapped


def _visible(request, number: str) -> BatchCheck:
    batch = selectors.batch_checks_visible_to(user=request.user).filter(ref=number).first()
    if batch is None:
        raise Http404("未找到该批量核查")
    return batch


def _list_page(request, form, *, refused: str = "", status: int = 200) -> HttpResponse:
    filters = BatchCheckFilterForm(request.GET or None)
    rows = selectors.batch_checks_visible_to(user=request.user)
    if filters.is_valid():
        rows = selectors.batch_checks_filter(
            rows,
            q=filters.cleaned_data["q"],
            status=filters.cleaned_data["status"],
            date_from=filters.cleaned_data["date_from"],
            date_to=filters.cleaned_data["date_to"],
        )
    page = Paginator(rows.order_by("-created_at", "-pk"), BATCHES_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form if can_submit_batch_check(request.user) else None,
        "filters": filters,
        "page": page,
        "rows": [(b, selectors.batch_check_counts(batch=b)) for b in page.object_list],
        "refused": refused,
        "max_bytes": _upload_limit(),
        "max_codes": max_codes(),
    }
    return render(request, "jrp/channels/batch_list.html", context, status=status)


@console_view(can_open_batch_checks)
@_size_guarded
def batch_list(request):
    """The department's batch checks, and the form to submit one."""
    form = BatchCheckForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not can_submit_batch_check(request.user):
            raise PermissionDenied("只有部门的窗口核查人员、审核员和数据报送员可以提交批量核查")
        if form.is_valid():
            upload = form.cleaned_data["file"]
            name = upload.name or "codes.csv"
            suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ".csv"
            try:
                batch = batch_check_submit(
                    department=request.user.department,
                    actor=request.user,
                    purpose=form.cleaned_data["purpose"],
                    matter_code=form.cleaned_data["matter"],
                    as_of=timezone.localdate(),
                    chunks=upload.chunks(),
                    filename=name,
                    suffix=suffix,
                    limit=_upload_limit(),
                    too_large=_too_large(),
                )
            except CodedError as exc:
                form.add_error("file", f"{exc.message}（{exc.code}）")
            else:
                return redirect("jrp:channels_batch_detail", number=batch.ref)
        return _list_page(request, form, status=400)
    return _list_page(request, form)


def _detail_context(request, batch: BatchCheck) -> dict:
    return {
        "batch": batch,
        "matter_name": selectors.matter_name(code=batch.matter_code),
        "counts": selectors.batch_check_counts(batch=batch),
        "poll": batch.status in (BatchCheck.Status.QUEUED, BatchCheck.Status.RUNNING),
        "poll_seconds": POLL_SECONDS,
        "may_download": can_download_batch_check(request.user, batch),
        # Above this many rows the XLSX holds only the hits and invalid rows (the CSV has them all).
        "xlsx_partial": batch.total > int(settings.JRP_BATCH_XLSX_MAX_ROWS),
    }


@require_GET
@console_view(can_open_batch_checks)
def batch_detail(request, number: str):
    batch = _visible(request, number)
    return render(request, "jrp/channels/batch_detail.html", _detail_context(request, batch))


@require_GET
@console_view(can_open_batch_checks)
def batch_progress(request, number: str):
    """The progress panel (htmx); 204 once the batch has finished, so polling stops and the page reloads."""
    batch = _visible(request, number)
    context = _detail_context(request, batch)
    if not context["poll"]:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "jrp/channels/_progress.html", context)


@require_GET
@console_view(can_open_batch_checks)
def batch_download(request, number: str):
    """The result file (CSV or XLSX): the submitting department only."""
    batch = _visible(request, number)
    if not can_download_batch_check(request.user, batch):
        raise PermissionDenied("结果文件只能由提交核查的部门下载")
    fmt = request.GET.get("format", "csv")
    if fmt not in ("csv", "xlsx"):
        raise Http404("没有这种格式的结果文件")
    try:
        handle, name = presenters.result_open(batch=batch, fmt=fmt, actor=request.user)
    except CodedError as exc:
        return render(
            request,
            "jrp/channels/batch_detail.html",
            {**_detail_context(request, batch), "download_error": exc.message},
            status=exc.status,
        )
    return FileResponse(handle, as_attachment=True, filename=name)


# ---------------------------------------------------------------------------------------------------
# The widget


def widget_frame_ancestors() -> list[str]:
    """Origins allowed to frame the widget: ``JRP_WIDGET_FRAME_ANCESTORS``, and this site for the demo page."""
    origins = list(settings.JRP_WIDGET_FRAME_ANCESTORS)
    if settings.XINYONG_DEMO_ACCEPTANCE:
        origins.insert(0, "'self'")
    return origins or ["'none'"]


@require_GET
@xframe_options_exempt
def widget_frame(request):
    """The widget's page: a form and a result card, filled by its script with the token from the URL fragment."""
    response = render(request, "jrp/channels/widget.html", {})
    # django-csp: only this page may be framed, and only by the configured acceptance systems' origins.
    response._csp_replace = {"frame-ancestors": widget_frame_ancestors()}
    return response
