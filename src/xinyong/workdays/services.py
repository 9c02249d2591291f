"""Writes to the working-day calendar: seeding from chinese-calendar and operator entry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib.metadata import version
from typing import TYPE_CHECKING

import chinese_calendar
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils import timezone

from xinyong.accounts.models import AuditAction
from xinyong.accounts.services import audit_log
from xinyong.workdays.models import (
    CalendarDay,
    CalendarDayKind,
    CalendarSource,
    CalendarYear,
    CalendarYearStatus,
    format_date_zh,
)

if TYPE_CHECKING:
    from xinyong.accounts.models import User

# A holiday period of one notice never spans more than a few weeks (the longest so far, 春节 2020 with its
# extension, ran 24 January to 2 February); a longer span is a typing mistake.
MAX_PERIOD_DAYS = 31


@dataclass
class SeedReport:
    """What :func:`calendar_seed` did."""

    years: list[int] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    removed: int = 0
    kept_operator: int = 0
    years_confirmed: list[int] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.removed or self.years_confirmed)


def calendar_package_version() -> str:
    """Installed version of chinese-calendar (recorded on the rows it seeds)."""
    return version("chinese-calendar")


def calendar_package_years() -> list[int]:
    """Years the installed chinese-calendar package knows."""
    dates = list(chinese_calendar.holidays)
    return list(range(min(dates).year, max(dates).year + 1))


def calendar_package_exceptions() -> dict[dt.date, tuple[str, str]]:
    """The package's exceptions to the weekend rule: date -> (kind, Chinese holiday name)."""
    exceptions: dict[dt.date, tuple[str, str]] = {}
    for day, holiday in chinese_calendar.holidays.items():
        if day.weekday() < 5:  # holidays on a weekend change nothing
            exceptions[day] = (CalendarDayKind.HOLIDAY, chinese_calendar.Holiday(holiday).chinese)
    for day, holiday in chinese_calendar.workdays.items():
        if day.weekday() >= 5:
            exceptions[day] = (CalendarDayKind.ADJUSTED_WORKDAY, chinese_calendar.Holiday(holiday).chinese)
    return exceptions


def calendar_rows_seed(
    *,
    day_model: type[CalendarDay],
    year_model: type[CalendarYear],
    using: str = DEFAULT_DB_ALIAS,
    new_years_only: bool = False,
) -> SeedReport:
    """Bring the package's years in line with chinese-calendar; operator-entered days are never touched.

    ``new_years_only`` limits the work to years that have no calendar-year row at all (used after
    ``migrate``, so that a year an operator reopened is not silently confirmed again). Takes the model
    classes so that the post-migrate handler can pass the migration state's models.
    """
    years = calendar_package_years()
    report = SeedReport()
    year_rows = {row.year: row for row in year_model.objects.using(using).filter(year__in=years)}
    if new_years_only:
        years = [y for y in years if y not in year_rows]
    if not years:
        return report
    report.years = years
    wanted = {d: v for d, v in calendar_package_exceptions().items() if d.year in years}
    existing = {
        row.date: row
        for row in day_model.objects.using(using).filter(
            date__gte=dt.date(years[0], 1, 1), date__lte=dt.date(years[-1], 12, 31)
        )
        if row.date.year in years
    }
    note = f"chinese-calendar {calendar_package_version()}"
    now = timezone.now()
    to_create, to_update, to_remove = [], [], []
    for day, (kind, name) in sorted(wanted.items()):
        row = existing.get(day)
        if row is None:
            to_create.append(
                day_model(date=day, kind=kind, name=name, source=CalendarSource.PACKAGE, note=note)
            )
        elif row.source != CalendarSource.PACKAGE:
            report.kept_operator += 1
        elif (row.kind, row.name) != (kind, name):
            row.kind, row.name, row.note, row.entered_at = kind, name, note, now
            to_update.append(row)
    for day, row in existing.items():
        if row.source == CalendarSource.PACKAGE and day not in wanted:
            to_remove.append(row.pk)
    with transaction.atomic(using=using):
        day_model.objects.using(using).bulk_create(to_create, batch_size=500)
        if to_update:
            day_model.objects.using(using).bulk_update(to_update, ["kind", "name", "note", "entered_at"])
        if to_remove:
            day_model.objects.using(using).filter(pk__in=to_remove).delete()
        new_years = []
        for year in years:
            row = year_rows.get(year)
            if row is None:
                new_years.append(
                    year_model(
                        year=year,
                        status=CalendarYearStatus.COMPLETE,
                        source=CalendarSource.PACKAGE,
                        note=note,
                        confirmed_at=now,
                    )
                )
            elif row.status != CalendarYearStatus.COMPLETE:
                row.status, row.source, row.confirmed_by, row.confirmed_at = (
                    CalendarYearStatus.COMPLETE,
                    CalendarSource.PACKAGE,
                    None,
                    now,
                )
                row.note = row.note or note
                row.save(using=using)
                report.years_confirmed.append(year)
        year_model.objects.using(using).bulk_create(new_years)
    report.years_confirmed = sorted(report.years_confirmed + [row.year for row in new_years])
    report.created, report.updated, report.removed = len(to_create), len(to_update), len(to_remove)
    return report


