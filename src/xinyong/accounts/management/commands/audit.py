"""``xinyong audit verify`` and ``xinyong audit checkpoint``: the audit log's hash chain and its checkpoints."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from xinyong.accounts.audit_checkpoints import CheckpointError, checkpoint_directory, checkpoints_read
from xinyong.accounts.selectors import audit_verify
from xinyong.accounts.services import AuditCheckpointRefused, audit_checkpoint_write
from xinyong.core.management.arguments import positive_int


class Command(BaseCommand):
    help = (
        "审计日志：verify 校验哈希链并与检查点比对，发现被修改、删除或插入的日志时以非零状态退出；"
        "checkpoint 签发链头检查点（追加到检查点文件并打印，供审计人员另行保存）"
    )

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        verify = sub.add_parser("verify", help="校验审计日志哈希链，并与检查点比对")
        verify.add_argument("--chunk-size", type=positive_int, default=5000, help="每批读取的条数")
        where = verify.add_mutually_exclusive_group()
        where.add_argument(
            "--checkpoint", metavar="FILE", help="与此文件中的检查点比对（如审计人员保存的副本）"
        )
        where.add_argument(
            "--checkpoints",
            metavar="DIR",
            help="与此目录中的检查点文件比对（默认：XINYONG_AUDIT_CHECKPOINT_DIR）",
        )
        checkpoint = sub.add_parser("checkpoint", help="签发审计日志链头检查点")
        checkpoint.add_argument(
            "--out",
            metavar="FILE",
            help="追加到此文件（默认：XINYONG_AUDIT_CHECKPOINT_DIR/checkpoints.jsonl）",
        )

    def handle(self, *args, **options) -> None:
        if options["subcommand"] == "checkpoint":
            self._checkpoint(options)
        else:
            self._verify(options)

    def _checkpoint(self, options) -> None:
        try:
            checkpoint, path = audit_checkpoint_write(out=options["out"])
        except AuditCheckpointRefused as exc:
            raise CommandError(f"[{exc.code}] {exc.message}", returncode=1) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"已签发审计日志检查点：第 {checkpoint.seq} 条，已追加到 {path} / checkpoint written to {path}"
            )
        )
        self.stdout.write("请将下面一行打印或通过邮件交审计人员另行保存，核对时用 --checkpoint 文件 提供：")
        self.stdout.write(checkpoint.line())

    def _verify(self, options) -> None:
        source = options["checkpoint"] or options["checkpoints"]
        if source is None and checkpoint_directory().is_dir():
            source = checkpoint_directory()
        checkpoints = []
        if source is not None:
            try:
                checkpoints = checkpoints_read(source)
            except CheckpointError as exc:
                raise CommandError(
                    f"审计日志校验失败 / audit log verification FAILED\n[{exc.code}] {exc.message}",
                    returncode=1,
                ) from exc
        result = audit_verify(chunk_size=options["chunk_size"], checkpoints=checkpoints)
        if not result.ok:
            where = (
                f"第 {result.first_bad_seq} 条 / seq {result.first_bad_seq}"
                if result.first_bad_seq
                else "链头"
            )
            missing = ""
            if result.missing:
                first, last = result.missing
                missing = f"\n缺失的日志 / missing entries: seq {first}–{last}"
            raise CommandError(
                f"审计日志校验失败 / audit log verification FAILED: {where}\n"
                f"[{result.problem}] {result.message}{missing}\n"
                f"此前 {result.checked} 条日志校验通过 / {result.checked} entries verified before the failure",
                returncode=1,
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"审计日志校验通过：共 {result.checked} 条，哈希链完整 / audit log OK: {result.checked} entries, chain intact"
            )
        )
        if checkpoints:
            self.stdout.write(
                f"已与 {len(checkpoints)} 个检查点比对，均一致（最近一个：第 {checkpoints[-1].seq} 条）"
                f" / matches {len(checkpoints)} checkpoints"
            )
        else:
            self.stdout.write(
                "未提供检查点：无法发现末尾被截断的日志，请定期执行 xinyong audit checkpoint 并用 --checkpoint 核对"
                " / no checkpoint given"
            )
        self.stdout.write(f"最新一条 / head: seq {result.last_seq} hash {result.last_hash}")
