"""Filter forms of the public portal (GET forms: every filtered page has its own address)."""

from __future__ import annotations

from django import forms

from xinyong.portal.selectors import disclosure_departments, disclosure_kinds


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class DisclosureFilterForm(forms.Form):
    """双公示 filters: source department, decision date range, 许可类别 / 处罚类别."""

    department = forms.ModelChoiceField(
        label="数据来源单位",
        queryset=disclosure_departments(),
        to_field_name="code",
        required=False,
        empty_label="全部单位",
    )
    date_from = forms.DateField(label="决定日期（起）", required=False, widget=DateInput())
    date_to = forms.DateField(label="决定日期（止）", required=False, widget=DateInput())
    kind = forms.ChoiceField(label="类别", required=False)

    def __init__(self, *args, item_code: str, kind_label: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = disclosure_departments()
        self.fields["kind"].label = kind_label
        self.fields["kind"].choices = [
            ("", "全部类别"),
            *((k, k) for k in disclosure_kinds(item_code=item_code)),
        ]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError("决定日期的起始日期不能晚于截止日期，请重新选择", code="date_range")
        return cleaned