def calendar_seed(*, new_years_only: bool = False) -> SeedReport:
    """Load holidays and 调休 workdays from chinese-calendar for every year it knows, idempotently."""
    report = calendar_rows_seed(day_model=CalendarDay, year_model=CalendarYear, new_years_only=new_years_only)
    if report.changed:
        audit_log(
            actor=None,
            action=AuditAction.IMPORT,
            obj=CalendarDay,
            detail={
                "package": calendar_package_version(),
                "created": report.created,
                "updated": report.updated,
                "removed": report.removed,
                "kept_operator": report.kept_operator,
                "years_confirmed": report.years_confirmed,
            },
        )
    return report


def _ensure_year(year: int) -> CalendarYear:
    """The calendar-year row for ``year``; a new one starts as not fully entered."""
    row, _ = CalendarYear.objects.get_or_create(year=year)
    return row


def _day_detail(day: CalendarDay) -> dict:
    return {"date": day.date.isoformat(), "kind": day.kind, "name": day.name, "note": day.note}


def calendar_day_save(*, day: CalendarDay, actor: User | None) -> CalendarDay:
    """Validate and store a day entered or corrected by an operator (it then belongs to the operator)."""
    creating = day.pk is None
    day.source = CalendarSource.OPERATOR
    day.entered_by = actor
    day.full_clean()
    with transaction.atomic():
        day.save()
        _ensure_year(day.date.year)
        audit_log(
            actor=actor,
            action=AuditAction.CREATE if creating else AuditAction.UPDATE,
            obj=day,
            detail=_day_detail(day),
        )
    return day


def calendar_day_delete(*, day: CalendarDay, actor: User | None) -> None:
    """Remove a registered day: it follows the weekend rule again."""
    detail = _day_detail(day)
    with transaction.atomic():
        audit_log(actor=actor, action=AuditAction.DELETE, obj=day, detail=detail)
        day.delete()


