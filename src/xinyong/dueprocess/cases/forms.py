"""Forms shared by the case screens: the period and department of the statistics pages."""

from __future__ import annotations

import datetime as dt

from django import forms

from xinyong.accounts.models import Department


class CaseStatsFilterForm(forms.Form):
    """统计期间 (by filing date) and, for platform-wide readers, one department."""

    date_from = forms.DateField(
        label="提出日期自", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = forms.DateField(
        label="至", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    department = forms.ModelChoiceField(label="部门", required=False, queryset=Department.objects.none())

    def __init__(self, *args, today: dt.date, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["date_from"].initial = today.replace(month=1, day=1)
        self.fields["date_to"].initial = today
        if departments is None:
            del self.fields["department"]
        else:
            self.fields["department"].queryset = departments
            self.fields["department"].empty_label = "全部部门"

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError("开始日期不能晚于结束日期")
        return data

    def period(self) -> tuple[dt.date, dt.date, Department | None]:
        """The period asked for (this year up to today by default) and the department, if one was chosen."""
        data = self.cleaned_data if self.is_valid() else {}
        return (
            data.get("date_from") or self.fields["date_from"].initial,
            data.get("date_to") or self.today,
            data.get("department"),
        )
