"""``xinyong audit verify``: recompute the audit log's hash chain and report the first broken entry."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from xinyong.accounts.selectors import audit_verify
from xinyong.core.management.arguments import positive_int


class Command(BaseCommand):
    help = "审计日志：verify 校验哈希链，发现被修改、删除或插入的日志时以非零状态退出"

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        verify = sub.add_parser("verify", help="校验审计日志哈希链")
        verify.add_argument("--chunk-size", type=positive_int, default=5000, help="每批读取的条数")

    def handle(self, *args, **options) -> None:
        result = audit_verify(chunk_size=options["chunk_size"])
        if not result.ok:
            where = (
                f"第 {result.first_bad_seq} 条 / seq {result.first_bad_seq}"
                if result.first_bad_seq
                else "链头"
            )
            raise CommandError(
                f"审计日志校验失败 / audit log verification FAILED: {where}\n"
                f"[{result.problem}] {result.message}\n"
                f"此前 {result.checked} 条日志校验通过 / {result.checked} entries verified before the failure",
                returncode=1,
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"审计日志校验通过：共 {result.checked} 条，哈希链完整 / audit log OK: {result.checked} entries, chain intact"
            )
        )
        if result.checked:
            # Recording this outside the platform lets a later check notice entries removed from the end.
            self.stdout.write(f"最新一条 / head: seq {result.last_seq} hash {result.last_hash}")
