"""Forms of the objection screens: filing (portal and console), the queue's filters and each step's form."""

from __future__ import annotations

from django import forms

from xinyong.accounts.models import Department
from xinyong.dueprocess.objections.models import ObjectionOutcome, ObjectionState

MAX_FILES = 10


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceField(forms.FileField):
    """Several files in one input; types and sizes are checked by the evidence store (by content)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.ofd"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            files = [single(d, initial) for d in data if d]
        else:
            files = [single(data, initial)] if data else []
        if len(files) > MAX_FILES:
            raise forms.ValidationError(f"最多上传 {MAX_FILES} 个证明材料")
        return files


class ObjectionFileForm(forms.Form):
    statement = forms.CharField(
        label="异议的事实和理由",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="请说明该信息哪里有误，以及您的依据",
    )
    requested = forms.CharField(label="申请事项", max_length=200, required=False, help_text="如：更正、撤销")
    contact_name = forms.CharField(label="联系人", max_length=100, required=False)
    contact_phone = forms.CharField(label="联系电话", max_length=30, required=False)
    evidence = EvidenceField(
        label="证明材料",
        required=False,
        help_text="可选，PDF、JPG、PNG 或 OFD 文件，单个不超过 10 MB，最多 10 个",
    )


class QueueFilterForm(forms.Form):
    state = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), *ObjectionState.choices])
    q = forms.CharField(label="编号或主体名称", required=False, max_length=100)
    department = forms.ModelChoiceField(label="部门", required=False, queryset=Department.objects.none())
    overdue = forms.BooleanField(label="只看超期", required=False)

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        if departments is None:
            del self.fields["department"]
        else:
            self.fields["department"].queryset = departments
            self.fields["department"].empty_label = "全部部门"


class NoteForm(forms.Form):
    note = forms.CharField(
        label="说明", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReasonsForm(forms.Form):
    reasons = forms.CharField(
        label="不予受理的理由", max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ForwardForm(forms.Form):
    department = forms.ModelChoiceField(label="数据来源单位", queryset=Department.objects.none())
    note = forms.CharField(
        label="说明", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(is_active=True).order_by("code")


class DecideForm(forms.Form):
    outcome = forms.ChoiceField(label="处理结果", choices=ObjectionOutcome.choices, widget=forms.RadioSelect)
    reasons = forms.CharField(label="处理理由", max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
