"""Admin console for the working-day calendar (工作日历). Writes go through :mod:`xinyong.workdays.services`."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from xinyong.accounts.admin_audit import AuditedModelAdmin
from xinyong.workdays import services
from xinyong.workdays.models import (
    WEEKDAY_NAMES,
    CalendarDay,
    CalendarDayKind,
    CalendarYear,
    CalendarYearStatus,
)

_DATE_RE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_NOTE_RE = re.compile(r"[（(][^）)]*[）)]")
_SEPARATOR_RE = re.compile(r"[\s,，、;；]+")


def parse_date_list(text: str) -> list[dt.date]:
    """Dates written as 2027-02-13, 2027/2/13 or 2027年2月13日 (a note such as （周六） may follow)."""
    text = text or ""
    dates = []
    for y, m, d in _DATE_RE.findall(text):
        try:
            dates.append(dt.date(int(y), int(m), int(d)))
        except ValueError as exc:
            raise ValidationError(
                f"“{y}-{m}-{d}”不是有效日期，请检查。", code="calendar_date_invalid"
            ) from exc
    rest = _NOTE_RE.sub(" ", _DATE_RE.sub(" ", text))
    leftover = [token for token in _SEPARATOR_RE.split(rest) if token]
    if leftover:
        raise ValidationError(
            f"无法识别“{leftover[0][:20]}”，请按 2027-02-13 的格式填写日期，多个日期用逗号或换行分隔。",
            code="calendar_date_invalid",
        )
    return dates


class ServiceAuditedAdmin(AuditedModelAdmin):
    """Every change here goes through a calendar service, which writes its own audit entry (also when called
    from the command line); the admin keeps only its history so that each change is logged once."""

    def log_addition(self, request, obj, message):
        return admin.ModelAdmin.log_addition(self, request, obj, message)

    def log_change(self, request, obj, message):
        return admin.ModelAdmin.log_change(self, request, obj, message)

    def log_deletions(self, request, queryset):
        return admin.ModelAdmin.log_deletions(self, request, queryset)


class YearListFilter(admin.SimpleListFilter):
    title = "年度"
    parameter_name = "year"

    def lookups(self, request, model_admin):
        years = sorted(
            {d.year for d in model_admin.get_queryset(request).dates("date", "year")}, reverse=True
        )
        return [(str(y), f"{y}年") for y in years]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(date__year=int(self.value()))
        return queryset


@admin.register(CalendarDay)
class CalendarDayAdmin(ServiceAuditedAdmin):
    list_display = ("date", "weekday", "kind", "name", "source", "note", "entered_by", "entered_at")
    list_filter = (YearListFilter, "kind", "source")
    search_fields = ("name", "note")
    date_hierarchy = "date"
    ordering = ("-date",)
    fields = ("date", "kind", "name", "note", "is_workday", "source", "entered_by", "entered_at")
    readonly_fields = ("is_workday", "source", "entered_by", "entered_at")
    list_per_page = 50

    @admin.display(description="星期")
    def weekday(self, obj: CalendarDay) -> str:
        return WEEKDAY_NAMES[obj.date.weekday()]

    def save_model(self, request, obj, form, change):
        services.calendar_day_save(day=obj, actor=request.user)

    def delete_model(self, request, obj):
        services.calendar_day_delete(day=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for day in queryset:
            services.calendar_day_delete(day=day, actor=request.user)

    def get_urls(self):
        return [
            path(
                "enter-period/",
                self.admin_site.admin_view(self.enter_period_view),
                name="workdays_calendarday_enter_period",
            ),
            *super().get_urls(),
        ]

    def enter_period_view(self, request: HttpRequest):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = PeriodForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                rows = services.calendar_period_enter(
                    name=form.cleaned_data["name"],
                    first=form.cleaned_data["first"],
                    last=form.cleaned_data["last"],
                    adjusted_workdays=form.cleaned_data["adjusted_workdays"],
                    note=form.cleaned_data["note"],
                    actor=request.user,
                )
            except ValidationError as exc:
                for error in exc.error_list:
                    form.add_error(None, error)
            else:
                holidays = sum(1 for r in rows if r.kind == CalendarDayKind.HOLIDAY)
                self.message_user(
                    request,
                    f"已录入{form.cleaned_data['name']}：放假日期（周一至周五）{holidays}天，"
                    f"调休上班{len(rows) - holidays}天。该年度各项放假安排都录入后，请在 工作日历年度 中确认该年度。",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:workdays_calendarday_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": "按放假通知录入",
        }
        return TemplateResponse(request, "admin/workdays/calendarday/enter_period.html", context)


class PeriodForm(forms.Form):
    name = forms.CharField(
        label="节日名称",
        max_length=100,
        help_text="如：春节",
        error_messages={"required": "请填写节日名称，如：春节。"},
    )
    first = forms.DateField(label="放假开始日期", widget=AdminDateWidget)
    last = forms.DateField(label="放假结束日期", widget=AdminDateWidget, help_text="含当天")
    adjusted_workdays = forms.CharField(
        label="调休上班日期",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 40}),
        help_text="通知中“××日（周六）上班”的日期，如：2027-02-13, 2027-02-27；没有可不填",
    )
    note = forms.CharField(
        label="通知文号", max_length=200, required=False, help_text="如：国办发明电〔××××〕×号"
    )

    def clean_adjusted_workdays(self) -> list[dt.date]:
        return parse_date_list(self.cleaned_data.get("adjusted_workdays", ""))


class CalendarYearForm(forms.ModelForm):
    confirm = forms.BooleanField(
        label="确认该年度已录入",
        required=False,
        help_text="勾选即确认该年度的法定节假日和调休上班日期已全部录入；确认后该年度的工作日期限不再标为“暂定”。",
    )

    class Meta:
        model = CalendarYear
        fields = ("year", "note")

    def clean(self):
        cleaned = super().clean()
        year = cleaned.get("year") or (self.instance.year if self.instance.pk else None)
        if cleaned.get("confirm") and year:
            try:
                services.calendar_year_check_confirmable(year=year)
            except ValidationError as exc:
                self.add_error("confirm", exc)
        return cleaned


@admin.register(CalendarYear)
class CalendarYearAdmin(ServiceAuditedAdmin):
    form = CalendarYearForm
    list_display = (
        "year",
        "status",
        "source",
        "holiday_count",
        "workday_count",
        "note",
        "confirmed_by",
        "confirmed_at",
    )
    list_filter = ("status", "source")
    search_fields = ("note",)
    actions = ("confirm_years", "reopen_years")

    def get_fields(self, request, obj=None):
        fields = ["year", "note"]
        if obj is None or obj.status != CalendarYearStatus.COMPLETE:
            fields.append("confirm")
        if obj is not None:
            fields += ["status", "source", "confirmed_by", "confirmed_at", "holiday_count", "workday_count"]
        return fields

    def get_readonly_fields(self, request, obj=None):
        readonly = ["status", "source", "confirmed_by", "confirmed_at", "holiday_count", "workday_count"]
        if obj is not None:
            readonly.append("year")
        return readonly

    def get_queryset(self, request):
        # Each year's day counts come with the list query, not one query per row.
        def days_of(kind: str):
            return Coalesce(
                Subquery(
                    CalendarDay.objects.filter(date__year=OuterRef("year"), kind=kind)
                    .order_by()
                    .values("date__year")
                    .annotate(n=Count("pk"))
                    .values("n")[:1]
                ),
                0,
            )

        return (
            super()
            .get_queryset(request)
            .annotate(
                holiday_days=days_of(CalendarDayKind.HOLIDAY),
                workday_days=days_of(CalendarDayKind.ADJUSTED_WORKDAY),
            )
        )

    @admin.display(description="放假日期（周一至周五）", ordering="holiday_days")
    def holiday_count(self, obj: CalendarYear) -> int:
        return obj.holiday_days

    @admin.display(description="调休上班日期", ordering="workday_days")
    def workday_count(self, obj: CalendarYear) -> int:
        return obj.workday_days

    def has_delete_permission(self, request, obj=None):
        # A year is withdrawn by reopening it (which is logged), never by deleting its row.
        return False

    def save_model(self, request, obj, form, change):
        year, note = form.cleaned_data.get("year") or obj.year, form.cleaned_data.get("note", "")
        if form.cleaned_data.get("confirm"):
            saved = services.calendar_year_confirm(year=year, actor=request.user, note=note)
        else:
            saved = services.calendar_year_save(year=year, note=note, actor=request.user)
        # The admin's redirect and change message refer to ``obj``.
        obj.pk = saved.pk
        obj.refresh_from_db()

    @admin.action(description="确认所选年度已录入", permissions=["change"])
    def confirm_years(self, request, queryset):
        for row in queryset:
            try:
                services.calendar_year_confirm(year=row.year, actor=request.user)
            except ValidationError as exc:
                self.message_user(request, "；".join(exc.messages), messages.ERROR)
            else:
                self.message_user(request, f"已确认{row.year}年已录入。", messages.SUCCESS)

    @admin.action(description="撤销确认（该年度的工作日期限重新标为“暂定”）", permissions=["change"])
    def reopen_years(self, request, queryset):
        for row in queryset.filter(~Q(status=CalendarYearStatus.PENDING)):
            services.calendar_year_reopen(year=row.year, actor=request.user, reason="管理控制台撤销确认")
            self.message_user(request, f"已撤销{row.year}年的确认。", messages.WARNING)
