"""``xinyong demo``: migrate and load the demo county (safe to run again)."""

import datetime as dt

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from xinyong.core.management.arguments import iso_date, positive_int, whole_number
from xinyong.demo.services import DEMO_PASSWORD, demo_build


class Command(BaseCommand):
    help = "载入演示县数据（部门、用户、接口密钥、主体和信用记录）；可重复运行。"

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=whole_number, default=2026, help="随机种子，同一种子生成相同数据")
        parser.add_argument(
            "--subjects", type=positive_int, default=300, help="主体数量（每个主体至少一条记录）"
        )
        parser.add_argument(
            "--as-of", type=iso_date, default=None, help="演示数据的“今天”（YYYY-MM-DD），默认当天"
        )

    def handle(self, *args, seed: int, subjects: int, as_of: dt.date | None, **options):
        if settings.PRODUCTION:
            raise CommandError("生产环境不能载入演示数据（XINYONG_ENV=production）")
        call_command("migrate", interactive=False, verbosity=0)
        report = demo_build(seed=seed, subjects=subjects, as_of=as_of or timezone.localdate())
        out = self.stdout.write
        outcomes = report.outcomes
        out(
            f"演示县已就绪：新增部门 {report.departments} 个；主体 {report.subjects} 个；信用记录新增 "
            f"{outcomes.get('created', 0)} 条、更新版本 {outcomes.get('new_version', 0)} 条、"
            f"重复报送 {outcomes.get('duplicate', 0)} 条"
        )
        out(f"控制台账号（密码均为 {DEMO_PASSWORD}）：")
        for line in report.users:
            out(f"  {line}")
        out(f"接口密钥（市场监管局，records:read subjects:read；本次运行新生成）：{report.api_key}")
