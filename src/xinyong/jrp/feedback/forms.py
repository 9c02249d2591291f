"""Forms of the feedback screens: one answer, a bulk answer, a feedback file, the statistics period, a case."""

from __future__ import annotations

import datetime as dt

from django import forms

from xinyong.jrp.models import FeedbackState, MeasureKind

ANSWER_CHOICES = [
    (FeedbackState.APPLIED.value, "已实施"),
    (FeedbackState.NOT_APPLIED.value, "未实施（须说明原因）"),
    (FeedbackState.NOT_APPLICABLE.value, "不适用（须说明原因）"),
]
QUEUE_STATE_CHOICES = [("", "全部"), *FeedbackState.choices]
FILE_MAX_BYTES = 10 * 1024 * 1024


class FeedbackForm(forms.Form):
    state = forms.ChoiceField(label="实施情况", choices=ANSWER_CHOICES, widget=forms.RadioSelect)
    reason = forms.CharField(
        label="原因说明",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="选择“未实施”或“不适用”时必填",
    )

    def clean(self):
        data = super().clean()
        if (
            data.get("state") in (FeedbackState.NOT_APPLIED, FeedbackState.NOT_APPLICABLE)
            and not (data.get("reason") or "").strip()
        ):
            self.add_error("reason", forms.ValidationError("请填写原因说明", code="feedback_reason_required"))
        return data


class BulkFeedbackForm(FeedbackForm):
    ids = forms.TypedMultipleChoiceField(coerce=int, choices=[], label="选中的事项")

    def __init__(self, *args, allowed_ids: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ids"].choices = [(i, str(i)) for i in allowed_ids]


class FeedbackFileForm(forms.Form):
    file = forms.FileField(
        label="反馈文件", help_text="CSV 或 XLSX；表头：核查记录编号、措施代码、反馈结果、原因说明"
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > FILE_MAX_BYTES:
            raise forms.ValidationError("文件不能超过 10 MB", code="file_too_large")
        if upload.size == 0:
            raise forms.ValidationError("文件是空的，请检查后重新选择", code="file_empty")
        return upload


class QueueFilterForm(forms.Form):
    state = forms.ChoiceField(label="状态", choices=QUEUE_STATE_CHOICES, required=False)
    overdue = forms.BooleanField(label="只看逾期", required=False)
    q = forms.CharField(label="主体名称、代码或措施代码", required=False, max_length=100)
    department = forms.ModelChoiceField(label="部门", queryset=None, required=False, empty_label="全部部门")

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        if departments is None:
            del self.fields["department"]
        else:
            self.fields["department"].queryset = departments


class StatsForm(forms.Form):
    date_from = forms.DateField(
        label="核查日期自", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label="至", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def period(self, *, as_of: dt.date) -> tuple[dt.date, dt.date]:
        data = self.cleaned_data if self.is_valid() else {}
        date_to = data.get("date_to") or as_of
        date_from = data.get("date_from") or (date_to - dt.timedelta(days=89))
        if date_from > date_to:
            date_from, date_to = date_to, date_from
        return date_from, date_to


class TypicalCaseForm(forms.Form):
    title = forms.CharField(label="案例标题", max_length=300)
    kind = forms.ChoiceField(label="类别", choices=MeasureKind.choices)
    subject_code = forms.CharField(
        label="主体统一社会信用代码",
        required=False,
        max_length=18,
        help_text="可不填；自然人的案例公开时姓名将做脱敏处理",
    )
    summary = forms.CharField(label="案例内容", max_length=5000, widget=forms.Textarea(attrs={"rows": 8}))
    measure_codes = forms.CharField(
        label="涉及措施代码", required=False, max_length=1000, help_text="多个用逗号分隔"
    )
    occurred_on = forms.DateField(label="发生日期", widget=forms.DateInput(attrs={"type": "date"}))
