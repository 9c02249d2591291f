"""Ingest benchmark: the bulk loader against django-import-export, on SQLite and PostgreSQL.

    .venv/bin/python bench/ingest.py                       # 200,000 rows, SQLite and PostgreSQL
    .venv/bin/python bench/ingest.py --rows 1000000 --db postgres
    .venv/bin/python bench/ingest.py --db sqlite --iex-rows 0   # skip django-import-export

What it does:

1. generates N penalty (行政处罚) rows as a CSV file with Chinese headers, as a department would send them:
   organisations, 个体工商户 (some with the 17-zeros-X code and a 工商注册号), natural persons (valid
   身份证 numbers), with exact repeats of earlier rows and corrected re-submissions (changed content);
2. for each database: creates a fresh database (a temporary SQLite file; a PostgreSQL database that it
   creates and drops), migrates it, loads the catalog and creates a department;
3. imports the file through the collection app's batch path, as ``xinyong import`` does: the file is stored
   as a batch of the department's data officer (``batch_create_from_file``, timed apart), then
   ``batch_process`` reads, maps and validates every row, resolves subjects in bulk
   (``subjects_resolve_bulk``) and loads records in bulk (``records_bulk_ingest``), one transaction per
   chunk — for a large file with reading, validation and preparation in a second process — and then once
   more (the re-upload of the same file: all duplicates);
4. imports the same file (or its first ``--iex-rows`` rows: django-import-export takes minutes per hundred
   thousand rows) into a second fresh database with a django-import-export ``ModelResource`` that applies
   the same validation, the same subject rules and the same dedupe and versioning, row by row as that
   library does;
5. prints rows/s, peak RSS, the CPU time of the loading process and of its reading process, the time per
   phase of ``batch_process`` and the ratio. Each phase runs in its own process, so each peak RSS is that
   phase's own (``ru_maxrss``; the reading process is a fork of it).

The reading and validation steps use the collection app's readers and row validation when they are
installed (``xinyong.collection.readers`` / ``mapping`` / ``validation``); otherwise a plain CSV reader and
the minimal validation below (identifiers, required fields, code lists, dates, amounts, lengths) — the same
for both importers.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2026, 6, 15)
DEPARTMENT_CODE = "bench-scjgj"
DEPARTMENT_NAME = "闽侯县市场监督管理局"
DEPARTMENT_USCC = "11350121MB0123456X"  # replaced by a valid generated code in setup
OFFICER = "bench-officer"  # the department's data officer, who uploads the file
REGION = "350121"
RESULT_PREFIX = "BENCH-RESULT "


# ---------------------------------------------------------------------------------------------------------
# Phase plumbing: every phase runs in a fresh interpreter configured through the environment.


def _django(db_url: str, home: Path) -> None:
    os.environ["DATABASE_URL"] = db_url
    os.environ["XINYONG_HOME"] = str(home)
    os.environ["XINYONG_DEBUG"] = "0"  # DEBUG keeps every query in memory
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinyong.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def _peak_rss_mb() -> float:
    # Linux reports kilobytes.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _emit(result: dict) -> None:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result["peak_rss_mb"] = round(_peak_rss_mb(), 1)
    # CPU time of this process (the database server's is not included): a check on a busy machine.
    result["cpu_seconds"] = round(usage.ru_utime + usage.ru_stime, 1)
    # ... and of its reading process (the collection app prepares large files in a forked process).
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    result["child_cpu_seconds"] = round(children.ru_utime + children.ru_stime, 1)
    result["child_peak_rss_mb"] = round(children.ru_maxrss / 1024, 1)
    print(RESULT_PREFIX + json.dumps(result, ensure_ascii=False), flush=True)


def _run_phase(phase: str, args: argparse.Namespace, **extra: str) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--phase", phase]
    for key, value in {**vars(args), **extra}.items():
        if key in ("phase", "db") or value is None or value is False:
            continue
        flag = "--" + key.replace("_", "-")
        command += [flag] if value is True else [flag, str(value)]
    started = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-5000:] + proc.stderr[-5000:])
        raise SystemExit(f"phase {phase} failed (exit {proc.returncode})")
    lines = [line for line in proc.stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    result = json.loads(lines[-1][len(RESULT_PREFIX) :])
    result["wall_seconds"] = round(time.perf_counter() - started, 1)
    return result


# ---------------------------------------------------------------------------------------------------------
# 1. Data generation

TRADES = ["恒通", "鑫源", "华兴", "永盛", "金鹏", "瑞丰", "宏达", "兴业", "嘉和", "福安", "闽江", "海峡"]
WORDS = ["科技", "贸易", "建材", "食品", "物流", "餐饮", "农业", "医药", "电子", "服装", "家具", "印务"]
SHOPS = ["便利店", "小吃店", "五金店", "理发店", "农资店", "水果店", "修理部", "茶叶店"]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红建国志红海燕斌文"
VIOLATIONS = [
    ("销售不符合食品安全标准的食品", "《中华人民共和国食品安全法》第一百二十四条"),
    ("未按规定公示年度报告", "《企业信息公示暂行条例》第十八条"),
    ("虚假宣传", "《中华人民共和国反不正当竞争法》第二十条"),
    ("未取得许可从事经营活动", "《无证无照经营查处办法》第十三条"),
    ("计量器具未经检定", "《中华人民共和国计量法》第二十六条"),
    ("违反价格标示规定", "《价格违法行为行政处罚规定》第十三条"),
]
KIND_SETS = [["警告"], ["罚款"], ["警告", "罚款"], ["罚款", "没收违法所得"], ["责令停产停业", "罚款"]]
COLUMNS = [
    "CF_XDR_MC",
    "CF_XDR_LB",
    "CF_XDR_SHXYM",
    "CF_XDR_GSZC",
    "CF_FRDB",
    "CF_XDR_ZJLX",
    "CF_XDR_ZJHM",
    "CF_WSH",
    "CF_WFXW",
    "CF_SY",
    "CF_YJ",
    "CF_CFLB",
    "CF_NR",
    "CF_NR_FK",
    "CF_NR_WFFF",
    "CF_JDRQ",
    "CF_YXQ",
    "CF_CFJG",
    "CF_CFJGDM",
    "CF_SJLY",
    "CF_SJLYDM",
    "CF_SXYZCD",
    "BZ",
]
HEADERS = {
    "CF_XDR_MC": "行政相对人名称",
    "CF_XDR_LB": "行政相对人类别",
    "CF_XDR_SHXYM": "统一社会信用代码",
    "CF_XDR_GSZC": "工商注册号",
    "CF_FRDB": "法定代表人",
    "CF_XDR_ZJLX": "证件类型",
    "CF_XDR_ZJHM": "证件号码",
    "CF_WSH": "行政处罚决定书文号",
    "CF_WFXW": "违法行为类型",
    "CF_SY": "违法事实",
    "CF_YJ": "处罚依据",
    "CF_CFLB": "处罚类别",
    "CF_NR": "处罚内容",
    "CF_NR_FK": "罚款金额（万元）",
    "CF_NR_WFFF": "没收违法所得、没收非法财物的金额（万元）",
    "CF_JDRQ": "处罚决定日期",
    "CF_YXQ": "处罚有效期",
    "CF_CFJG": "处罚机关",
    "CF_CFJGDM": "处罚机关统一社会信用代码",
    "CF_SJLY": "数据来源单位",
    "CF_SJLYDM": "数据来源单位统一社会信用代码",
    "CF_SXYZCD": "失信严重程度",
    "BZ": "备注",
}


def _person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _subjects(rng: random.Random, count: int) -> list[dict]:
    from xinyong.core.identifiers import generate_ric, generate_uscc

    subjects: list[dict] = []
    for i in range(count):
        roll = rng.random()
        if roll < 0.60:
            name = f"闽侯县{rng.choice(TRADES)}{rng.choice(WORDS)}有限公司"
            if rng.random() > 0.002:  # a few same-named companies with different codes: review flags
                name = name.replace("有限公司", f"第{i}分公司")
            subjects.append(
                {
                    "kind": "法人及非法人组织",
                    "name": name,
                    "uscc": generate_uscc(rng, category="91", division=REGION),
                    "rep": _person_name(rng),
                }
            )
        elif roll < 0.75:
            owner = _person_name(rng)
            subjects.append(
                {
                    "kind": "个体工商户",
                    "name": f"闽侯县{owner}{rng.choice(SHOPS)}{i}",
                    "uscc": generate_uscc(rng, category="92", division=REGION),
                }
            )
        elif roll < 0.80:
            owner = _person_name(rng)
            subjects.append(
                {
                    "kind": "个体工商户",
                    "name": f"闽侯县{owner}{rng.choice(SHOPS)}{i}",
                    "uscc": "0" * 17 + "X",
                    "reg_no": f"{REGION}6{i:08d}",
                }
            )
        else:
            birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(365 * 50))
            subjects.append(
                {
                    "kind": "自然人",
                    "name": _person_name(rng),
                    "ric": generate_ric(rng, birth_date=birth, sex=rng.choice("MF"), region=REGION),
                }
            )
    return subjects


def _new_row(rng: random.Random, n: int, subject: dict, department_uscc: str) -> dict:
    recent = rng.random() < 0.75
    decided = AS_OF - dt.timedelta(days=rng.randrange(1, 25) if recent else rng.randrange(25, 3 * 365))
    violation, basis = rng.choice(VIOLATIONS)
    kinds = rng.choice(KIND_SETS)
    row = {
        "CF_XDR_MC": subject["name"],
        "CF_XDR_LB": subject["kind"],
        "CF_XDR_SHXYM": subject.get("uscc", ""),
        "CF_XDR_GSZC": subject.get("reg_no", ""),
        "CF_FRDB": subject.get("rep", ""),
        "CF_XDR_ZJLX": "身份证" if "ric" in subject else "",
        "CF_XDR_ZJHM": subject.get("ric", ""),
        "CF_WSH": f"侯市监罚〔{decided.year}〕{n + 1}号",
        "CF_WFXW": violation,
        "CF_SY": f"经查，当事人存在{violation}的违法行为，事实清楚，证据确凿。",
        "CF_YJ": basis,
        "CF_CFLB": "；".join(kinds),
        "CF_NR": "、".join(kinds),
        "CF_NR_FK": f"{rng.uniform(0.05, 20):.2f}" if "罚款" in kinds else "",
        "CF_NR_WFFF": f"{rng.uniform(0.01, 5):.2f}" if "没收违法所得" in kinds else "",
        "CF_JDRQ": decided.strftime(rng.choice(("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d"))),
        "CF_YXQ": (decided + dt.timedelta(days=3 * 365)).isoformat(),
        "CF_CFJG": DEPARTMENT_NAME,
        "CF_CFJGDM": department_uscc,
        "CF_SJLY": DEPARTMENT_NAME,
        "CF_SJLYDM": department_uscc,
        "CF_SXYZCD": "严重" if "责令停产停业" in kinds else ("轻微" if kinds == ["警告"] else "一般"),
        "BZ": "",
    }
    return row


def generate(path: Path, *, rows: int, seed: int, department_uscc: str) -> dict:
    """Write ``rows`` penalty rows: ~4% exact repeats of an earlier row, ~3% corrected re-submissions."""
    rng = random.Random(seed)
    subjects = _subjects(rng, max(1000, rows // 4))
    recent: list[dict] = []  # a window of earlier rows to repeat or correct
    counts = {"new": 0, "repeat": 0, "corrected": 0}
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([HEADERS[c] for c in COLUMNS])
        for n in range(rows):
            roll = rng.random()
            if recent and roll < 0.04:
                row = rng.choice(recent)
                counts["repeat"] += 1
            elif recent and roll < 0.07:
                row = dict(rng.choice(recent))
                row["BZ"] = "更正"
                row["CF_SY"] = row["CF_SY"] + "（更正）"
                counts["corrected"] += 1
            else:
                row = _new_row(rng, n, rng.choice(subjects), department_uscc)
                counts["new"] += 1
            if len(recent) < 20_000:
                recent.append(row)
            else:
                recent[rng.randrange(len(recent))] = row
            writer.writerow([row[c] for c in COLUMNS])
    return {"rows": rows, "subjects": len(subjects), **counts, "bytes": path.stat().st_size}


# ---------------------------------------------------------------------------------------------------------
# 2. Reading and validation (shared by both importers)


@dataclass
class Checked:
    """What validation says about one row (the shape of the collection app's RowResult)."""

    number: int
    ok: bool
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    subject: Any = None
    record: Any = None


class Reader:
    """Rows of the file with their numbers; the collection app's streaming reader when it is installed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            from xinyong.collection.readers import open_table
        except ImportError:
            open_table = None
        self._open_table = open_table
        self.via = "collection.readers.open_table" if open_table else "csv module"

    @contextlib.contextmanager
    def open(self):
        if self._open_table is not None:
            with self._open_table(self.path) as table:
                yield table.headers, ((row.number, row.values) for row in table.rows())
            return
        with self.path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            headers = next(reader)
            yield headers, ((number, values) for number, values in enumerate(reader, start=2))


class Validator:
    """Column mapping and row validation: the collection app's when installed, else the fallback below."""

    def __init__(self, *, item_version, department, headers: list[str]) -> None:
        self.item_version = item_version
        self.department = department
        self.schema = item_version.schema()
        try:
            from xinyong.collection.mapping import mapping_suggest
            from xinyong.collection.validation import row_validate
        except ImportError:
            mapping_suggest = row_validate = None
        if mapping_suggest is not None:
            proposal = mapping_suggest(headers=headers, item_version=item_version)
            self.index = {m.index: m.field_code for m in proposal.columns if m.field_code}
            self.via = "collection.validation.row_validate"
        else:
            self.index = {}
            for i, header in enumerate(headers):
                code = self.schema.resolve_header(header)
                if code:
                    self.index[i] = code
            self.via = "fallback validation (bench/ingest.py)"
        self.columns = {code: headers[i] for i, code in self.index.items()}
        self._row_validate = row_validate

    def check(self, number: int, values: list) -> Checked:
        mapped = {code: values[i] if i < len(values) else None for i, code in self.index.items()}
        if self._row_validate is not None:
            return self._row_validate(
                number=number,
                values=mapped,
                schema=self.schema,
                department=self.department,
                as_of=AS_OF,
                columns=self.columns,
            )
        return _fallback_validate(self.schema, number, mapped)


def _fallback_validate(schema, number: int, values: dict) -> Checked:
    """Identifiers, required fields, code lists, dates, amounts and lengths, without the app.

    The rules are those of docs/identifiers.md and docs/dual-disclosure.md.
    """
    from xinyong.catalog.spec import is_empty
    from xinyong.core.dates import DateParseError, parse_date_value
    from xinyong.core.identifiers import check_ric, check_uscc
    from xinyong.records.loading.prepare import RecordInput
    from xinyong.subjects.bulk import SubjectInput
    from xinyong.subjects.models import AliasKind

    errors: list[tuple[str, str]] = []
    warnings: list[tuple[str, str]] = []
    fields: dict[str, Any] = {}
    for code, raw in values.items():
        if is_empty(raw):
            continue
        spec = schema.field(code)
        text = str(raw).strip()
        if spec.code_list:
            codes_list = schema.code_lists[spec.code_list]
            parts = [p for p in text.replace("；", ";").replace("、", ";").split(";") if p]
            canonical = [codes_list.canonical(p) for p in parts]
            if not parts or None in canonical:
                errors.append(("code_invalid", code))
                continue
            text = "；".join(canonical)
        elif spec.type == "date":
            try:
                text = parse_date_value(raw).isoformat()
            except DateParseError as exc:
                errors.append((exc.code, code))
                continue
        elif spec.type == "amount":
            try:
                text = str(Decimal(text))
            except InvalidOperation:
                errors.append(("amount_invalid", code))
                continue
        if spec.max_length and len(text) > spec.max_length:
            errors.append(("too_long", code))
        fields[code] = text
    for spec in schema.missing_required(fields):
        errors.append(("required", spec.code))
    kind = schema.code_lists["subject_kind"].code_for(fields.get("CF_XDR_LB", "")) or ""
    for code in ("CF_CFJGDM", "CF_SJLYDM"):
        if code in fields and not check_uscc(fields[code]).ok:
            errors.append(("uscc_invalid", code))
    if kind == "natural_person":
        result = check_ric(fields.get("CF_XDR_ZJHM", ""), as_of=AS_OF)
        if not result.ok:
            errors.append((result.errors[0].code, "CF_XDR_ZJHM"))
    elif kind:
        result = check_uscc(fields.get("CF_XDR_SHXYM", ""), subject_kind=kind)
        if not result.ok:
            errors.append((result.errors[0].code, "CF_XDR_SHXYM"))
        else:
            warnings.extend((w.code, "CF_XDR_SHXYM") for w in result.warnings)
    decided = dt.date.fromisoformat(fields["CF_JDRQ"]) if "CF_JDRQ" in fields else None
    if decided and decided > AS_OF:
        errors.append(("decision_date_future", "CF_JDRQ"))
    if errors:
        return Checked(number, False, errors, warnings)
    legacy = {AliasKind.REG_NO: fields["CF_XDR_GSZC"]} if fields.get("CF_XDR_GSZC") else {}
    subject = SubjectInput(
        kind=kind,
        name=fields["CF_XDR_MC"],
        uscc=fields.get("CF_XDR_SHXYM"),
        ric=fields.get("CF_XDR_ZJHM"),
        legacy_codes=legacy,
    )
    severity = schema.code_lists["severity_tier"].code_for(fields.get("CF_SXYZCD", "")) or "general"
    record = RecordInput(
        number=number,
        document_number=fields["CF_WSH"],
        decision_date=decided,
        fields=fields,
        severity=severity,
    )
    return Checked(number, True, [], warnings, subject, record)


# ---------------------------------------------------------------------------------------------------------
# Database set-up (in a phase process)


def _setup_database() -> dict:
    from django.core.management import call_command

    from xinyong.accounts.models import Department, Role, User
    from xinyong.accounts.services import user_create
    from xinyong.catalog.services import catalog_load_fixtures

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    catalog_load_fixtures(as_of=dt.date(2024, 1, 1))
    department, _ = Department.objects.get_or_create(
        code=DEPARTMENT_CODE, defaults={"name": DEPARTMENT_NAME, "uscc": _department_uscc()}
    )
    if not User.objects.filter(username=OFFICER).exists():
        user_create(username=OFFICER, role=Role.DATA_OFFICER, department=department, actor=None)
    return {"seconds": round(time.perf_counter() - started, 1)}


def _department_uscc() -> str:
    from xinyong.core.identifiers import generate_uscc

    return generate_uscc(random.Random(11), category="11", division=REGION)


def _context():
    from xinyong.accounts.models import Department
    from xinyong.catalog.selectors import catalog_item_current_version

    return catalog_item_current_version(code="penalty", on=AS_OF), Department.objects.get(
        code=DEPARTMENT_CODE
    )


# ---------------------------------------------------------------------------------------------------------
# 3. The bulk path


def _server_cpu() -> tuple[float, float, int] | None:
    """CPU seconds of this connection's PostgreSQL backend and of all PostgreSQL processes, read from /proc
    (a server on this machine only; None elsewhere), and the backend's pid."""
    from django.db import connection

    if connection.vendor != "postgresql" or not Path("/proc").is_dir():
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    tick = os.sysconf("SC_CLK_TCK")
    backend_cpu, total = None, 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name, rest = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :].split()
        if not name.startswith("postgres"):
            continue
        seconds = (int(rest[11]) + int(rest[12])) / tick  # utime + stime
        total += seconds
        if int(entry.name) == backend:
            backend_cpu = seconds
    return None if backend_cpu is None else (backend_cpu, total, backend)


