"""``xinyong lists load|check|sync|expire|unmapped``: list types and mirrored list entries."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from xinyong.core.management.arguments import iso_date
from xinyong.lists.selectors import unmapped_list_names
from xinyong.lists.services import list_entries_expire, list_entries_sync_all, list_types_load
from xinyong.lists.typesfile import DEFAULT_TYPES_FILE, ListTypesFileError, types_read


class Command(BaseCommand):
    help = (
        "红黑名单：load 载入名单类型（有变化的生成新版本）；check 只校验；sync 由信用记录同步名单条目；"
        "expire 标记期满条目；unmapped 列出未对应名单类型的名单名称"
    )

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        load = sub.add_parser("load", help="载入名单类型")
        load.add_argument("--path", help=f"YAML 文件（默认：{DEFAULT_TYPES_FILE}）")
        load.add_argument("--as-of", type=iso_date, help="新版本的生效日期（默认今天）")
        check = sub.add_parser("check", help="只校验名单类型文件，不写入数据库")
        check.add_argument("--path", help=f"YAML 文件（默认：{DEFAULT_TYPES_FILE}）")
        sync = sub.add_parser("sync", help="由严重失信主体名单、经营异常名录、守信激励记录同步名单条目")
        sync.add_argument("--all", action="store_true", help="全部记录（默认：最近 2 天有变化的记录）")
        sync.add_argument("--since", type=iso_date, help="自该日起有变化的记录")
        sync.add_argument("--as-of", type=iso_date, help="按该日计算（默认今天）")
        expire = sub.add_parser("expire", help="将有效期届满的名单条目标记为期满")
        expire.add_argument("--as-of", type=iso_date, help="按该日计算（默认今天）")
        sub.add_parser("unmapped", help="列出未对应任何名单类型的名单名称")

    def handle(self, *args, **options) -> None:
        command = options["subcommand"]
        as_of = options.get("as_of") or timezone.localdate()
        try:
            if command == "check":
                file = types_read(path=options["path"])
                self.stdout.write(self.style.SUCCESS(f"校验通过：名单类型 {len(file.types)} 个"))
            elif command == "load":
                report = list_types_load(as_of=as_of, path=options["path"])
                style = self.style.SUCCESS if report.changed else self.style.NOTICE
                self.stdout.write(style(("已载入：" if report.changed else "没有变化：") + report.summary()))
            elif command == "sync":
                since = None
                if not options["all"]:
                    day = options["since"] or as_of - dt.timedelta(days=2)
                    since = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
                self.stdout.write(list_entries_sync_all(as_of=as_of, since=since).summary())
            elif command == "expire":
                self.stdout.write(f"名单条目期满：{list_entries_expire(as_of=as_of):,} 条")
            else:
                rows = unmapped_list_names()
                if not rows:
                    self.stdout.write(self.style.SUCCESS("所有名单名称均已对应名单类型"))
                for item, name, count in rows:
                    self.stdout.write(f"{item}\t{name or '（空）'}\t{count:,}")
        except ListTypesFileError as exc:
            raise CommandError(f"名单类型校验失败，未写入任何数据：\n{exc}") from exc
