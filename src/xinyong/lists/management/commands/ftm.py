"""``xinyong ftm export`` / ``xinyong ftm import``: black lists of organisations as FollowTheMoney entities.

``export [--out FILE] [--as-of DATE] [--prefix P]`` writes the export (JSON lines) to a file or standard
output; ``import FILE --department CODE --list-type CODE [--as-of DATE]`` imports a JSON-lines file of FtM
legal entities and sanctions as that mirrored list, recorded as the department's 严重失信主体名单 records.
Exit codes: 0 done (refused lines are listed), 2 nothing imported (file refused, wrong argument).
See docs/interoperability.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from xinyong.accounts.models import Department
from xinyong.core.management.arguments import iso_date
from xinyong.lists.interop.ftm import ftm_export_lines
from xinyong.lists.interop.ftm_import import FtmImportError, ftm_import
from xinyong.lists.models import ListType

# Refused lines printed with the summary (the report keeps the first thousand).
SHOWN_ISSUES = 20


class Command(BaseCommand):
    help = (
        "FollowTheMoney 互认：export 导出在列黑名单（仅法人及非法人组织、仅公开记录）；"
        "import 将 FollowTheMoney 实体文件导入为认定部门公布的黑名单"
    )

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        export = sub.add_parser("export", help="导出为 JSON Lines（每行一个实体）")
        export.add_argument("--out", type=Path, help="输出文件（默认写到标准输出）")
        export.add_argument("--as-of", type=iso_date, help="在列日期（默认今天）")
        export.add_argument("--prefix", default="xinyong", help="实体 id 前缀（默认 xinyong）")
        imp = sub.add_parser("import", help="导入 FollowTheMoney 实体文件（JSON Lines）")
        imp.add_argument("file", type=Path)
        imp.add_argument("--department", required=True, help="认定（来源）部门代码")
        imp.add_argument("--list-type", required=True, help="名单类型代码（认定部门公布的黑名单）")
        imp.add_argument("--as-of", type=iso_date, help="导入日期（默认今天）")

    def handle(self, *args, **options) -> None:
        as_of = options["as_of"] or timezone.localdate()
        if options["subcommand"] == "export":
            out = options["out"]
            stream = out.open("wb") if out else sys.stdout.buffer
            try:
                for piece in ftm_export_lines(as_of=as_of, prefix=options["prefix"]):
                    stream.write(piece)
            finally:
                if out:
                    stream.close()
            return
        department = Department.objects.filter(code=options["department"]).first()
        if department is None:
            raise CommandError(
                f"[department_unknown] 没有代码为“{options['department']}”的部门", returncode=2
            )
        list_type = ListType.objects.filter(code=options["list_type"]).first()
        if list_type is None:
            raise CommandError(
                f"[list_type_unknown] 没有代码为“{options['list_type']}”的名单类型", returncode=2
            )
        path: Path = options["file"]
        try:
            with path.open("rb") as lines:
                report = ftm_import(lines=lines, department=department, list_type=list_type, as_of=as_of)
        except OSError as exc:
            raise CommandError(
                f"[file_unreadable] 无法读取文件 {path}：{exc.strerror}", returncode=2
            ) from exc
        except FtmImportError as exc:
            raise CommandError(f"[{exc.code}] {exc.message}（未导入任何数据）", returncode=2) from exc
        self.stdout.write(self.style.SUCCESS(f"已导入（批次 {report.batch_ref}）：{report.summary()}"))
        for issue in report.issues[:SHOWN_ISSUES]:
            where = f"第 {issue.line} 行" if issue.line else "主体登记"
            self.stdout.write(f"  拒收 {where} [{issue.code}] {issue.message}")
        if report.refused > SHOWN_ISSUES:
            self.stdout.write(f"  ……共拒收 {report.refused:,} 行")