class _MemorySampler:
    """Peak memory of this process and its forked reading process together, sampled twice a second.

    ru_maxrss of a forked child counts the pages it still shares with its parent (interpreter, Django,
    modules) again; the figure that adds up is this process's RSS plus the child's private pages.
    """

    def __init__(self) -> None:
        import threading

        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _kb(path: str, *fields: str) -> int:
        total = 0
        try:
            for line in Path(path).read_text().splitlines():
                name, _, rest = line.partition(":")
                if name in fields:
                    total += int(rest.split()[0])
        except (OSError, ValueError):
            return 0
        return total

    def _sample(self) -> None:
        own = self._kb("/proc/self/status", "VmRSS")
        children = 0
        for task in Path("/proc/self/task").iterdir():
            try:
                pids = (task / "children").read_text().split()
            except OSError:
                continue
            for pid in pids:
                children += self._kb(f"/proc/{pid}/smaps_rollup", "Private_Clean", "Private_Dirty")
        self.peak_mb = max(self.peak_mb, (own + children) / 1024)

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            self._sample()

    def __enter__(self):
        if Path("/proc/self/smaps_rollup").exists():
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()


def run_bulk(path: Path, *, chunk: int, batch_ref: str) -> dict:
    """The collection app's batch path, as ``xinyong import`` runs it: store the file as a batch, then
    ``batch_process`` (read, validate, resolve subjects, store records; one transaction per chunk)."""
    from collections import Counter

    from django.utils import timezone

    from xinyong.accounts.models import User
    from xinyong.collection.intake import batch_create_from_file
    from xinyong.collection.loading.run import batch_process
    from xinyong.collection.models import BatchChannel, BatchStatus

    item_version, department = _context()
    officer = User.objects.get(username=OFFICER)
    received_at = timezone.make_aware(dt.datetime.combine(AS_OF, dt.time(9, 0)))
    started = time.perf_counter()
    batch = batch_create_from_file(
        department=department,
        item_code=item_version.item.code,
        actor=officer,
        path=path,
        channel=BatchChannel.CLI,
        as_of=AS_OF,
        received_at=received_at,
        allow_duplicate=True,  # the re-upload run loads the same file again on purpose
    )
    if batch.status != BatchStatus.UPLOADED:
        raise SystemExit(f"batch not ready: {batch.status} {batch.error_code} {batch.error_message}")
    stored = time.perf_counter()
    timings: Counter = Counter()
    server = _server_cpu()
    cpu = time.process_time()
    with _MemorySampler() as memory:
        batch = batch_process(batch_id=batch.pk, chunk_size=chunk, timings=timings)
    cpu = time.process_time() - cpu
    seconds = time.perf_counter() - stored
    server_after = _server_cpu()
    if batch.status != BatchStatus.DONE:
        raise SystemExit(f"batch failed: {batch.error_code} {batch.error_message}")
    return {
        "rows": batch.rows_read,
        "created": batch.created,
        "new_version": batch.new_version,
        "duplicate": batch.duplicate,
        "rejected": batch.rejected,
        "seconds": round(seconds, 2),
        "rows_per_s": round(batch.rows_read / seconds),
        "store_file_seconds": round(stored - started, 2),
        "load_cpu_seconds": round(cpu, 1),
        "together_peak_mb": round(memory.peak_mb, 1),
        # PostgreSQL on this machine: CPU of the loading connection's backend and of all server processes.
        **(
            {
                "backend_cpu_seconds": round(server_after[0] - server[0], 1),
                "server_cpu_seconds": round(server_after[1] - server[1], 1),
            }
            if server and server_after and server[2] == server_after[2]
            else {}
        ),
        "timings": {k: round(v, 2) for k, v in sorted(timings.items())},
        "chunk": chunk,
    }


