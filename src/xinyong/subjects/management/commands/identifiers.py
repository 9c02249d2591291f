"""``xinyong identifiers confirm|revoke|list``: the confirmed codes (USCCs whose check character is wrong
but which are real; docs/identifiers.md)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from xinyong.subjects.selectors import confirmed_codes_list
from xinyong.subjects.services import ConfirmedCodeError, confirmed_code_add, confirmed_code_revoke


class Command(BaseCommand):
    help = (
        "已确认代码（校验码不符但经核实真实有效的统一社会信用代码）：confirm 确认、revoke 撤销确认、list 列出"
    )

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        confirm = sub.add_parser("confirm", help="核对登记证书后确认一个代码（写入审计日志）")
        confirm.add_argument("code", help="统一社会信用代码（18 位）")
        confirm.add_argument("--reason", required=True, help="确认理由，如“已核对登记证书原件，证书编号……”")
        revoke = sub.add_parser("revoke", help="撤销对一个代码的确认（写入审计日志）")
        revoke.add_argument("code", help="统一社会信用代码（18 位）")
        revoke.add_argument("--reason", required=True, help="撤销理由")
        listing = sub.add_parser("list", help="列出生效中的确认（--all 含已撤销的）")
        listing.add_argument("--all", action="store_true", help="也列出已撤销的确认")
        listing.add_argument("--search", default="", help="只列出包含这些字符的代码")

    def handle(self, *args, **options) -> None:
        getattr(self, f"_{options['subcommand']}")(options)

    def _confirm(self, options) -> None:
        try:
            confirmation = confirmed_code_add(uscc=options["code"], reason=options["reason"], actor=None)
        except ConfirmedCodeError as exc:
            raise CommandError(f"[{exc.code}] {exc.message}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"已确认 {confirmation.uscc}：含该代码的数据今后可以入库（带提示）。"
                "报送部门可重新上传退回文件中的相应行。"
            )
        )

    def _revoke(self, options) -> None:
        try:
            confirmation = confirmed_code_revoke(uscc=options["code"], reason=options["reason"], actor=None)
        except ConfirmedCodeError as exc:
            raise CommandError(f"[{exc.code}] {exc.message}") from exc
        self.stdout.write(
            self.style.SUCCESS(f"已撤销对 {confirmation.uscc} 的确认：含该代码的新数据将被退回。")
        )

    def _list(self, options) -> None:
        rows = confirmed_codes_list(q=options["search"], state="" if options["all"] else "active")
        count = 0
        for row in rows.iterator(chunk_size=500):
            count += 1
            who = (
                row.confirmed_by.username
                if row.confirmed_by
                else (row.department.name if row.department else "系统")
            )
            line = (
                f"{row.uscc}  {row.get_source_display()}  {timezone.localtime(row.confirmed_at):%Y-%m-%d %H:%M}"
                f"  {who}  {row.reason}"
            )
            if row.revoked_at:
                line += f"  【已于 {timezone.localtime(row.revoked_at):%Y-%m-%d %H:%M} 撤销：{row.revoke_reason}】"
            self.stdout.write(line)
        self.stdout.write(f"共 {count} 条")
