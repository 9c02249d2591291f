"""The window clerks' check form: query, matter (from the department's matters) and purpose."""

from __future__ import annotations

from django import forms

from xinyong.jrp.check.services import PURPOSE_MAX_LENGTH, QUERY_MAX_LENGTH


class CheckForm(forms.Form):
    query = forms.CharField(
        label="统一社会信用代码、身份证号码或名称",
        max_length=QUERY_MAX_LENGTH,
        help_text="代码和身份证号码为精确核查；按名称查询只列出候选主体，须核对证件后确认",
        error_messages={"required": "请填写统一社会信用代码、身份证号码或名称"},
    )
    matter_code = forms.ChoiceField(label="办理事项", required=False)
    purpose = forms.CharField(
        label="核查用途",
        max_length=PURPOSE_MAX_LENGTH,
        help_text="如：受理食品经营许可申请",
        error_messages={"required": "请填写核查用途"},
    )
    confirm_subject_id = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, matters: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["matter_code"].choices = [("", "（不指定事项）")] + [
            (code, f"{name}（{code}）") for code, name in matters
        ]
