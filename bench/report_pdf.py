"""Benchmark of credit report PDF rendering (goal: at most 1.5 s for a subject with many records).

    .venv/bin/python bench/report_pdf.py                      # SQLite in a temporary directory, 200 records
    .venv/bin/python bench/report_pdf.py --records 400 --runs 20
    .venv/bin/python bench/report_pdf.py --db-url postgres://postgres@127.0.0.1:5432/xinyong_bench_report

Builds one company with ``--records`` public credit records spread over the report's sections (licences,
penalties with long texts, honours, abnormal operations, commitments, serious dishonesty), issues its public and
authorised reports (``reports.services.report_issue``) and renders the public one to PDF
(``report_render_pdf``: template, WeasyPrint layout, font subsetting, PDF writing) once cold (the first render
of a process also loads the fonts) and ``--runs`` times warm, which is what a running server does for every
download. Prints wall time and this process's CPU time per render, the page count, the PDF size and the
machine's load average (on a shared machine wall time grows with the load; CPU time much less).

A PostgreSQL database given with ``--db-url`` is created (and dropped at the end unless ``--keep``) when the
user may do so; the test is the rendering, so the database matters little here.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import random
import re
import statistics
import sys
import tempfile
import time
import zlib
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2026, 11, 20)
GOAL_SECONDS = 1.5
ABBREVIATIONS = {
    "license": "许",
    "penalty": "罚",
    "honour": "荣",
    "abnormal_operations": "异",
    "commitment": "诺",
    "serious_dishonesty": "失",
}

FACTS = (
    "经查，当事人在经营场所销售的预包装食品中，有部分产品超过保质期仍在销售，现场查获超过保质期的食品共计{n}件，"
    "货值金额人民币{m}元。当事人未建立食品进货查验记录制度，不能提供相关产品的合法来源证明。"
)
CONTENT = "1.没收违法所得人民币{m}元；2.罚款人民币{k}元。"


def _setup_django(db_url: str, home: Path) -> None:
    os.environ["DATABASE_URL"] = db_url
    os.environ["XINYONG_HOME"] = str(home)
    os.environ["XINYONG_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinyong.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def _create_pg_database(db_url: str) -> None:
    import psycopg

    parts = urlsplit(db_url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def _drop_pg_database(db_url: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    parts = urlsplit(db_url)
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}"')


def _build(records: int, rng: random.Random):
    """Schema, catalog, a department, one company with ``records`` records; returns the subject."""
    from django.core.management import call_command
    from django.utils import timezone

    from xinyong.accounts.models import Department
    from xinyong.catalog.selectors import catalog_item_current_version
    from xinyong.catalog.services import catalog_load_fixtures
    from xinyong.core.codes import SubjectKind
    from xinyong.core.identifiers import generate_uscc
    from xinyong.records.loading.ingest import records_bulk_ingest
    from xinyong.records.loading.prepare import RecordInput
    from xinyong.records.models import Channel
    from xinyong.subjects.bulk import SubjectInput, subjects_resolve_bulk
    from xinyong.subjects.models import Subject
    from xinyong.subjects.services import linked_person_add

    call_command("migrate", verbosity=0, interactive=False)
    catalog_load_fixtures(as_of=dt.date(2023, 1, 1))
    department = Department.objects.create(code="samr", name="福州市市场监督管理局")
    authority_uscc = generate_uscc(rng, category="11")
    resolved = subjects_resolve_bulk(
        inputs=[
            SubjectInput(
                kind=SubjectKind.ORGANISATION, name="福州市鼓楼区恒信达商贸有限公司", uscc=generate_uscc(rng)
            )
        ],
        source="bench-report",
        as_of=dt.date(2026, 11, 1),
    )[0]
    subject = Subject.objects.get(pk=resolved.subject_id)
    linked_person_add(subject=subject, role="legal_representative", name="王某某", source="登记信息")
    versions = {
        code: catalog_item_current_version(code=code)
        for code in (
            "license",
            "penalty",
            "honour",
            "abnormal_operations",
            "commitment",
            "serious_dishonesty",
        )
    }
    # Field-like mix: licences and penalties dominate a busy company's record.
    mix = (
        ["license"] * 30
        + ["penalty"] * 45
        + ["honour"] * 8
        + ["abnormal_operations"] * 5
        + ["commitment"] * 10
    ) + ["serious_dishonesty"] * 2
    received = timezone.make_aware(dt.datetime(2026, 11, 1, 9, 0))
    rows: dict[str, list] = {}
    for i in range(records):
        code = mix[i % len(mix)]
        decided = AS_OF - dt.timedelta(days=rng.randint(10, 900))
        number = f"榕鼓市监{ABBREVIATIONS[code]}〔{decided.year}〕{1000 + i}号"
        n, m, k = rng.randint(5, 500), rng.randint(100, 90000), rng.randint(1000, 200000)
        fields: dict = {
            "license": {
                "XK_XDR_MC": subject.name,
                "XK_XKWS": "食品经营许可决定书",
                "XK_WSH": number,
                "XK_XKLB": "普通",
                "XK_XKZS": "食品经营许可证",
                "XK_XKBH": f"JY1350102{i:08d}",
                "XK_NR": "预包装食品（含冷藏冷冻食品）销售，散装食品（含冷藏冷冻食品）销售，特殊食品销售（保健食品）",
                "XK_JDRQ": decided.isoformat(),
                "XK_YXQZ": decided.isoformat(),
                "XK_YXQZI": (decided + dt.timedelta(days=5 * 365)).isoformat(),
                "XK_XKJG": department.name,
                "XK_XKJGDM": authority_uscc,
                "XK_ZT": "有效",
            },
            "penalty": {
                "CF_XDR_MC": subject.name,
                "CF_WSH": number,
                "CF_WFXW": "销售超过保质期的食品",
                "CF_SY": FACTS.format(n=n, m=m),
                "CF_YJ": "《中华人民共和国食品安全法》第一百二十四条第一款第（五）项",
                "CF_CFLB": ["罚款", "没收违法所得"],
                "CF_NR": CONTENT.format(m=m, k=k),
                "CF_NR_FK": f"{k / 10000:.4f}",
                "CF_NR_WFFF": f"{m / 10000:.4f}",
                "CF_JDRQ": decided.isoformat(),
                "CF_YXQ": (decided + dt.timedelta(days=365)).isoformat(),
                "CF_CFJG": department.name,
                "CF_CFJGDM": authority_uscc,
            },
            "honour": {
                "RY_ZTMC": subject.name,
                "RY_RYMC": "守合同重信用企业",
                "RY_RYJB": "市级",
                "RY_RDWH": number,
                "RY_RDRQ": decided.isoformat(),
                "RY_RDJG": "福州市人民政府",
            },
            "abnormal_operations": {
                "YC_QYMC": subject.name,
                "YC_LRYY": "未按照规定的期限公示年度报告",
                "YC_LRRQ": decided.isoformat(),
                "YC_LRWSH": number,
                "YC_LRJG": department.name,
            },
            "commitment": {
                "CN_ZTMC": subject.name,
                "CN_CNLX": "审批替代型",
                "CN_CNSX": "食品经营许可（仅销售预包装食品）备案",
                "CN_CNNR": "本单位承诺所提交的材料真实有效，并严格遵守食品安全法律法规，如有违反，愿意承担相应法律责任。",
                "CN_CNSBH": number,
                "CN_CNRQ": decided.isoformat(),
                "CN_SLDW": department.name,
                "CN_LXZT": "履行中",
            },
            "serious_dishonesty": {
                "SX_ZTMC": subject.name,
                "SX_MDMC": "市场监督管理严重违法失信名单",
                "SX_SXXW": "因同一性质的违法行为受到行政处罚后再次实施该违法行为",
                "SX_RDYJ": "《市场监督管理严重违法失信名单管理办法》第二条",
                "SX_RDWSH": number,
                "SX_LRRQ": decided.isoformat(),
                "SX_RDJG": department.name,
            },
        }[code]
        row = RecordInput(
            number=i + 1,
            document_number=number,
            decision_date=decided,
            fields=fields,
            severity="general" if code in ("penalty", "serious_dishonesty", "abnormal_operations") else "",
            # Every record inside its window on AS_OF, so the public report shows all of them.
            publish_from=decided,
            publish_until=AS_OF + dt.timedelta(days=365),
        )
        rows.setdefault(code, []).append((row, subject.pk))
    for code, chunk in rows.items():
        records_bulk_ingest(
            item_version=versions[code],
            department=department,
            rows=chunk,
            channel=Channel.FILE,
            batch_ref="bench-report",
            received_at=received,
        )
    return subject


def _page_count(pdf: bytes) -> int:
    """Pages of a PDF whose objects may sit in compressed object streams."""
    blob = [pdf]
    for match in re.finditer(rb"stream\r?\n", pdf):
        with contextlib.suppress(zlib.error):
            blob.append(zlib.decompressobj().decompress(pdf[match.end() : match.end() + 4_000_000]))
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", b"".join(blob)))


def _timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=200, help="records of the subject (default 200)")
    parser.add_argument("--runs", type=int, default=10, help="warm renders to time (default 10)")
    parser.add_argument("--db-url", default="", help="PostgreSQL URL (created and dropped); default SQLite")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    parser.add_argument("--out", default="", help="write the rendered PDF (and its HTML, .html) to this file")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="xinyong-bench-report-") as tmp:
        home = Path(tmp)
        db_url = args.db_url or f"sqlite:///{home / 'bench.sqlite3'}"
        if args.db_url:
            _create_pg_database(db_url)
        _setup_django(db_url, home)
        try:
            _run(args)
        finally:
            if args.db_url and not args.keep:
                _drop_pg_database(db_url)


def _run(args: argparse.Namespace) -> None:
    from django.db import connection

    from xinyong.accounts.models import User
    from xinyong.reports.models import ReportKind
    from xinyong.reports.services import (
        authorisation_create,
        report_issue,
        report_render_html,
        report_render_pdf,
    )

    rng = random.Random(20261120)
    started = time.perf_counter()
    subject = _build(args.records, rng)
    print(
        f"数据库：{connection.vendor}；主体记录 {args.records} 条，准备用时 {time.perf_counter() - started:.1f} 秒"
    )

    public, issue_wall, issue_cpu = _timed(
        lambda: report_issue(subject=subject, kind=ReportKind.PUBLIC, as_of=AS_OF, actor=None)
    )
    print(
        f"出具公开版报告（快照 {public.record_count} 条记录）：{issue_wall:.3f} 秒（CPU {issue_cpu:.3f} 秒）"
    )
    operator = User.objects.create_user(username="bench-operator", role="operator")
    authorisation = authorisation_create(
        subject=subject,
        grantee_kind="self",
        grantee_name="",
        purpose="招标投标资格审查",
        scope=["credit_report"],
        valid_from=AS_OF,
        valid_until=AS_OF + dt.timedelta(days=30),
        evidence="基准测试授权书",
        actor=operator,
    )
    authorised, issue_wall, issue_cpu = _timed(
        lambda: report_issue(
            subject=subject,
            kind=ReportKind.AUTHORISED,
            as_of=AS_OF,
            actor=operator,
            authorisation=authorisation,
        )
    )
    print(
        f"出具授权版报告（快照 {authorised.record_count} 条记录）：{issue_wall:.3f} 秒（CPU {issue_cpu:.3f} 秒）"
    )

    site = "https://credit.example.gov.cn"
    _, html_cold, _ = _timed(lambda: report_render_html(report=public, site_url=site))
    _, html_wall, _ = _timed(lambda: report_render_html(report=public, site_url=site))
    pdf, cold_wall, cold_cpu = _timed(lambda: report_render_pdf(report=public, site_url=site))
    print(f"HTML 渲染：首次 {html_cold:.3f} 秒（含加载模板），再次 {html_wall:.3f} 秒")
    print(f"PDF 首次渲染（含加载字体）：{cold_wall:.3f} 秒（CPU {cold_cpu:.3f} 秒）")
    walls, cpus = [], []
    for _ in range(args.runs):
        pdf, wall, cpu = _timed(lambda: report_render_pdf(report=public, site_url=site))
        walls.append(wall)
        cpus.append(cpu)
    pages = _page_count(pdf)
    walls.sort()
    p90 = walls[min(len(walls) - 1, int(round(0.9 * (len(walls) - 1))))]
    print(
        f"PDF 渲染 {args.runs} 次：最短 {walls[0]:.3f} 秒，中位数 {statistics.median(walls):.3f} 秒，"
        f"P90 {p90:.3f} 秒，最长 {walls[-1]:.3f} 秒；CPU 中位数 {statistics.median(cpus):.3f} 秒"
    )
    print(f"PDF 大小 {len(pdf) / 1024:.0f} KB，{pages} 页")
    load = os.getloadavg()[0]
    print(
        f"测量时本机 1 分钟平均负载 {load:.1f}（{os.cpu_count()} 个 CPU）：负载高时墙钟时间偏长，CPU 时间更可比"
    )
    cpu_median, wall_median = statistics.median(cpus), statistics.median(walls)
    print(
        f"目标：每份 PDF ≤ {GOAL_SECONDS} 秒 —— CPU 时间中位数 {cpu_median:.3f} 秒"
        f"{'达到' if cpu_median <= GOAL_SECONDS else '未达到'}；墙钟时间中位数 {wall_median:.3f} 秒"
        f"{'达到' if wall_median <= GOAL_SECONDS else '未达到'}（空闲机器上墙钟时间约等于 CPU 时间）"
    )
    if args.out:
        Path(args.out).write_bytes(pdf)
        Path(args.out).with_suffix(".html").write_text(report_render_html(report=public, site_url=site))
        print(f"PDF 已写入 {args.out}")


if __name__ == "__main__":
    main()
