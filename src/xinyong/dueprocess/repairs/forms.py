"""Forms of credit repair: the subject's application and the department's decisions."""

from __future__ import annotations

from django import forms

from xinyong.dueprocess.repairs.services import COMMITMENT_TEXT, MAX_TEXT


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class RepairApplyForm(forms.Form):
    statement = forms.CharField(
        label="履行法定义务、纠正失信行为的情况",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="如：已于某日缴清罚款，已完成整改并经复查合格",
    )
    evidence = MultipleFileField(
        label="证明材料", help_text="PDF、JPG、PNG 或 OFD，单个不超过 10 MB，最多 10 个", required=True
    )
    commitment_text = forms.CharField(
        label="信用修复承诺书",
        max_length=MAX_TEXT,
        initial=COMMITMENT_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    signatory = forms.CharField(label="签署人姓名", max_length=100)
    agree = forms.BooleanField(label="我已阅读并签署上述信用修复承诺书，承诺内容将依法公开", required=True)


class DecisionForm(forms.Form):
    reasons = forms.CharField(
        label="理由", max_length=MAX_TEXT, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
