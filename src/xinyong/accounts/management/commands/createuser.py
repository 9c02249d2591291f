"""``xinyong createuser USERNAME --role ROLE [--department CODE] [--password P | --password-from-env VAR]``."""

from __future__ import annotations

import getpass
import os
import sys

from django.core.management.base import BaseCommand, CommandError

from xinyong.accounts.models import Department, Role
from xinyong.accounts.services import ServiceError, user_create


class Command(BaseCommand):
    help = "创建控制台用户（指定角色；部门数据报送员、审核员和窗口核查人员须指定部门）"

    def add_arguments(self, parser) -> None:
        parser.add_argument("username", help="用户名")
        parser.add_argument(
            "--role",
            required=True,
            help="角色：" + "、".join(f"{value}（{label}）" for value, label in Role.choices),
        )
        parser.add_argument("--department", help="所属部门代码")
        parser.add_argument("--email", default="", help="电子邮箱")
        password = parser.add_mutually_exclusive_group()
        password.add_argument("--password", help="密码（会留在命令历史中，脚本中请用 --password-from-env）")
        password.add_argument("--password-from-env", metavar="VAR", help="从环境变量 VAR 读取密码")

    def handle(self, *args, **options) -> None:
        # Check what can be checked before asking for a password.
        if options["role"] not in Role.values:
            roles = "、".join(f"{value}（{label}）" for value, label in Role.choices)
            raise CommandError(f"[role_unknown] 未知的角色“{options['role']}”；可用的角色：{roles}")
        department = None
        if options["department"]:
            department = Department.objects.filter(code=options["department"]).first()
            if department is None:
                raise CommandError(
                    f"[department_unknown] 找不到部门代码“{options['department']}”，请先创建该部门"
                )
        password = self._password(options)
        try:
            user = user_create(
                username=options["username"],
                role=options["role"],
                department=department,
                password=password,
                email=options["email"],
            )
        except ServiceError as exc:
            raise CommandError(f"[{exc.code}] {exc.message}") from exc
        where = f"，部门：{user.department}" if user.department else ""
        self.stdout.write(
            self.style.SUCCESS(f"已创建用户 {user.username}（{user.get_role_display()}{where}）")
        )

    def _password(self, options) -> str:
        if options["password"] is not None:
            return options["password"]
        var = options["password_from_env"]
        if var:
            value = os.environ.get(var)
            if not value:
                raise CommandError(f"[password_env_empty] 环境变量 {var} 未设置或为空")
            return value
        if sys.stdin.isatty():
            first = getpass.getpass("密码：")
            if first != getpass.getpass("再次输入密码："):
                raise CommandError("[password_mismatch] 两次输入的密码不一致")
            return first
        raise CommandError("[password_required] 请用 --password 或 --password-from-env 提供密码")
