"""``xinyong serve``: run the web server (migrating first, so a fresh checkout just works)."""

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "运行信用平台 Web 服务（先执行数据库迁移）。生产环境请用 gunicorn xinyong.wsgi。"

    def add_arguments(self, parser):
        parser.add_argument(
            "addrport", nargs="?", default="127.0.0.1:8000", help="监听地址，默认 127.0.0.1:8000"
        )
        parser.add_argument("--no-migrate", action="store_true", help="不执行迁移")

    def handle(self, *args, addrport: str, no_migrate: bool, **options):
        if not no_migrate:
            call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(f"xinyong 信用平台: http://{addrport}/  （管理控制台 /admin/，接口文档 /api/docs）")
        call_command("runserver", addrport, use_reloader=False)
