"""``xinyong calendar``: seed and inspect the working-day calendar (工作日历)."""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from xinyong.core.management.arguments import iso_date, whole_number
from xinyong.workdays import services
from xinyong.workdays.models import (
    CalendarDay,
    CalendarDayKind,
    CalendarSource,
    CalendarYear,
    CalendarYearStatus,
)
from xinyong.workdays.selectors import calendar_alerts, working_days_add, working_days_between


def _ranges(years: list[int]) -> str:
    """2004–2026、2028 — consecutive years collapsed."""
    parts: list[str] = []
    start = prev = None
    for y in sorted(years) + [None]:
        if start is not None and (y is None or y != prev + 1):
            parts.append(str(start) if start == prev else f"{start}–{prev}")
            start = None
        if y is not None and start is None:
            start = y
        prev = y
    return "、".join(parts) or "无"


class Command(BaseCommand):
    help = "工作日历：seed 从 chinese-calendar 导入；status 显示已录入年度和提醒；deadline 计算工作日期限"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser(
            "seed",
            help="从 chinese-calendar 导入它知道的所有年度（可重复运行；不覆盖人工录入的日期）",
        )
        status = sub.add_parser("status", help="显示已录入的年度和需要录入的年度提醒")
        status.add_argument("--as-of", type=iso_date, help="按哪一天判断需要哪些年度（默认今天）")
        status.add_argument("--check", action="store_true", help="有提醒时以状态码 1 退出（供监控使用）")
        deadline = sub.add_parser("deadline", help="计算 START 之后第 DAYS 个工作日")
        deadline.add_argument("start", type=iso_date)
        deadline.add_argument("days", type=whole_number)
        between = sub.add_parser("between", help="计算 (START, END] 之间的工作日数")
        between.add_argument("start", type=iso_date)
        between.add_argument("end", type=iso_date)

    def handle(self, *args, **options) -> None:
        getattr(self, f"handle_{options['action']}")(**options)

    def handle_seed(self, **options) -> None:
        report = services.calendar_seed()
        self.stdout.write(
            f"chinese-calendar {services.calendar_package_version()}：{_ranges(report.years)} 年；"
            f"新增 {report.created} 天，更新 {report.updated} 天，移除 {report.removed} 天，"
            f"保留人工录入 {report.kept_operator} 天。"
        )
        if report.years_confirmed:
            self.stdout.write(f"标为已录入的年度：{_ranges(report.years_confirmed)}")
        if not report.changed:
            self.stdout.write("工作日历已是最新，无需改动。")

    def handle_status(self, **options) -> None:
        as_of = options.get("as_of") or timezone.localdate()
        years = list(CalendarYear.objects.order_by("year").select_related("confirmed_by"))
        complete = [y for y in years if y.status == CalendarYearStatus.COMPLETE]
        package = [y.year for y in complete if y.source == CalendarSource.PACKAGE]
        self.stdout.write(f"已录入年度：{_ranges([y.year for y in complete])}")
        if package:
            self.stdout.write(f"  其中来自 chinese-calendar 数据包：{_ranges(package)}")
        for y in complete:
            if y.source == CalendarSource.OPERATOR:
                who = y.confirmed_by.get_username() if y.confirmed_by else "—"
                when = (
                    timezone.localtime(y.confirmed_at).strftime("%Y-%m-%d %H:%M") if y.confirmed_at else "—"
                )
                self.stdout.write(f"  {y.year}年：人工确认（{who}，{when}）{y.note}")
        for y in years:
            if y.status != CalendarYearStatus.COMPLETE:
                days = CalendarDay.objects.filter(date__year=y.year)
                holidays = days.filter(kind=CalendarDayKind.HOLIDAY).count()
                self.stdout.write(
                    f"未录入完毕：{y.year}年（已登记放假 {holidays} 天、调休上班 {days.count() - holidays} 天）"
                )
        alerts = calendar_alerts(as_of=as_of)
        self.stdout.write(f"提醒（截至 {as_of.isoformat()}）：{'无' if not alerts else ''}")
        for alert in alerts:
            self.stdout.write(self.style.WARNING(f"  {alert.message}"))
        if alerts and options.get("check"):
            raise CommandError("工作日历有未录入的年度", returncode=1)

    def handle_deadline(self, **options) -> None:
        result = working_days_add(start=options["start"], days=options["days"])
        mark = "（暂定：涉及未录入年度，按周末推算）" if result.provisional else ""
        self.stdout.write(f"{result.date.isoformat()}{mark}")

    def handle_between(self, **options) -> None:
        result = working_days_between(start=options["start"], end=options["end"])
        mark = "（暂定：涉及未录入年度，按周末推算）" if result.provisional else ""
        self.stdout.write(f"{result.days}{mark}")
