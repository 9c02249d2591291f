"""Working-day calendar (工作日历).

Only the exceptions to the weekend rule are stored: a 法定节假日 that falls on Monday–Friday and a 调休上班
day that falls on Saturday or Sunday. Every other date is a working day exactly when it is Monday–Friday.
A year counts as known (已录入) only when its :class:`CalendarYear` row is complete; outside the known years
the arithmetic in :mod:`xinyong.workdays.arithmetic` falls back to weekends and marks its results provisional.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

WEEKDAY_NAMES = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")

# Bounds for operator input: wide enough for any deadline a credit record can have, narrow enough to catch a
# mistyped year (2207 for 2027).
FIRST_CALENDAR_YEAR = 1990
LAST_CALENDAR_YEAR = 2100


def format_date_zh(value: dt.date) -> str:
    """``2027年2月6日（星期六）`` — the form the State Council notices use."""
    return f"{value.year}年{value.month}月{value.day}日（{WEEKDAY_NAMES[value.weekday()]}）"


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", "法定节假日"
    ADJUSTED_WORKDAY = "adjusted_workday", "调休上班"


class CalendarSource(models.TextChoices):
    PACKAGE = "package", "chinese-calendar 数据包"
    OPERATOR = "operator", "人工录入"


class CalendarYearStatus(models.TextChoices):
    PENDING = "pending", "未录入完毕"
    COMPLETE = "complete", "已录入"


class CalendarDay(models.Model):
    """One exception to the weekend rule: a weekday holiday or a weekend adjusted workday."""

    date = models.DateField(
        "日期", unique=True, error_messages={"unique": "该日期已登记，请直接修改原有记录。"}
    )
    kind = models.CharField(
        "类别",
        max_length=20,
        choices=CalendarDayKind.choices,
        help_text="法定节假日：周一至周五中放假的日期；调休上班：周六或周日中上班的日期。",
    )
    is_workday = models.GeneratedField(
        verbose_name="上班",
        expression=models.Q(kind=CalendarDayKind.ADJUSTED_WORKDAY),
        output_field=models.BooleanField(),
        db_persist=True,
    )
    name = models.CharField("节日名称", max_length=100, help_text="如：元旦、春节、国庆节")
    source = models.CharField(
        "来源", max_length=20, choices=CalendarSource.choices, default=CalendarSource.OPERATOR
    )
    note = models.CharField(
        "备注", max_length=200, blank=True, help_text="如放假通知文号：国办发明电〔××××〕×号"
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    entered_at = models.DateTimeField("录入时间", auto_now=True)

    class Meta:
        # The table keeps the name it had when the calendar was part of the core app.
        db_table = "core_calendarday"
        verbose_name = "工作日历"
        verbose_name_plural = "工作日历"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{format_date_zh(self.date)} {self.name} {self.get_kind_display()}"

    def clean(self) -> None:
        super().clean()
        if not isinstance(self.date, dt.date):
            return
        if not FIRST_CALENDAR_YEAR <= self.date.year <= LAST_CALENDAR_YEAR:
            raise ValidationError(
                {
                    "date": ValidationError(
                        f"年份应在{FIRST_CALENDAR_YEAR}年至{LAST_CALENDAR_YEAR}年之间，请检查日期是否输错。",
                        code="calendar_year_out_of_range",
                    )
                }
            )
        weekend = self.date.weekday() >= 5
        if self.kind == CalendarDayKind.HOLIDAY and weekend:
            raise ValidationError(
                {
                    "date": ValidationError(
                        f"{format_date_zh(self.date)}是周末，本来就不上班，无需登记为法定节假日。"
                        "只需登记放假期间落在周一至周五的日期；周末上班的日期请选择“调休上班”。",
                        code="calendar_holiday_on_weekend",
                    )
                }
            )
        if self.kind == CalendarDayKind.ADJUSTED_WORKDAY and not weekend:
            raise ValidationError(
                {
                    "date": ValidationError(
                        f"{format_date_zh(self.date)}本来就是工作日，不能登记为调休上班。"
                        "调休上班只能登记在星期六或星期日；放假的日期请选择“法定节假日”。",
                        code="calendar_workday_on_weekday",
                    )
                }
            )


class CalendarYear(models.Model):
    """Whether a year's holidays and adjusted workdays are fully entered (已录入)."""

    year = models.PositiveSmallIntegerField(
        "年度",
        unique=True,
        validators=[MinValueValidator(FIRST_CALENDAR_YEAR), MaxValueValidator(LAST_CALENDAR_YEAR)],
        error_messages={"unique": "该年度已存在，请直接修改原有记录。"},
    )
    status = models.CharField(
        "状态", max_length=20, choices=CalendarYearStatus.choices, default=CalendarYearStatus.PENDING
    )
    source = models.CharField(
        "来源", max_length=20, choices=CalendarSource.choices, default=CalendarSource.OPERATOR
    )
    note = models.CharField(
        "依据文件",
        max_length=200,
        blank=True,
        help_text="国务院办公厅关于该年度部分节假日安排的通知文号，格式如：国办发明电〔××××〕×号",
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确认人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        db_table = "core_calendaryear"
        verbose_name = "工作日历年度"
        verbose_name_plural = "工作日历年度"
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status=CalendarYearStatus.COMPLETE)
                | models.Q(confirmed_at__isnull=False),
                name="core_calendaryear_complete_has_confirmed_at",
            )
        ]

    def __str__(self) -> str:
        return f"{self.year}年（{self.get_status_display()}）"

    @property
    def is_known(self) -> bool:
        return self.status == CalendarYearStatus.COMPLETE
