"""``xinyong subjects reindex``: rebuild the index of the subject name search."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from xinyong.subjects.search import subject_search_index, subject_search_reindex


class Command(BaseCommand):
    help = "主体登记：reindex 重建主体名称检索索引（全部主体，或用 --ids 指定的主体）"

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        reindex = sub.add_parser("reindex", help="重建主体名称检索索引（分批写入，显示进度）")
        reindex.add_argument("--chunk", type=int, default=20000, help="每批主体数（默认 20000）")
        reindex.add_argument("--ids", type=int, nargs="+", help="只重建这些主体（主体 ID）的索引")

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        if options["ids"]:
            count = subject_search_index(subject_ids=options["ids"])
            self.stdout.write(self.style.SUCCESS(f"已重建 {count} 个主体的名称检索索引"))
            return

        def progress(done: int, total: int) -> None:
            share = f"{done * 100 // total}%" if total else "100%"
            self.stdout.write(
                f"已处理 {done:,} / {total:,} 个主体（{share}），用时 {time.monotonic() - started:.1f} 秒"
            )

        count = subject_search_reindex(chunk=max(1, options["chunk"]), progress=progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"名称检索索引已重建：{count:,} 个主体（自然人不建名称索引），用时 {time.monotonic() - started:.1f} 秒"
            )
        )
