"""Console screens of 信用档案: find a subject, state the purpose (查询事由), read the archive, export it as CSV.

The purpose travels in the query string of the archive page (a GET form), so pagination and the export keep
it; every rendering of the archive and every export is written to the audit log with it by the service
(``records.archive.services``); what the user may see is decided by the selectors.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from xinyong.accounts.decorators import console_view
from xinyong.core.identifiers import check_ric
from xinyong.core.masking import mask_ric
from xinyong.records.archive.errors import ArchiveError, ArchiveSubjectNotFound
from xinyong.records.archive.permissions import archive_can_open
from xinyong.records.archive.selectors import archive_subject_get
from xinyong.records.archive.services import (
    PURPOSE_NOTE_MAX_LENGTH,
    ArchivePurpose,
    archive_export_csv,
    archive_purpose_text,
    archive_subject_search,
    archive_view,
)
from xinyong.subjects.models import Subject

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ArchiveSearchForm(forms.Form):
    q = forms.CharField(
        label="统一社会信用代码、身份证号码或名称",
        max_length=100,
        strip=True,
        help_text="代码和身份证号码须完整准确；自然人只能按身份证号码查找",
        error_messages={"required": "请输入统一社会信用代码、身份证号码或主体名称"},
    )


class ArchivePurposeForm(forms.Form):
    purpose = forms.ChoiceField(
        label="查询事由",
        required=False,
        choices=[("", "请选择查询事由"), *ArchivePurpose.choices],
        help_text="调阅记录将写入审计日志，包括查询人、时间和事由",
    )
    purpose_note = forms.CharField(
        label="具体事由",
        required=False,
        max_length=PURPOSE_NOTE_MAX_LENGTH,
        help_text="查询事由为“其他”时必填，请简要说明",
    )
    as_of = forms.DateField(
        label="状态基准日期",
        required=False,
        widget=DATE_WIDGET,
        help_text="按该日期判断记录是否有效、是否已过公示期；不填为今天",
    )

    def clean(self):
        data = super().clean()
        try:
            data["purpose_text"] = archive_purpose_text(
                purpose=data.get("purpose") or "", purpose_note=data.get("purpose_note") or ""
            )
        except ArchiveError as exc:
            target = "purpose_note" if exc.code.startswith("purpose_note") else "purpose"
            self.add_error(target, forms.ValidationError(f"{exc.message}（{exc.code}）", code=exc.code))
        return data


def _today() -> dt.date:
    return timezone.localdate()


def _subject_or_404(request, pk: int) -> Subject:
    try:
        return archive_subject_get(principal=request.user, subject_id=pk)
    except ArchiveSubjectNotFound as exc:
        raise Http404(exc.message) from exc


def _purpose_page(request, subject: Subject, form: ArchivePurposeForm, *, status: int = 200):
    return render(request, "console/archive/purpose.html", {"subject": subject, "form": form}, status=status)


@require_GET
@console_view(archive_can_open)
def archive_search(request):
    """Find a subject by USCC, 身份证 number (exact) or name; only subjects the user may see are listed."""
    form = ArchiveSearchForm(request.GET or None)
    results = None
    searched = ""
    if form.is_bound and form.is_valid():
        query = form.cleaned_data["q"]
        results = archive_subject_search(principal=request.user, query=query)
        searched = query
        if check_ric(query).ok:
            # A 身份证 number is not echoed back into the page: the field is emptied and the number shown masked.
            form = ArchiveSearchForm()
            searched = mask_ric(query)
    return render(
        request, "console/archive/search.html", {"form": form, "results": results, "searched": searched}
    )


@require_GET
@console_view(archive_can_open)
def archive_purpose(request, pk: int):
    """The purpose step: choose a 查询事由 before the archive opens."""
    subject = _subject_or_404(request, pk)
    form = ArchivePurposeForm(initial={"as_of": _today()})
    return _purpose_page(request, subject, form)


def _with_purpose(request, pk: int, answer: Callable[..., HttpResponse]) -> HttpResponse:
    """Check the stated purpose, then ``answer(subject, form, as_of, **purpose)``; a missing or invalid purpose,
    or one the service refuses, returns to the purpose form."""
    subject = _subject_or_404(request, pk)
    form = ArchivePurposeForm(request.GET)
    if not form.is_valid():
        return _purpose_page(request, subject, form, status=400)
    data = form.cleaned_data
    as_of = data["as_of"] or _today()
    try:
        return answer(
            subject,
            form,
            as_of,
            principal=request.user,
            purpose=data["purpose"],
            purpose_note=data["purpose_note"],
            request=request,
        )
    except ArchiveSubjectNotFound as exc:
        raise Http404(exc.message) from exc
    except ArchiveError as exc:
        form.add_error(None, f"{exc.message}（{exc.code}）")
        return _purpose_page(request, subject, form, status=400)


@require_GET
@console_view(archive_can_open)
def archive_subject(request, pk: int):
    """The archive of one subject for the stated purpose."""

    def show(subject, form, as_of, **purpose) -> HttpResponse:
        archive = archive_view(subject=subject, as_of=as_of, page=_page_number(request), **purpose)
        return render(
            request,
            "console/archive/archive.html",
            {"subject": subject, "archive": archive, "form": form, "as_of": as_of},
        )

    return _with_purpose(request, pk, show)


@require_GET
@console_view(archive_can_open)
def archive_export(request, pk: int):
    """The archive's records as CSV (UTF-8 with a byte order mark for Excel); audited as an export."""

    def export(subject, form, as_of, **purpose) -> HttpResponse:
        text = archive_export_csv(subject=subject, as_of=as_of, **purpose)
        response = HttpResponse(("\ufeff" + text).encode("utf-8"), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="archive_{subject.pk}_{as_of:%Y%m%d}.csv"'
        return response

    return _with_purpose(request, pk, export)


def _page_number(request) -> int:
    raw = request.GET.get("page") or "1"
    return int(raw) if raw.isdigit() and int(raw) > 0 else 1
