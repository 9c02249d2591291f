"""``xinyong jrp``: the check log's digests (``digest`` / ``verify``, docs/credit-check.md "Digests") and the
shipped memoranda and measure list (``measures load``, docs/measures.md)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from xinyong.core.management.arguments import iso_date
from xinyong.jrp.check.log import check_log_digest, check_log_verify
from xinyong.jrp.measures.services import MeasuresError, measures_load_fixtures


class Command(BaseCommand):
    help = (
        "联合奖惩：digest 为新增的核查记录生成摘要并记入审计日志；verify 重新计算全部摘要，报告被篡改或删除的核查记录；"
        "measures load 载入联合奖惩备忘录和措施清单（首次载入即公布；之后生成草稿，经影响预览后公布）"
    )

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("digest", help="为上次摘要之后的核查记录生成摘要（每日执行，可重复执行）")
        sub.add_parser("verify", help="核对全部核查记录摘要")
        measures = sub.add_parser("measures", help="奖惩措施清单")
        actions = measures.add_subparsers(dest="action", required=True)
        load = actions.add_parser("load", help="载入备忘录和措施清单")
        load.add_argument("--path", help="fixtures 目录（含 memoranda.yaml 和 measures.yaml）")
        load.add_argument("--as-of", type=iso_date, help="载入日期（默认今天）")

    def handle(self, *args, **options) -> None:
        if options["subcommand"] == "digest":
            self._digest()
        elif options["subcommand"] == "verify":
            self._verify()
        else:
            self._measures_load(options)

    def _digest(self) -> None:
        digest = check_log_digest()
        if digest is None:
            self.stdout.write("没有需要生成摘要的核查记录")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"已生成核查记录摘要：第 {digest.first_check_id}–{digest.last_check_id} 号，"
                f"共 {digest.count:,} 条，摘要 {digest.digest}"
            )
        )

    def _verify(self) -> None:
        report = check_log_verify()
        for problem in report.problems:
            self.stderr.write(problem.describe())
        summary = (
            f"已核对 {report.digests:,} 个摘要、{report.rows:,} 条核查记录；"
            f"尚未生成摘要的记录 {report.undigested:,} 条"
        )
        if not report.ok:
            raise CommandError(f"核查记录摘要不符 {len(report.problems)} 处。{summary}")
        self.stdout.write(self.style.SUCCESS(f"核查记录摘要全部相符。{summary}"))

    def _measures_load(self, options) -> None:
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
