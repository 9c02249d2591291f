"""``xinyong import FILE --item penalty --department CODE``: load a file of records in the foreground.

The file is stored and processed as a batch (channel "命令行导入") exactly like a console upload, but
synchronously in this process, printing progress (rows/s, ETA) every few seconds and then a summary with
the counts, the first warnings with their rows, and the paths of the rejection file (a readable copy written
next to the imported file, or into ``--rejections DIR``; the platform's own copy is stored encrypted) and of
the warning list.

Column mapping: the department's saved mapping and the catalog's headers, codes, synonyms and 2016 names;
``--mapping FILE.json`` ({"表头": "字段代码"}) overrides it and is remembered for the department.

Exit codes: 0 when the file was processed — rejected rows are a normal outcome, listed in the rejection
file; 2 when nothing could be processed (file unreadable or missing, unknown item or department, required
columns not mapped, file already imported without ``--force``); 1 when processing stopped on an error and
130 when interrupted (both continue with ``xinyong import --resume BATCH_ID``).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from xinyong.accounts.models import Department, User
from xinyong.collection.errors import CollectionError
from xinyong.collection.intake import batch_create_from_file
from xinyong.collection.issue_labels import issue_label
from xinyong.collection.lifecycle import batch_confirm_mapping
from xinyong.collection.loading.run import batch_process
from xinyong.collection.mapping import batch_mapping_problems
from xinyong.collection.models import Batch, BatchChannel, BatchStatus
from xinyong.collection.readers import rejection_filename
from xinyong.collection.rejections import batch_rejection_file_export
from xinyong.collection.row_warnings import batch_warning_file, warning_file_name
from xinyong.collection.selectors import batch_is_resumable, batch_progress

EXIT_NOT_PROCESSED = 2
# Warnings printed with their row in the summary; the warning list holds them all.
SUMMARY_WARNINGS = 20
EXIT_INTERRUPTED = 130


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "未知"
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} 秒"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} 分 {seconds} 秒"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} 小时 {minutes} 分"


def progress_line(batch: Batch) -> str:
    """One progress line: rows processed of the (estimated) total, rows/s and the time left."""
    p = batch_progress(batch=batch)
    if p["total"] is None:
        done = f"已处理 {p['processed']:,} 行"
    else:
        about = "" if p["total_exact"] else "约 "
        done = f"已处理 {p['processed']:,} / {about}{p['total']:,} 行（{p['percent'] or 0:.1f}%）"
    rate = f"{p['rows_per_second']:,.0f} 行/秒" if p["rows_per_second"] else "速度计算中"
    return f"{done}，{rate}，预计剩余 {_duration(p['eta_seconds'])}"


class Command(BaseCommand):
    help = (
        "从文件导入信用记录（CSV / XLSX / JSON / NDJSON），在前台处理并显示进度；退回行写入退回文件。"
        "退出码：0 已处理（有退回行也是 0，见退回文件）；2 未处理（文件无法读取、参数有误、必填列未映射、"
        "同一文件已导入）；1 处理中途出错、130 被中断（均可用 --resume 批次号 继续）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="要导入的文件")
        parser.add_argument("--item", help="目录项代码，例如 penalty、license")
        parser.add_argument("--department", help="报送部门代码")
        parser.add_argument("--sheet", help="XLSX 工作表名称（默认第一个工作表）")
        parser.add_argument("--mapping", help='列映射 JSON 文件：{"表头": "字段代码"}，将保存为该部门的映射')
        parser.add_argument("--as-of", dest="as_of", help="校验基准日 YYYY-MM-DD（默认今天）")
        parser.add_argument("--user", help="以该用户名义报送（记入审计日志；默认为系统）")
        parser.add_argument("--parent", help="更正批次：本文件为该批次退回文件修正后的版本")
        parser.add_argument("--force", action="store_true", help="同一文件已导入过时仍重新处理")
        parser.add_argument("--resume", metavar="BATCH_ID", help="继续处理被中断的批次（不需要 FILE）")
        parser.add_argument("--chunk-size", type=int, default=2000, help="每个事务处理的行数，默认 2000")
        parser.add_argument(
            "--rejections",
            metavar="DIR",
            help="退回文件的保存目录（默认为导入文件所在目录；--resume 时为当前目录）",
        )
        parser.add_argument(
            "--progress-interval",
            type=float,
            default=5.0,
            help="进度输出间隔（秒），默认 5；0 表示每块都输出",
        )

    def _fail(self, message: str, code: int = EXIT_NOT_PROCESSED):
        return CommandError(message, returncode=code)

    def handle(self, *args, **options):
        try:
            batch = self._resume(options) if options["resume"] else self._create(options)
        except CollectionError as exc:
            raise self._fail(f"{exc.message}（{exc.code}）") from exc
        except PermissionDenied as exc:
            raise self._fail(str(exc)) from exc
        if batch.status == BatchStatus.FAILED and not batch_is_resumable(batch=batch):
            raise self._fail(f"文件无法读取：{batch.error_message}（{batch.error_code}）；批次 {batch.pk}")
        self.stdout.write(
            f"批次 {batch.pk}：{batch.original_filename}（{batch.format} {batch.encoding}）".rstrip()
        )
        batch = self._run(batch, chunk_size=options["chunk_size"], interval=options["progress_interval"])
        default = Path(options["file"]).parent if options["file"] and not options["resume"] else Path.cwd()
        self._summary(batch, rejections=Path(options["rejections"]) if options["rejections"] else default)

    # -- steps

    def _create(self, options) -> Batch:
        if not options["file"] or not options["item"] or not options["department"]:
            raise self._fail(
                "请指定文件、--item 和 --department，例如：xinyong import 处罚.csv --item penalty --department samr"
            )
        path = Path(options["file"])
        if not path.is_file():
            raise self._fail(f"找不到文件：{path}")
        department = Department.objects.filter(code=options["department"]).first()
        if department is None:
            raise self._fail(
                f"没有代码为“{options['department']}”的部门；现有部门见 xinyong department list，"
                "新部门用 xinyong department add 创建"
            )
        actor = self._user(options["user"])
        as_of = self._date(options["as_of"])
        parent = Batch.objects.filter(pk=options["parent"]).first() if options["parent"] else None
        if options["parent"] and parent is None:
            raise self._fail(f"没有批次 {options['parent']}")
        mapping = self._mapping(options["mapping"])
        batch = batch_create_from_file(
            department=department,
            item_code=options["item"],
            path=path,
            filename=path.name,
            channel=BatchChannel.CLI,
            actor=actor,
            sheet=options["sheet"],
            as_of=as_of,
            parent=parent,
            allow_duplicate=options["force"],
        )
        if batch.status == BatchStatus.FAILED:
            return batch
        if mapping is not None:
            return batch_confirm_mapping(batch=batch, mapping=mapping, actor=actor, remember=True)
        problems = batch_mapping_problems(batch=batch)
        if problems:
            raise self._fail(f"{problems[0].message}；可用 --mapping 指定列映射（批次 {batch.pk} 未处理）")
        return batch_confirm_mapping(batch=batch, mapping=batch.mapping, actor=actor, remember=False)

    def _resume(self, options) -> Batch:
        batch = Batch.objects.filter(pk=options["resume"]).first()
        if batch is None:
            raise self._fail(f"没有批次 {options['resume']}")
        if batch.status == BatchStatus.DONE:
            return batch
        if not batch_is_resumable(batch=batch) and batch.status != BatchStatus.UPLOADED:
            raise self._fail(f"批次 {batch.pk} 当前状态为“{batch.get_status_display()}”，不能继续处理")
        self.stdout.write(f"从第 {batch.rows_committed + 1} 个数据行继续处理")
        return batch

    def _user(self, username: str | None):
        if not username:
            return None
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise self._fail(f"没有启用的用户“{username}”")
        return user

    def _date(self, value: str | None) -> dt.date | None:
        if not value:
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError as exc:
            raise self._fail(f"--as-of 应为 YYYY-MM-DD，例如 2026-06-15，而不是“{value}”") from exc

    def _mapping(self, value: str | None) -> dict[str, str] | None:
        if not value:
            return None
        try:
            data = json.loads(Path(value).read_text(encoding="utf-8-sig"))
        except (OSError, ValueError) as exc:
            raise self._fail(f"无法读取列映射文件 {value}：{exc}") from exc
        if not isinstance(data, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in data.items()
        ):
            raise self._fail('列映射文件应为 JSON 对象：{"表头": "字段代码"}')
        return data

    def _run(self, batch: Batch, *, chunk_size: int, interval: float) -> Batch:
        last = [0.0]
        err = self.stderr

        def progress(current: Batch) -> None:
            now = time.monotonic()
            if now - last[0] >= interval:
                last[0] = now
                err.write(progress_line(current))

        try:
            batch = batch_process(batch_id=batch.pk, chunk_size=chunk_size, progress=progress)
        except KeyboardInterrupt:
            batch.refresh_from_db()
            self.stderr.write(
                f"已中断：已入库 {batch.rows_committed:,} 行。继续处理：xinyong import --resume {batch.pk}"
            )
            sys.exit(EXIT_INTERRUPTED)
        except Exception as exc:
            batch.refresh_from_db()
            raise self._fail(
                f"{batch.error_message or exc}。继续处理：xinyong import --resume {batch.pk}", code=1
            ) from exc
        if batch.status == BatchStatus.FAILED:
            raise self._fail(f"批次 {batch.pk} 失败：{batch.error_message}（{batch.error_code}）")
        return batch

    def _summary(self, batch: Batch, *, rejections: Path) -> None:
        p = batch_progress(batch=batch)
        rate = f"，{p['rows_per_second']:,.0f} 行/秒" if p["rows_per_second"] else ""
        out = self.stdout
        out.write(f"完成：读取 {batch.rows_read:,} 行{rate}")
        out.write(
            f"  新增 {batch.created:,}，更新版本 {batch.new_version:,}，重复 {batch.duplicate:,}，退回 {batch.rejected:,}"
        )
        if batch.warnings:
            out.write("  提示：" + _counted(batch.warnings))
            total = batch.row_warnings.count()
            if total:
                shown = min(total, SUMMARY_WARNINGS)
                out.write(f"  提示明细（前 {shown:,} 条，共 {total:,} 条；这些行已入库，请核对）：")
                for warning in batch.row_warnings.order_by("number", "pk")[:SUMMARY_WARNINGS]:
                    out.write(f"    [{warning.code}] {warning.message}")
                path = batch_warning_file(
                    batch=batch, actor=batch.uploaded_by, dest=rejections / warning_file_name(batch=batch)
                )
                out.write(f"  提示清单：{path}")
        if batch.rejected:
            out.write("  退回原因：" + _counted(batch.errors))
            # The stored copy is encrypted; the operator gets a readable one in their own directory.
            path = batch_rejection_file_export(
                batch=batch,
                actor=batch.uploaded_by,
                dest=rejections / rejection_filename(batch.original_filename, format=batch.format or "csv"),
            )
            out.write(f"  退回文件：{path}")
            out.write("  修正退回文件后重新导入（只会入库修正的行）：")
            out.write(
                f"  xinyong import <修正后的文件> --item {batch.item.code} --department {batch.department.code} "
                f"--parent {batch.pk}"
            )


def _counted(counts: dict[str, int]) -> str:
    """Rows per code, each code with its Chinese name: ``金额不是数字（amount_format）3 行``."""
    named = {code: issue_label(code) for code in counts}
    return "，".join(
        f"{named[code]}（{code}）{n:,} 行" if named[code] != code else f"{code} {n:,} 行"
        for code, n in counts.items()
    )