FLOOR_TABLES = (
    "subjects_subject",
    "subjects_subjectalias",
    "subjects_subjectnamegram",
    "records_creditrecord",
    "records_creditrecordversion",
)


def run_floor() -> dict:
    """The PostgreSQL side alone: the rows the bulk path wrote, copied into empty tables with the same columns,
    defaults and indexes (no foreign keys: the loader checks those set-based), one COPY per table in one
    transaction, as the loader's chunks do. No Python per row: what is left is what the database itself
    spends to store these rows — the floor under any loader on this machine."""
    from django.db import connection, transaction

    tables = {}
    with connection.cursor() as cursor:
        raw = cursor.cursor
        for table in FLOOR_TABLES:
            buffer = bytearray()
            with raw.copy(f"COPY {table} TO STDOUT") as copy:
                for block in copy:
                    buffer += block
            cursor.execute(f"DROP TABLE IF EXISTS floor_{table}")
            cursor.execute(f"CREATE TABLE floor_{table} (LIKE {table} INCLUDING ALL)")
            tables[table] = buffer
        result: dict[str, Any] = {"tables": {}}
        started, server = time.perf_counter(), _server_cpu()
        with connection.cursor() as cursor2, transaction.atomic():
            cursor2.execute("SET LOCAL synchronous_commit = off")
            for table, data in tables.items():
                table_started, table_server = time.perf_counter(), _server_cpu()
                with raw.copy(f"COPY floor_{table} FROM STDIN") as copy:
                    view = memoryview(data)
                    for offset in range(0, len(view), 1 << 20):
                        copy.write(view[offset : offset + (1 << 20)])
                after = _server_cpu()
                result["tables"][table] = {
                    "rows": data.count(b"\n"),
                    "mb": round(len(data) / 1e6, 1),
                    "seconds": round(time.perf_counter() - table_started, 2),
                    "backend_cpu_seconds": round(after[0] - table_server[0], 2),
                }
        after = _server_cpu()
        result["seconds"] = round(time.perf_counter() - started, 2)
        result["backend_cpu_seconds"] = round(after[0] - server[0], 2)
        result["server_cpu_seconds"] = round(after[1] - server[1], 2)
        for table in FLOOR_TABLES:
            cursor.execute(f"DROP TABLE floor_{table}")
    return result