def calendar_period_enter(
    *,
    name: str,
    first: dt.date,
    last: dt.date,
    adjusted_workdays: Sequence[dt.date] = (),
    actor: User | None,
    note: str = "",
) -> list[CalendarDay]:
    """Enter one holiday period of a notice: its weekday holidays in [first, last] and its 调休 workdays."""
    name = name.strip()
    errors: list[ValidationError] = []
    if not name:
        errors.append(ValidationError("请填写节日名称，如：春节。", code="calendar_name_missing"))
    if last < first:
        errors.append(
            ValidationError(
                f"放假结束日期{format_date_zh(last)}早于开始日期{format_date_zh(first)}，请检查。",
                code="calendar_period_reversed",
            )
        )
    elif (last - first).days + 1 > MAX_PERIOD_DAYS:
        errors.append(
            ValidationError(
                f"放假期间超过{MAX_PERIOD_DAYS}天，请检查日期是否输错。", code="calendar_period_too_long"
            )
        )
    for day in adjusted_workdays:
        if first <= day <= last:
            errors.append(
                ValidationError(
                    f"调休上班日期{format_date_zh(day)}在放假期间内，请检查。",
                    code="calendar_workday_in_period",
                )
            )
    if errors:
        raise ValidationError(errors)
    wanted = [
        (first + dt.timedelta(days=i), CalendarDayKind.HOLIDAY)
        for i in range((last - first).days + 1)
        if (first + dt.timedelta(days=i)).weekday() < 5
    ] + [(day, CalendarDayKind.ADJUSTED_WORKDAY) for day in sorted(set(adjusted_workdays))]
    existing = CalendarDay.objects.in_bulk([day for day, _ in wanted], field_name="date")
    rows = []
    for day, kind in wanted:
        row = existing.get(day) or CalendarDay(date=day)
        row.kind, row.name, row.note = kind, name, note
        row.source, row.entered_by = CalendarSource.OPERATOR, actor
        try:
            row.full_clean()
        except ValidationError as exc:
            errors.extend(e for field_errors in exc.error_dict.values() for e in field_errors)
        rows.append(row)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        for row in rows:
            row.save()
        for year in sorted({row.date.year for row in rows}):
            _ensure_year(year)
        audit_log(
            actor=actor,
            action=AuditAction.CREATE,
            obj=CalendarDay,
            detail={
                "name": name,
                "first": first.isoformat(),
                "last": last.isoformat(),
                "holidays": [r.date.isoformat() for r in rows if r.kind == CalendarDayKind.HOLIDAY],
                "adjusted_workdays": [r.date.isoformat() for r in rows if r.kind != CalendarDayKind.HOLIDAY],
                "note": note,
            },
        )
    return rows


def calendar_year_check_confirmable(*, year: int) -> None:
    """Raise ValidationError when ``year`` cannot be confirmed yet (no holiday of it is entered)."""
    holidays = CalendarDay.objects.filter(
        date__gte=dt.date(year, 1, 1), date__lte=dt.date(year, 12, 31), kind=CalendarDayKind.HOLIDAY
    ).count()
    if not holidays:
        raise ValidationError(
            f"{year}年还没有录入任何法定节假日，不能确认该年度。"
            "请先按国务院办公厅的放假通知录入放假日期和调休上班日期。",
            code="calendar_year_empty",
        )


def calendar_year_save(*, year: int, note: str, actor: User | None) -> CalendarYear:
    """Create a calendar year (not yet entered) or change its note; its status is left as it is."""
    row = CalendarYear.objects.filter(year=year).first() or CalendarYear(year=year)
    creating = row.pk is None
    row.note = note.strip()
    row.full_clean()
    with transaction.atomic():
        row.save()
        audit_log(
            actor=actor,
            action=AuditAction.CREATE if creating else AuditAction.UPDATE,
            obj=row,
            detail={"year": year, "note": row.note},
        )
    return row


def calendar_year_confirm(*, year: int, actor: User | None, note: str = "") -> CalendarYear:
    """Mark a year as fully entered (已录入): its deadlines stop being provisional and its alert goes away."""
    calendar_year_check_confirmable(year=year)
    with transaction.atomic():
        row = _ensure_year(year)
        row.status = CalendarYearStatus.COMPLETE
        row.source = CalendarSource.OPERATOR
        row.confirmed_by = actor
        row.confirmed_at = timezone.now()
        if note.strip():
            row.note = note.strip()
        row.full_clean()
        row.save()
        audit_log(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=row,
            detail={"year": year, "status": row.status, "note": row.note},
        )
    return row


def calendar_year_reopen(*, year: int, actor: User | None, reason: str = "") -> CalendarYear:
    """Mark a year as not fully entered: its deadlines become provisional again until it is confirmed."""
    with transaction.atomic():
        row = _ensure_year(year)
        row.status = CalendarYearStatus.PENDING
        row.confirmed_by = None
        row.confirmed_at = None
        row.save()
        audit_log(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=row,
            detail={"year": year, "status": row.status, "reason": reason},
        )
    return row
