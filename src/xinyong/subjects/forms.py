"""Forms of the subjects app's console screens."""

from __future__ import annotations

from django import forms

from xinyong.subjects.services import CONFIRMED_CODE_REASON_MAX


class ConfirmedCodeForm(forms.Form):
    """Confirm a code, or revoke its confirmation: the code and the reason (both required)."""

    uscc = forms.CharField(label="统一社会信用代码", max_length=40)
    reason = forms.CharField(
        label="理由",
        max_length=CONFIRMED_CODE_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "请填写理由"},
    )


class ConfirmedCodeFilterForm(forms.Form):
    q = forms.CharField(label="代码", required=False, max_length=40)
    state = forms.ChoiceField(
        label="状态",
        required=False,
        choices=[("active", "生效中"), ("revoked", "已撤销"), ("", "全部")],
    )