def _print_floor(r: dict, *, rows: int) -> None:
    parts = "，".join(
        f"{table} {_fmt(t['rows'])} 行 {t['mb']} MB {t['backend_cpu_seconds']} s"
        for table, t in r["tables"].items()
    )
    print(
        f"[postgres] 写入下限（同样的行直接 COPY 进同结构的空表，不经 Python）：{r['seconds']} s，"
        f"数据库连接 CPU {r['backend_cpu_seconds']} s，数据库全部进程 CPU {r['server_cpu_seconds']} s，"
        f"即单个连接最多 {_fmt(round(rows / r['backend_cpu_seconds']))} 行/秒；{parts}",
        flush=True,
    )


# ---------------------------------------------------------------------------------------------------------
# 4. django-import-export


def run_iex(path: Path, *, limit: int | None, batch_ref: str) -> dict:
    import tablib
    from django.core.exceptions import ValidationError
    from django.db.models import F
    from django.utils import timezone
    from import_export import fields as iex_fields
    from import_export import resources

    from xinyong.accounts.services import audit_log
    from xinyong.records.models import Channel, CreditRecord, CreditRecordVersion
    from xinyong.records.normalize import jsonable, normalize_document_number
    from xinyong.records.rules import content_hash, split_protected, timeliness_values
    from xinyong.records.selectors import protected_field_codes
    from xinyong.subjects import crypto
    from xinyong.subjects.bulk import subjects_resolve_bulk
    from xinyong.subjects.models import Subject
    from xinyong.workdays.selectors import work_calendar_load

    item_version, department = _context()
    received_at = timezone.make_aware(dt.datetime.combine(AS_OF, dt.time(9, 0)))
    protected = protected_field_codes(item_version=item_version)

    class PenaltyRecordResource(resources.ModelResource):
        """CreditRecord rows keyed by the dedupe key; each saved row gets its CreditRecordVersion."""

        document_number_key = iex_fields.Field(
            attribute="document_number_key", column_name="document_number_key"
        )

        class Meta:
            model = CreditRecord
            fields = ("document_number_key",)
            import_id_fields = ("document_number_key",)
            skip_diff = True  # the library's advice for large imports: no per-row diff
            clean_model_instances = False  # the rows are validated by our validation instead
            use_transactions = True

        def __init__(self, validator) -> None:
            super().__init__()
            self.validator = validator
            self.prepared: dict[int, tuple] = {}
            self.counts = {"created": 0, "new_version": 0, "duplicate": 0}
            self.calendar = None

        def get_queryset(self):
            return CreditRecord.objects.filter(item_id=item_version.item_id, department_id=department.pk)

        def before_import(self, dataset, **kwargs):
            dataset.append_col([""] * len(dataset), header="document_number_key")
            self.calendar = work_calendar_load(first=dt.date(2000, 1, 1), last=AS_OF)

        def before_import_row(self, row, **kwargs):
            number = kwargs["row_number"] + 1  # the header is line 1
            checked = self.validator.check(number, list(row.values()))
            if not checked.ok:
                raise ValidationError("；".join(str(e) for e in checked.errors))
            subject_input = checked.subject
            # The platform's subject rules, one input at a time (a chunk of one), as this library works.
            resolved = subjects_resolve_bulk(inputs=[subject_input], source=batch_ref, as_of=AS_OF)[0]
            if resolved.errors:
                raise ValidationError("；".join(issue.message for issue in resolved.errors))
            subject = Subject.objects.get(pk=resolved.subject_id)
            record = checked.record
            row["document_number_key"] = normalize_document_number(record.document_number)
            polarity = record.polarity or item_version.polarity
            stored, secret = split_protected(fields=jsonable(record.fields), protected=protected)
            version_hash = content_hash(
                item_version=item_version,
                subject_id=subject.pk,
                decision_date=record.decision_date,
                severity=record.severity,
                polarity=polarity,
                status=record.status,
                stored_fields=stored,
                secret_fields=secret,
            )
            self.prepared[kwargs["row_number"]] = (record, subject, polarity, stored, secret, version_hash)

        def import_instance(self, instance, row, **kwargs):
            super().import_instance(instance, row, **kwargs)
            record, subject, polarity, _stored, _secret, _hash = self.prepared[kwargs["row_number"]]
            instance.item_id = item_version.item_id
            instance.department_id = department.pk
            instance.document_number = record.document_number.strip()
            instance.subject_id = subject.pk
            instance.item_version_id = item_version.pk
            instance.subject_kind = subject.kind
            instance.disclosure_scope = item_version.scope_for(subject.kind)
            instance.decision_date = record.decision_date
            instance.severity = record.severity
            instance.polarity = polarity
            instance.status = record.status
            instance.publish_from = record.publish_from
            instance.publish_until = record.publish_until
            if instance.pk is None:
                instance.created_at = received_at
            for name, value in timeliness_values(
                item_version=item_version,
                decision_date=record.decision_date,
                first_received_at=instance.created_at,
                calendar=self.calendar,
            ).items():
                setattr(instance, name, value)
            instance.updated_at = timezone.now()

        def skip_row(self, instance, original, row, import_validation_errors=None):
            # A known document whose content was received before (in any version): a counted duplicate.
            if instance.pk is None:
                return False
            content_hash = self.prepared[row["_number"]][5]
            if instance.versions.filter(content_hash=content_hash).exists():
                CreditRecord.objects.filter(pk=instance.pk).update(
                    duplicate_count=F("duplicate_count") + 1, last_duplicate_at=received_at
                )
                self.counts["duplicate"] += 1
                return True
            return False

        def save_instance(self, instance, is_create, row, **kwargs):
            previous = None if is_create else instance.current_version
            super().save_instance(instance, is_create, row, **kwargs)
            record, subject, polarity, stored, secret, content_hash = self.prepared.pop(kwargs["row_number"])
            version = CreditRecordVersion.objects.create(
                record=instance,
                number=1 if previous is None else previous.number + 1,
                supersedes=previous,
                item_version=item_version,
                subject=subject,
                document_number=instance.document_number,
                decision_date=record.decision_date,
                severity=record.severity,
                polarity=polarity,
                status=record.status,
                publish_from=record.publish_from,
                publish_until=record.publish_until,
                fields=stored,
                fields_protected=crypto.encrypt(json.dumps(secret, ensure_ascii=False)) if secret else "",
                content_hash=content_hash,
                channel=Channel.FILE,
                batch_ref=batch_ref,
                received_at=received_at,
            )
            instance.current_version = version
            instance.save(update_fields=["current_version"])
            self.counts["created" if is_create else "new_version"] += 1

        def import_row(self, row, instance_loader, **kwargs):
            row["_number"] = kwargs["row_number"]  # for skip_row, which is not given the row number
            return super().import_row(row, instance_loader, **kwargs)

    started = time.perf_counter()
    reader = Reader(path)
    with reader.open() as (headers, rows):
        dataset = tablib.Dataset(headers=headers)
        for number, values in rows:
            if limit and number - 1 > limit:
                break
            dataset.append(values)
    item_version, department = _context()
    validator = Validator(item_version=item_version, department=department, headers=headers)
    resource_ = PenaltyRecordResource(validator)
    # The dataset carries the helper columns added above; the validator only looks at the file's columns.
    result = resource_.import_data(dataset, dry_run=False, raise_errors=False, use_transactions=True)
    audit_log(
        actor=None,
        action="bulk_ingest",
        obj=CreditRecord,
        detail={"batch_ref": batch_ref, "rows": len(dataset), **resource_.counts},
    )
    seconds = time.perf_counter() - started
    invalid = len(result.invalid_rows)
    errors = len(result.row_errors())
    return {
        "rows": len(dataset),
        **resource_.counts,
        "rejected": invalid + errors,
        "errors": errors,
        "seconds": round(seconds, 2),
        "rows_per_s": round(len(dataset) / seconds),
        "validation": validator.via,
    }


