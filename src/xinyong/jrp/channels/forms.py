"""Forms of the batch check pages."""

from __future__ import annotations

from django import forms

from xinyong.jrp.models import BatchCheck, Matter

BATCH_EXTENSIONS = ".csv,.txt,.xlsx,.xls,.ods"


class BatchCheckForm(forms.Form):
    """A file of codes, the matter and the purpose of the check."""

    matter = forms.ChoiceField(label="办理事项", help_text="核查结果按该事项适用奖惩措施")
    purpose = forms.CharField(
        label="核查用途",
        max_length=200,
        initial="行政许可受理前信用核查",
        help_text="如：行政许可受理前信用核查、招标投标资格审查",
    )
    file = forms.FileField(
        label="代码文件",
        help_text="CSV（UTF-8 或 GBK 编码，自动识别）、XLSX，或 TXT（每行一个代码）；统一社会信用代码或身份证号码",
        widget=forms.ClearableFileInput(attrs={"accept": BATCH_EXTENSIONS}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        matters = Matter.objects.filter(active=True).order_by("code").values_list("code", "name")
        self.fields["matter"].choices = [("", "请选择事项"), *((c, f"{n}（{c}）") for c, n in matters)]


class BatchCheckFilterForm(forms.Form):
    q = forms.CharField(label="编号、用途或文件名", required=False, max_length=100)
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部"), *BatchCheck.Status.choices]
    )
    date_from = forms.DateField(
        label="核查日期自", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label="至", required=False, widget=forms.DateInput(attrs={"type": "date"}))
