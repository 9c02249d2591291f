"""``xinyong jrp digest`` / ``xinyong jrp verify``: the check log's digests (docs/credit-check.md, "Digests")."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from xinyong.jrp.check.log import check_log_digest, check_log_verify


class Command(BaseCommand):
    help = "联合奖惩：digest 为新增的核查记录生成摘要并记入审计日志；verify 重新计算全部摘要，报告被篡改或删除的核查记录"

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("digest", help="为上次摘要之后的核查记录生成摘要（每日执行，可重复执行）")
        sub.add_parser("verify", help="核对全部核查记录摘要")

    def handle(self, *args, **options) -> None:
        if options["subcommand"] == "digest":
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
            return
        report = check_log_verify()
        for problem in report.problems:
            self.stderr.write(problem.describe())
        summary = f"已核对 {report.digests:,} 个摘要、{report.rows:,} 条核查记录；尚未生成摘要的记录 {report.undigested:,} 条"
        if not report.ok:
            raise CommandError(f"核查记录摘要不符 {len(report.problems)} 处。{summary}")
        self.stdout.write(self.style.SUCCESS(f"核查记录摘要全部相符。{summary}"))