# ---------------------------------------------------------------------------------------------------------
# Orchestration


def _pg_admin_url(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres")), parts.path.lstrip("/")


def _pg_execute(admin_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql)


@contextlib.contextmanager
def _database(kind: str, args: argparse.Namespace, tmp: Path, suffix: str):
    """A fresh database for one importer; dropped afterwards unless --keep."""
    if kind == "sqlite":
        path = tmp / f"bench-{suffix}.sqlite3"
        yield f"sqlite:///{path}"
        if not args.keep:
            for p in tmp.glob(f"bench-{suffix}.sqlite3*"):
                p.unlink()
        return
    admin, name = _pg_admin_url(args.pg_url)
    name = f"{name}{'' if suffix == 'bulk' else '_' + suffix}"
    url = urlunsplit(urlsplit(args.pg_url)._replace(path="/" + name))
    _pg_execute(admin, f'DROP DATABASE IF EXISTS "{name}"')
    _pg_execute(admin, f'CREATE DATABASE "{name}"')
    try:
        yield url
    finally:
        if not args.keep:
            _pg_execute(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _fmt(n: float) -> str:
    return f"{n:,.0f}"


def orchestrate(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="xinyong-bench-"))
    csv_path = Path(args.csv) if args.csv else tmp / f"penalties-{args.rows}.csv"
    report: dict[str, Any] = {"rows": args.rows, "seed": args.seed, "chunk": args.chunk, "databases": {}}
    try:
        if not csv_path.exists():
            gen = _run_phase(
                "generate", args, db_url=f"sqlite:///{tmp / 'unused.sqlite3'}", csv=str(csv_path)
            )
            report["generate"] = gen
            print(
                f"生成 {_fmt(gen['rows'])} 行（新记录 {_fmt(gen['new'])}，重复 {_fmt(gen['repeat'])}，"
                f"更正 {_fmt(gen['corrected'])}；主体 {_fmt(gen['subjects'])}）："
                f"{gen['bytes'] / 1e6:.0f} MB，{gen['seconds']} s → {csv_path}",
                flush=True,
            )
        kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
        for kind in kinds:
            entry: dict[str, Any] = {}
            with _database(kind, args, tmp, "bulk") as url:
                _run_phase("setup", args, db_url=url, csv=str(csv_path))
                entry["bulk"] = _run_phase("bulk", args, db_url=url, csv=str(csv_path))
                _print_phase(kind, "批量入库（首次）", entry["bulk"])
                if kind == "postgres" and not args.skip_floor:
                    entry["floor"] = _run_phase("floor", args, db_url=url, csv=str(csv_path))
                    _print_floor(entry["floor"], rows=entry["bulk"]["rows"])
                if not args.skip_again:
                    entry["bulk_again"] = _run_phase("bulk", args, db_url=url, csv=str(csv_path))
                    _print_phase(kind, "批量入库（重复上传同一文件）", entry["bulk_again"])
            if args.iex_rows != 0:
                with _database(kind, args, tmp, "iex") as url:
                    _run_phase("setup", args, db_url=url, csv=str(csv_path))
                    entry["iex"] = _run_phase("iex", args, db_url=url, csv=str(csv_path))
                    sample = entry["iex"]["rows"] < args.rows
                    _print_phase(
                        kind,
                        "django-import-export"
                        + (f"（样本：前 {_fmt(entry['iex']['rows'])} 行）" if sample else ""),
                        entry["iex"],
                    )
                entry["ratio"] = round(entry["bulk"]["rows_per_s"] / entry["iex"]["rows_per_s"], 1)
                print(f"[{kind}] 速度比：批量入库 / django-import-export = {entry['ratio']}×", flush=True)
            report["databases"][kind] = entry
        if args.json:
            Path(args.json).write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"保留临时文件：{tmp}")


