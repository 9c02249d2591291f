"""``xinyong demo``: migrate and build the demo county (safe to run again: a built county is left as it is)."""

import datetime as dt
import os

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from xinyong.core.management.arguments import iso_date, positive_int, whole_number
from xinyong.demo.county import DEPARTMENTS
from xinyong.demo.services import DEMO_PASSWORD, DemoReport, demo_build


def site_url() -> str:
    """Where scripts/demo.sh serves the platform: XINYONG_ADDR (host:port or a port), else 127.0.0.1:8000."""
    addr = os.environ.get("XINYONG_ADDR", "").strip() or "127.0.0.1:8000"
    return f"http://{'127.0.0.1:' + addr if addr.isdigit() else addr}"


class Command(BaseCommand):
    help = (
        "建立演示县：部门、各角色账号、接口密钥，以及各部门三年来以文件报送的行政许可和行政处罚"
        "（经数据归集逐个上传入库，含一个有退回行的批次）；已建立的不会重复生成，可重复运行。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=whole_number, default=2026, help="随机种子，同一种子生成相同数据")
        parser.add_argument(
            "--subjects",
            type=positive_int,
            default=10_000,
            help="主体数量（每个主体至少一条记录），默认 10000",
        )
        parser.add_argument(
            "--as-of", type=iso_date, default=None, help="演示数据的“今天”（YYYY-MM-DD），默认当天"
        )

    def handle(self, *args, seed: int, subjects: int, as_of: dt.date | None, **options):
        if settings.PRODUCTION:
            raise CommandError("生产环境不能载入演示数据（XINYONG_ENV=production）")
        call_command("migrate", interactive=False, verbosity=0)
        out = self.stdout.write
        report = demo_build(seed=seed, subjects=subjects, as_of=as_of or timezone.localdate(), progress=out)
        self._summary(report)

    def _summary(self, report: DemoReport) -> None:
        out = self.stdout.write
        o = report.outcomes
        if report.built:
            out(
                f"演示县已建成（用时 {report.seconds:.0f} 秒）：部门 {len(DEPARTMENTS)} 个（本次新增 {report.departments} 个），主体 {report.subjects:,} 个"
            )
        else:
            out(f"演示县此前已建成，本次未重复生成数据：主体 {report.subjects:,} 个")
        out(
            f"归集批次 {report.batches} 个，共 {o.get('rows_read', 0):,} 行：新增记录 {o.get('created', 0):,} 条，"
            f"更新版本 {o.get('new_version', 0):,} 条，重复报送 {o.get('duplicate', 0):,} 条，退回 {o.get('rejected', 0):,} 行"
            + (f"；撤销或撤回 {report.revoked} 条" if report.built else "")
            + (f"；在线填报名单、荣誉和承诺 {report.other_items} 条" if report.built else "")
        )
        if report.on_time is not None:
            out(f"双公示记录 7 个工作日内报送的占 {report.on_time:.1%}")
        if report.loads:
            out("各部门报送情况：")
            for name, load in report.loads.items():
                out(
                    f"  {name}：{load.files} 个文件，{load.rows:,} 行，入库 {load.accepted:,} 行"
                    f"（其中更新版本 {load.new_version:,}），重复 {load.duplicate:,}，退回 {load.rejected:,}"
                )
        batch = report.error_batch
        if batch is not None:
            out(
                f"退回示例：{batch.department.name}的文件“{batch.original_filename}”有 {batch.rejected} 行被退回"
                f"（批次 {batch.pk}），可在控制台“数据归集”中查看逐行错误并下载退回文件"
            )
            if report.rejection_file:
                out(f"  退回文件：{report.rejection_file}")
        if report.directory:
            out(f"各部门报送的原始文件：{report.directory}")
        if report.pending_file:
            out(f"待上传的示例文件（含典型错误）：{report.pending_file}")
            out(
                "  以 samr_data 登录控制台，在“上传文件”页面选择目录项“行政处罚”上传，即可看到逐行错误说明和退回文件"
            )
        site = site_url()
        due = report.dueprocess
        if due is not None:
            out(
                f"异议申请：办理中 {due.objections_open} 件（超期 {due.objections_overdue} 件），已告知办结 "
                f"{due.objections_closed} 件；信用修复申请：办理中 {due.repairs_open} 件，准予修复 "
                f"{due.repairs_approved} 件，不予修复 {due.repairs_rejected} 件；{due.commitments_text}；"
                "可在控制台“异议与修复”中查看"
            )
        out(f"公示网站：{site}/    控制台：{site}/console/    管理后台：{site}/admin/")
        out(f"控制台账号（密码均为 {DEMO_PASSWORD}）：")
        for line in report.users:
            out(f"  {line}")
        officers = [f"{username}（{short}）" for username, short in report.officers]
        out("  各部门数据报送员（用户名为“部门代码_data”）：")
        for start in range(0, len(officers), 5):
            out("    " + "、".join(officers[start : start + 5]))
        account = report.subject_account
        if account is not None:
            out(f"信用主体用户（公示网站“我的信用”：{site}/my/）：")
            out(
                f"  登录名 {account.login_name}，密码 {account.password}；已绑定"
                f"{account.subject.name}（{account.subject.uscc}，{account.list_name}）"
            )
            if due is not None and due.account_cases:
                out(
                    f"  其异议申请和信用修复申请共 {due.account_cases} 件，可在“我的信用”中查看办理进度和告知书"
                )
        out("接口密钥（本次运行新生成，此前的演示密钥已吊销；README 的接口示例用对应的密钥）：")
        for key in report.api_keys:
            out(f"  {key.use.label}（{' '.join(key.use.scopes)}）：{key.key}")
        if report.api_example:
            out(f"  报送接口示例的请求体：{report.api_example}")
