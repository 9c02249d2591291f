"""``xinyong publication sweep`` / ``xinyong publication recompute``: the nightly publication jobs."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from xinyong.core.management.arguments import iso_date
from xinyong.records.services import record_publication_sweep, record_windows_recompute


class Command(BaseCommand):
    help = (
        "信用信息公示：sweep 记录当日纳入或停止公示的记录（每日执行，可重复执行）；"
        "recompute 计算存量记录的公示期限"
    )

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sweep = sub.add_parser("sweep", help="记录纳入或停止公示的变化，供变更订阅接口使用")
        sweep.add_argument("--as-of", type=iso_date, help="巡检日期（默认今天），格式 YYYY-MM-DD")
        recompute = sub.add_parser("recompute", help="按公示期限规则集计算记录的公示期限")
        recompute.add_argument(
            "--all",
            action="store_true",
            help="重新计算全部记录（规则集修改后使用）；默认只计算尚未计算的记录",
        )

    def handle(self, *args, **options) -> None:
        if options["subcommand"] == "recompute":
            count = record_windows_recompute(only_missing=not options["all"])
            self.stdout.write(self.style.SUCCESS(f"已计算 {count} 条记录的公示期限"))
            return
        as_of = options["as_of"] or timezone.localdate()
        result = record_publication_sweep(as_of=as_of)
        self.stdout.write(
            self.style.SUCCESS(
                f"{as_of.isoformat()} 公示巡检完成：纳入公示 {result.entered} 条，停止公示 {result.left} 条"
            )
        )