_PHASES = {
    "read": "取块",
    "read cpu": "取块 CPU",
    "prepare": "读取+校验+准备 CPU",
    "subjects": "主体",
    "subjects cpu": "主体 CPU",
    "records": "记录",
    "records cpu": "记录 CPU",
    "commit": "提交",
    "commit cpu": "提交 CPU",
}


def _print_phase(kind: str, label: str, r: dict) -> None:
    timings = r.get("timings")
    detail = ""
    if timings:
        detail = "；" + "，".join(f"{_PHASES.get(k, k)} {v} s" for k, v in timings.items())
    print(
        f"[{kind}] {label}：{_fmt(r['rows'])} 行，{r['seconds']} s（本进程 CPU {r['cpu_seconds']} s"
        f"{'，读取进程 CPU ' + str(r['child_cpu_seconds']) + ' s' if r.get('child_cpu_seconds') else ''}"
        f"{'，数据库连接 CPU ' + str(r['backend_cpu_seconds']) + ' s' if 'backend_cpu_seconds' in r else ''}"
        f"{'，数据库全部进程 CPU ' + str(r['server_cpu_seconds']) + ' s' if 'server_cpu_seconds' in r else ''}），"
        f"{'读取进程峰值内存 ' + str(round(r['child_peak_rss_mb'])) + ' MB，' if r.get('child_cpu_seconds') else ''}"
        f"{_fmt(r['rows_per_s'])} 行/秒，峰值内存 {r['peak_rss_mb']:.0f} MB"
        f"{'（两个进程合计 ' + str(round(r['together_peak_mb'])) + ' MB）' if r.get('together_peak_mb') else ''}；新增 {_fmt(r['created'])}，新版本 {_fmt(r['new_version'])}，"
        f"重复 {_fmt(r['duplicate'])}，拒收 {_fmt(r['rejected'])}{detail}",
        flush=True,
    )


