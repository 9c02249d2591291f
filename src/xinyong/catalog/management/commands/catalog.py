"""``xinyong catalog load`` / ``xinyong catalog check``: load or validate the catalog YAML fixtures."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from xinyong.catalog.errors import CatalogFixtureError
from xinyong.catalog.services import DEFAULT_FIXTURES_DIR, catalog_check_fixtures, catalog_load_fixtures
from xinyong.core.management.arguments import iso_date


class Command(BaseCommand):
    help = "信用信息目录：load 载入 YAML 目录（可重复执行，只为有变化的目录项创建新版本）；check 只校验不写入"

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        load = sub.add_parser("load", help="载入目录、码表和公示期限规则集")
        load.add_argument("--path", help=f"YAML 文件或目录（默认：{DEFAULT_FIXTURES_DIR}）")
        load.add_argument(
            "--as-of", type=iso_date, help="新版本的生效日期（默认今天，YAML 中的 valid_from 优先）"
        )
        check = sub.add_parser("check", help="只校验 YAML，不写入数据库")
        check.add_argument("--path", help=f"YAML 文件或目录（默认：{DEFAULT_FIXTURES_DIR}）")

    def handle(self, *args, **options) -> None:
        try:
            if options["subcommand"] == "check":
                bundle = catalog_check_fixtures(path=options["path"])
                self.stdout.write(
                    self.style.SUCCESS(
                        f"校验通过：{len(bundle.files)} 个文件，目录项 {len(bundle.items)} 个，"
                        f"码表 {len(bundle.code_lists)} 个，规则集 {len(bundle.rule_sets)} 个"
                    )
                )
                return
            report = catalog_load_fixtures(
                path=options["path"], as_of=options["as_of"] or timezone.localdate()
            )
        except CatalogFixtureError as exc:
            raise CommandError(f"目录校验失败，未写入任何数据：\n{exc}") from exc
        style = self.style.SUCCESS if report.changed else self.style.NOTICE
        self.stdout.write(style(("已载入：" if report.changed else "没有变化：") + report.summary()))
