"""``xinyong batches purge`` / ``xinyong batches encrypt``: retention and encryption of the batches' files.

``purge`` deletes the stored files (upload and rejection file) of batches received more than
``XINYONG_UPLOAD_RETENTION_DAYS`` days (default 90) before ``--as-of`` (default today); each purged batch
is written to the audit log; running it again purges nothing more. The supervisor's daily sweep calls the
same service (``xinyong.collection.storage.batch_files_purge``). ``encrypt`` encrypts files stored before
encryption at rest existed.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from xinyong.collection.storage import batch_files_purge, retention_days, stored_files_encrypt
from xinyong.core.management.arguments import iso_date


def _size(number: int) -> str:
    return f"{number / 1024 / 1024:,.1f} MB"


class Command(BaseCommand):
    help = "归集批次的文件：purge 清除超过保存期限的上传文件和退回文件（记入审计日志）；encrypt 加密早期未加密的文件"

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        purge = sub.add_parser("purge", help="清除超过保存期限的批次文件（每日执行，可重复执行）")
        purge.add_argument("--as-of", type=iso_date, help="基准日期（默认今天），格式 YYYY-MM-DD")
        purge.add_argument("--dry-run", action="store_true", help="只列出将被清除的批次，不删除")
        sub.add_parser("encrypt", help="加密启用静态加密之前存储的批次文件（可重复执行）")

    def handle(self, *args, **options) -> None:
        if options["subcommand"] == "encrypt":
            count = stored_files_encrypt()
            self.stdout.write(self.style.SUCCESS(f"已加密 {count} 个未加密的批次文件"))
            return
        as_of = options["as_of"] or timezone.localdate()
        result = batch_files_purge(as_of=as_of, dry_run=options["dry_run"])
        days = retention_days()
        verb = "将清除" if result.dry_run else "已清除"
        for batch in result.batches:
            self.stdout.write(
                f"  {batch.pk}  {timezone.localdate(batch.received_at)}  {batch.department.code}  "
                f"{batch.original_filename}"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"{as_of.isoformat()}：保存期限 {days} 天（{result.cutoff.isoformat()} 及以前接收的批次），"
                f"{verb} {len(result.batches)} 个批次的文件，共 {_size(result.bytes)}"
                + ("（试运行，未删除任何文件）" if result.dry_run else "")
            )
        )