def run_phase(args: argparse.Namespace) -> None:
    tmp_home = Path(tempfile.mkdtemp(prefix="xinyong-bench-home-"))
    try:
        _django(args.db_url, tmp_home)
        started = time.perf_counter()
        if args.phase == "generate":
            result = generate(
                Path(args.csv), rows=args.rows, seed=args.seed, department_uscc=_department_uscc()
            )
            result["seconds"] = round(time.perf_counter() - started, 1)
        elif args.phase == "setup":
            result = _setup_database()
        elif args.phase == "bulk":
            if args.profile:
                import cProfile

                from django.conf import settings

                # One process, so that the profile covers reading and validation as well as loading.
                settings.XINYONG_COLLECTION_PIPELINE_MIN_BYTES = -1
                profiler = cProfile.Profile()
                result = profiler.runcall(run_bulk, Path(args.csv), chunk=args.chunk, batch_ref="bench-bulk")
                profiler.dump_stats(args.profile)
            else:
                result = run_bulk(Path(args.csv), chunk=args.chunk, batch_ref="bench-bulk")
        elif args.phase == "floor":
            result = run_floor()
        elif args.phase == "iex":
            limit = args.iex_rows if args.iex_rows and args.iex_rows < args.rows else None
            result = run_iex(Path(args.csv), limit=limit, batch_ref="bench-iex")
        else:
            raise SystemExit(f"unknown phase {args.phase}")
        _emit(result)
    finally:
        shutil.rmtree(tmp_home, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description="xinyong ingest benchmark (bulk loader vs django-import-export)"
    )
    parser.add_argument("--rows", type=int, default=200_000, help="rows to generate (default 200,000)")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/xinyong_bench"),
        help="PostgreSQL database to create (and drop) for the run; <name>_iex is used for django-import-export",
    )
    parser.add_argument("--chunk", type=int, default=5000, help="rows per transaction on the bulk path")
    parser.add_argument(
        "--iex-rows",
        type=int,
        default=20_000,
        help="rows imported with django-import-export (its first N rows; 0 skips it; default 20,000)",
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--csv", help="use this CSV instead of generating one (generated there if missing)")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    parser.add_argument("--skip-again", action="store_true", help="skip the re-upload (all duplicates) run")
    parser.add_argument(
        "--skip-floor", action="store_true", help="skip the PostgreSQL write floor (COPY of the loaded rows)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the databases and the generated file")
    parser.add_argument("--profile", help="write a cProfile of the bulk phase to this file")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--db-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        run_phase(args)
    else:
        orchestrate(args)


if __name__ == "__main__":
    main()
