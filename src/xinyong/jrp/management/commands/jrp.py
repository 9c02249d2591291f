"""``xinyong jrp measures load``: load the shipped memoranda and measure list (docs/measures.md)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from xinyong.core.management.arguments import iso_date
from xinyong.jrp.measures.services import MeasuresError, measures_load_fixtures


class Command(BaseCommand):
    help = "联合奖惩：measures load 载入联合奖惩备忘录和措施清单（首次载入即公布；之后生成草稿，经影响预览后公布）"

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="area", required=True)
        measures = sub.add_parser("measures", help="奖惩措施清单")
        actions = measures.add_subparsers(dest="action", required=True)
        load = actions.add_parser("load", help="载入备忘录和措施清单")
        load.add_argument("--path", help="fixtures 目录（含 memoranda.yaml 和 measures.yaml）")
        load.add_argument("--as-of", type=iso_date, help="载入日期（默认今天）")

    def handle(self, *args, **options) -> None:
        try:
            report = measures_load_fixtures(
                as_of=options["as_of"] or timezone.localdate(), path=options["path"]
            )
        except MeasuresError as exc:
            raise CommandError(f"{exc.message}（{exc.code}）") from exc
        rulebook = report.rulebook
        memo = f"备忘录新增 {len(report.memoranda_created)} 个、更新 {len(report.memoranda_updated)} 个"
        if report.published:
            self.stdout.write(
                self.style.SUCCESS(
                    f"已载入措施清单第 {rulebook.number} 版（{report.measures} 项措施）并公布；{memo}"
                )
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"已将措施清单载入为第 {rulebook.number} 版草稿（{report.measures} 项措施）；{memo}。"
                    "请在工作台“奖惩措施 › 版本与公布”运行影响预览后公布。"
                )
            )
