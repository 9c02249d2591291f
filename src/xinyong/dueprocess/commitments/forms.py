"""Forms of the commitment screens: the queue filter, signing on behalf, the follow-up, the portal's signing."""

from __future__ import annotations

from django import forms

from xinyong.dueprocess.commitments.models import CommitmentKind, CommitmentState
from xinyong.dueprocess.commitments.selectors import DUE, OVERDUE

QUEUE_STATE_CHOICES = [
    ("", "全部"),
    (DUE, "待核查（履行期限已到）"),
    (OVERDUE, "逾期未核查"),
    *CommitmentState.choices,
]
KIND_CHOICES = [("", "全部类型"), *CommitmentKind.choices]
DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class QueueFilterForm(forms.Form):
    state = forms.ChoiceField(label="状态", choices=QUEUE_STATE_CHOICES, required=False)
    kind = forms.ChoiceField(label="承诺类型", choices=KIND_CHOICES, required=False)
    q = forms.CharField(label="承诺书编号、主体名称或代码、事项", required=False, max_length=100)
    due_from = forms.DateField(label="履行期限自", required=False, widget=DATE)
    due_to = forms.DateField(label="至", required=False, widget=DATE)
    department = forms.ModelChoiceField(
        label="受理单位", queryset=None, required=False, empty_label="全部单位"
    )

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        if departments is None:
            del self.fields["department"]
        else:
            self.fields["department"].queryset = departments


class StatsForm(forms.Form):
    date_from = forms.DateField(label="承诺日期自", required=False, widget=DATE)
    date_to = forms.DateField(label="至", required=False, widget=DATE)


class SignOnBehalfForm(forms.Form):
    """A commitment signed on paper at the window, recorded by the accepting department."""

    subject_code = forms.CharField(
        label="承诺主体的统一社会信用代码或身份证号码", max_length=30, help_text="主体须已在主体库中登记"
    )
    template = forms.ModelChoiceField(label="承诺书模板", queryset=None, empty_label="请选择模板")
    matter_name = forms.CharField(
        label="承诺事项", max_length=200, required=False, help_text="留空时使用模板对应的事项名称"
    )
    signatory = forms.CharField(label="签署人", max_length=100, help_text="法定代表人（负责人）或本人姓名")
    signed_on = forms.DateField(label="承诺日期", widget=DATE)
    fulfilment_due = forms.DateField(
        label="履行期限", required=False, widget=DATE, help_text="留空时按模板的期限计算"
    )
    missing_documents = forms.CharField(
        label="容缺的材料",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="仅容缺受理：每行一项",
    )
    extra_text = forms.CharField(
        label="补充承诺内容", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    department = forms.ModelChoiceField(label="承诺受理单位", queryset=None, empty_label="请选择受理单位")

    def __init__(self, *args, templates, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = templates
        if departments is None:
            del self.fields["department"]
        else:
            self.fields["department"].queryset = departments

    def clean(self):
        data = super().clean()
        template = data.get("template")
        documents = [
            line.strip() for line in (data.get("missing_documents") or "").splitlines() if line.strip()
        ]
        data["documents"] = documents
        if template is not None and template.kind == CommitmentKind.ACCEPT_WITH_MISSING and not documents:
            self.add_error(
                "missing_documents",
                forms.ValidationError("容缺受理须列明容缺的材料", code="documents_required"),
            )
        return data


class FulfilForm(forms.Form):
    checked_on = forms.DateField(label="核查日期", widget=DATE)
    note = forms.CharField(
        label="核查情况", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class BreakForm(forms.Form):
    checked_on = forms.DateField(label="核查日期", widget=DATE)
    reason = forms.CharField(
        label="违诺情形",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="写明未履行承诺的事实；将记入主体的信用记录",
    )


class PortalSignForm(forms.Form):
    """The signed-in subject account signs a template's text for one of its subjects."""

    subject = forms.TypedChoiceField(label="承诺主体", coerce=int, choices=[])
    template = forms.ModelChoiceField(label="承诺书模板", queryset=None, empty_label="请选择模板")
    matter_name = forms.CharField(label="申请办理的事项", max_length=200, required=False)
    department = forms.ModelChoiceField(
        label="承诺受理单位",
        queryset=None,
        required=False,
        empty_label="请选择受理单位",
        help_text="模板已确定受理单位的，无需选择",
    )
    signatory = forms.CharField(label="签署人姓名", max_length=100)
    agree = forms.BooleanField(label="我已阅读承诺内容，自愿作出上述承诺，并知悉违反承诺将记入信用记录")

    def __init__(self, *args, subjects, templates, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = [(s.pk, s.name) for s in subjects]
        self.fields["template"].queryset = templates
        self.fields["department"].queryset = departments

    def clean(self):
        data = super().clean()
        template = data.get("template")
        if template is not None and template.department_id is None and data.get("department") is None:
            self.add_error(
                "department", forms.ValidationError("请选择承诺受理单位", code="department_required")
            )
        if template is not None and template.kind == CommitmentKind.ACCEPT_WITH_MISSING:
            self.add_error(
                "template",
                forms.ValidationError(
                    "容缺受理承诺书在办理窗口签署，请选择其他模板", code="template_window_only"
                ),
            )
        return data
