"""``xinyong apiclient create|revoke|list``: manage API clients from the console."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from xinyong.accounts.models import ApiClient, ApiScope, Department
from xinyong.accounts.services import ServiceError, apiclient_create, apiclient_revoke
from xinyong.core.management.arguments import positive_int


class Command(BaseCommand):
    help = "管理接口客户端：create 创建（密钥只显示一次）、revoke 吊销、list 列出"

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        create = sub.add_parser("create", help="创建接口客户端并显示密钥（只显示这一次）")
        create.add_argument("--department", required=True, help="所属部门代码")
        create.add_argument("--name", required=True, help="客户端名称，例如“市场监管局报送系统”")
        create.add_argument(
            "--scope",
            dest="scopes",
            action="extend",
            nargs="+",
            required=True,
            help="权限范围（可多个）：" + "、".join(ApiScope.values),
        )
        create.add_argument("--expires", help="有效期至（YYYY-MM-DD，当天结束时失效）")
        revoke = sub.add_parser("revoke", help="吊销接口客户端的密钥")
        revoke.add_argument("id", type=positive_int, help="接口客户端 ID")
        sub.add_parser("list", help="列出接口客户端")

    def handle(self, *args, **options) -> None:
        getattr(self, f"_{options['subcommand']}")(options)

    def _create(self, options) -> None:
        department = Department.objects.filter(code=options["department"]).first()
        if department is None:
            raise CommandError(f"[department_unknown] 找不到部门代码“{options['department']}”")
        expires_at = None
        if options["expires"]:
            try:
                day = dt.date.fromisoformat(options["expires"])
            except ValueError as exc:
                raise CommandError(
                    f"[expires_format] 有效期应写成 YYYY-MM-DD，而不是“{options['expires']}”"
                ) from exc
            expires_at = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))
        try:
            client, key = apiclient_create(
                name=options["name"], department=department, scopes=options["scopes"], expires_at=expires_at
            )
        except ServiceError as exc:
            raise CommandError(f"[{exc.code}] {exc.message}") from exc
        self.stdout.write(f"已创建接口客户端 #{client.pk}：{client.name}（{department.name}）")
        self.stdout.write(f"权限范围：{'、'.join(client.scopes)}")
        self.stdout.write("密钥（只显示这一次，平台不保存原文，请立即妥善保存）：")
        self.stdout.write(key)

    def _revoke(self, options) -> None:
        client = ApiClient.objects.filter(pk=options["id"]).first()
        if client is None:
            raise CommandError(f"[apiclient_unknown] 找不到 ID 为 {options['id']} 的接口客户端")
        already = client.revoked_at is not None
        apiclient_revoke(client=client)
        if already:
            self.stdout.write(
                f"接口客户端 #{client.pk} 已于 {timezone.localtime(client.revoked_at):%Y-%m-%d %H:%M} 吊销"
            )
        else:
            self.stdout.write(self.style.SUCCESS(f"已吊销接口客户端 #{client.pk}：{client.name}"))

    def _list(self, options) -> None:
        now = timezone.now()
        for client in ApiClient.objects.select_related("department").order_by("pk"):
            status = "已吊销" if client.revoked_at else ("有效" if client.is_active_at(now) else "已过期")
            self.stdout.write(
                f"#{client.pk}\t{client.key_prefix}\t{status}\t{client.department.code}\t"
                f"{','.join(client.scopes)}\t{client.name}"
            )
