"""``xinyong department add CODE NAME --uscc USCC [--parent CODE] [--region CODE]`` and ``department list``."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from xinyong.accounts.models import Department
from xinyong.accounts.services import department_create
from xinyong.core.identifiers import normalize_code_input


class Command(BaseCommand):
    help = "部门（数据来源单位）：add 新增部门（校验统一社会信用代码，记入审计日志），list 列出全部部门"

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        add = sub.add_parser("add", help="新增部门")
        add.add_argument("code", help="部门代码：简短英文，用于命令行和接口，例如 samr")
        add.add_argument("name", help="部门名称，例如 示范县市场监督管理局")
        add.add_argument("--uscc", required=True, help="部门的18位统一社会信用代码（机关、事业单位以1开头）")
        add.add_argument("--parent", metavar="CODE", help="上级部门的部门代码")
        add.add_argument("--region", metavar="CODE", default="", help="6位行政区划代码，例如 350100")
        sub.add_parser("list", help="列出全部部门")

    def handle(self, *args, **options) -> None:
        if options["subcommand"] == "add":
            self._add(options)
        else:
            self._list()

    def _add(self, options) -> None:
        code = options["code"].strip()
        if Department.objects.filter(code=code).exists():
            raise CommandError(
                f"[department_code_taken] 部门代码“{code}”已被使用；请换一个代码，现有部门见 xinyong department list"
            )
        uscc = normalize_code_input(options["uscc"])
        same = Department.objects.filter(uscc=uscc).first()
        if same is not None:
            raise CommandError(
                f"[department_uscc_taken] 统一社会信用代码 {uscc} 已属于部门“{same.name}”（{same.code}），"
                "一个代码只能对应一个部门"
            )
        parent = None
        if options["parent"]:
            parent = Department.objects.filter(code=options["parent"]).first()
            if parent is None:
                raise CommandError(
                    f"[department_parent_unknown] 找不到上级部门代码“{options['parent']}”；"
                    "请先创建上级部门，现有部门见 xinyong department list"
                )
        try:
            department = department_create(
                code=code,
                name=options["name"].strip(),
                uscc=uscc,
                region_code=options["region"],
                parent=parent,
            )
        except ValidationError as exc:
            raise CommandError("\n".join(_lines(exc))) from exc
        under = f"，上级部门：{parent.name}（{parent.code}）" if parent else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"已创建部门 {department.code}：{department.name}，统一社会信用代码 {department.uscc}{under}"
            )
        )

    def _list(self) -> None:
        departments = list(Department.objects.select_related("parent").order_by("code"))
        if not departments:
            self.stdout.write("尚无部门；用 xinyong department add 代码 名称 --uscc 统一社会信用代码 创建")
            return
        self.stdout.write("部门代码\t统一社会信用代码\t上级部门\t状态\t部门名称")
        for d in departments:
            state = "启用" if d.is_active else "停用"
            parent = d.parent.code if d.parent else "-"
            self.stdout.write(f"{d.code}\t{d.uscc or '-'}\t{parent}\t{state}\t{d.name}")
        self.stdout.write(f"共 {len(departments)} 个部门")


def _lines(exc: ValidationError) -> list[str]:
    """``[code] message`` for each problem, so scripts and people both see what to fix."""
    labels = {
        "code": "部门代码",
        "name": "部门名称",
        "uscc": "统一社会信用代码",
        "region_code": "行政区划代码",
    }
    lines = []
    for field, errors in exc.error_dict.items() if hasattr(exc, "error_dict") else [("", exc.error_list)]:
        for error in errors:
            message = " ".join(error.messages)
            label = labels.get(field, "")
            prefix = f"{label}：" if label and not message.startswith(label) else ""
            lines.append(f"[{error.code or 'invalid'}] {prefix}{message}")
    return lines
