"""Credit-check benchmark: exact-code checks in-process, over HTTP under 50 clients, and a batch of 1,000,000.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python bench/check_data.py                   # once: 1,000,000 subjects, 100,000 entries, 500 measures
    .venv/bin/python bench/check.py                        # measures (database left by check_data.py)
    .venv/bin/python bench/check.py --build --scale 0.01 --pg-url postgres://postgres@127.0.0.1:5432/xinyong_checkbench_s \
        --checks 500 --seconds 5 --batch-codes 20000        # a small run, database built first

Against the PostgreSQL database ``bench/check_data.py`` built, three parts (``--parts``):

1. ``inprocess``: ``check_run`` (xinyong.jrp.check.services) by 统一社会信用代码 as the API calls it — parse,
   subject, hits in force, facts, the published rulebook's measures, the log row and pending feedback
   written — for codes drawn half from listed subjects and half from subjects on no list, after a warm-up;
   latency p50 / p95 / p99 / max, overall and for hits and clean subjects apart. ``--profile`` adds the
   functions where the time goes (cProfile).
2. ``http``: ``xinyong serve`` as in production (gunicorn, DEBUG off, static files collected, the task worker
   beside it; ``--no-daily``: the daily jobs, which a deployment runs on one server, would otherwise run over
   the whole database during the measurement on the first start of a day) with the bench URLconf (bench/check_urls.py), and the load from this process
   (asyncio + aiohttp, 50 clients, one keep-alive connection each): first ``/bench/bare.json``, a bare Django
   JSON view behind the same server, middleware and URL resolver (the ceiling), then ``POST /api/jrp/check/``
   with an API key of scope ``check:query``. Requests/s, latency, CPU of the server's processes and of
   PostgreSQL's, errors, and the check log rows written during the run (log writes included).
3. ``batch``: a file of ``--batch-codes`` codes (80 % the registry's 统一社会信用代码, 20 % valid codes of no
   subject, 2 per 1,000 mistyped) through the batch check of the channels (``batch_check_submit`` stores the encrypted
   input, ``batch_check_run`` checks it chunk by chunk with ``check_many`` and writes the CSV and XLSX
   result files), timed from submission to the finished batch.

CPU time is read from /proc: this process's or the server's, and PostgreSQL's twice — the backends of the
measured connections only (the in-process connection; the server's, named by ``application_name``), which
other clients of a shared PostgreSQL do not inflate, and every PostgreSQL process of the machine.

Targets (issue 11): in-process p50 ≤ 1 ms and p99 ≤ 5 ms; ≥ 1,000 checks/s over HTTP with 50 clients;
1,000,000 codes in a batch ≤ 60 s. Exits 1 when the HTTP run had errors.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import datetime as dt
import io
import json
import os
import pstats
import random
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(BENCH))

PURPOSE = "行政许可受理前信用核查"
TARGETS = {"p50_ms": 1.0, "p99_ms": 5.0, "http_per_s": 1000.0, "batch_s": 60.0}


def percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)
    if not ordered:
        return {"n": 0}

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]

    return {
        "n": len(ordered),
        "p50_ms": round(at(0.50) * 1000, 3),
        "p95_ms": round(at(0.95) * 1000, 3),
        "p99_ms": round(at(0.99) * 1000, 3),
        "max_ms": round(ordered[-1] * 1000, 3),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 3),
    }


def verdict(ok: bool) -> str:
    return "达标" if ok else "未达标"


def _django(db_url: str) -> None:
    os.environ["DATABASE_URL"] = db_url
    os.environ["PGAPPNAME"] = APP_NAME
    os.environ["XINYONG_DEBUG"] = "0"
    os.environ["DJANGO_SETTINGS_MODULE"] = "xinyong.settings"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def _postgres_ticks() -> dict[int, int]:
    ticks = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name, rest = stat.split("(", 1)[1].rsplit(")", 1)
        if name.startswith("postgres"):
            fields = rest.split()
            ticks[int(entry.name)] = int(fields[11]) + int(fields[12])
    return ticks


# This process's connections name themselves (libpq reads PGAPPNAME), so their backends can be told apart.
APP_NAME = f"xinyong-bench-{os.getpid()}"


class PostgresCpu:
    """CPU time (user + system) the PostgreSQL server's processes on this machine used since ``start``.

    Sampled twice a second while it runs, so backends that ended in between (the batch's reader and writer
    connections, closed at its end) count with their last sample: a lower bound by at most half a second of
    each ended backend. ``own`` is the part of the backends of this process's connections (and their parallel
    workers), found by application name; the machine-wide figure also holds other work's on a shared machine.
    ``backend_seconds()`` counts only the backends ``backends`` names when it is called (e.g. the measured
    server's connections).
    """

    def __init__(self, db_url: str | None = None, backends=None) -> None:
        self.before = _postgres_ticks()
        self.backends = backends
        self.seen: dict[int, int] = dict(self.before)
        self.own_pids: set[int] = set()
        self.db_url = db_url or os.environ.get("DATABASE_URL", "")
        self._stop = False
        import threading

        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _own(self, conn) -> set[int]:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s OR leader_pid IN "
            "(SELECT pid FROM pg_stat_activity WHERE application_name = %s)",
            [APP_NAME, APP_NAME],
        ).fetchall()
        return {row[0] for row in rows}

    def _sample(self) -> None:
        import psycopg

        conn = None
        try:
            conn = psycopg.connect(self.db_url, autocommit=True, application_name="xinyong-bench-sampler")
        except Exception:  # noqa: BLE001 - the machine-wide figure still works without it
            conn = None
        while not self._stop:
            self._take(conn)
            time.sleep(0.5)
        self._take(conn)
        if conn is not None:
            conn.close()

    def _take(self, conn) -> None:
        if conn is not None:
            with contextlib.suppress(Exception):  # a sample missed: the next one finds the same backends
                self.own_pids |= self._own(conn)
        for pid, t in _postgres_ticks().items():
            if t >= self.seen.get(pid, 0):
                self.seen[pid] = t

    def _used(self, pids) -> float:
        used = sum(max(0, self.seen[pid] - self.before.get(pid, 0)) for pid in pids if pid in self.seen)
        return used / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if not self._stop:
            self._stop = True
            self._thread.join()

    def seconds(self) -> float:
        self.stop()
        return self._used(self.seen)

    def own_seconds(self) -> float:
        self.stop()
        return self._used(self.own_pids)

    def backend_seconds(self) -> float | None:
        if self.backends is None:
            return None
        pids = self.backends()
        after = _postgres_ticks()
        used = sum(max(0, after.get(pid, 0) - self.before.get(pid, 0)) for pid in pids)
        return used / os.sysconf("SC_CLK_TCK")


# The server's connections name themselves, so that their backends can be told from other clients'.
SERVER_APPLICATION_NAME = "xinyong-bench-check-server"


def own_backend():
    """The backend of this process's database connection."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    return lambda: {pid}


def server_backends() -> set[int]:
    """The backends of the measured server's connections (by their application name)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s", [SERVER_APPLICATION_NAME]
        )
        return {row[0] for row in cursor.fetchall()}


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --------------------------------------------------------------------------------------------------------
# Sample


def sample_codes(*, count: int, seed: int) -> tuple[list[str], list[str]]:
    """(codes of subjects on a list in force, codes of subjects on none), ``count`` of each at most."""
    from django.db import connection

    from xinyong.core.codes import SubjectKind

    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [random.Random(seed).random() - 0.5])
        cursor.execute(
            "SELECT DISTINCT s.uscc FROM lists_listentry e JOIN subjects_subject s ON s.id = e.subject_id "
            "WHERE e.state = 'effective' AND s.uscc IS NOT NULL"
        )
        listed = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT s.uscc FROM subjects_subject s WHERE s.kind <> %s AND s.uscc IS NOT NULL AND NOT EXISTS "
            "(SELECT 1 FROM lists_listentry e WHERE e.subject_id = s.id) ORDER BY random() LIMIT %s",
            [SubjectKind.NATURAL_PERSON, count],
        )
        clean = [row[0] for row in cursor.fetchall()]
    rng = random.Random(seed)
    return rng.sample(listed, min(count, len(listed))), clean


def requester(code: str = "approval"):
    from xinyong.accounts.models import Department
    from xinyong.jrp.types import Requester

    department = Department.objects.get(code=code)
    return Requester(department_id=department.pk, department_name=department.name)


# --------------------------------------------------------------------------------------------------------
# 1. In-process


def measure_inprocess(report: dict, *, as_of: dt.date, checks: int, seed: int, profile: bool) -> None:
    from xinyong.jrp.check.services import check_run
    from xinyong.jrp.models import CheckChannel

    listed, clean = sample_codes(count=checks // 2 + 100, seed=seed)
    who = requester()
    codes = [(code, True) for code in listed] + [(code, False) for code in clean]
    random.Random(seed).shuffle(codes)
    warm, measured = codes[:200], codes[200 : 200 + checks]

    def one(code: str):
        return check_run(
            requester=who, purpose=PURPOSE, matter_code="", query=code, as_of=as_of, channel=CheckChannel.API
        )

    for code, _listed in warm:
        one(code)
    timings: dict[bool, list[float]] = {True: [], False: []}
    answers: list = []
    hits = measures = suspended = 0
    profiler = cProfile.Profile() if profile else None
    cpu = own_cpu_seconds()
    pg = PostgresCpu(backends=own_backend())
    started = time.perf_counter()
    for code, is_listed in measured:
        if profiler:
            profiler.enable()
        t0 = time.perf_counter()
        answer = one(code)
        timings[is_listed].append(time.perf_counter() - t0)
        if profiler:
            profiler.disable()
        hits += bool(answer.hits)
        answers.append((code, is_listed, answer))
        measures += len(answer.measures)
        suspended += sum(m.suspended for m in answer.measures)
    elapsed = time.perf_counter() - started
    overall = percentiles(timings[True] + timings[False])
    n = overall["n"]
    report["inprocess"] = {
        **overall,
        "listed": percentiles(timings[True]),
        "clean": percentiles(timings[False]),
        "answers_with_hits": hits,
        "measures_per_check": round(measures / n, 2) if n else 0,
        "suspended_measures": suspended,
        "checks_per_s_one_process": round(n / elapsed, 1),
        "cpu_ms_per_check_python": round((own_cpu_seconds() - cpu) / n * 1000, 3) if n else 0,
        "cpu_ms_per_check_postgres": round(pg.seconds() / n * 1000, 3) if n else 0,
        "cpu_ms_per_check_postgres_own_backend": round(pg.backend_seconds() / n * 1000, 3) if n else 0,
        "queries": queries_per_check(listed[-1], clean[-1], one),
    }
    r = report["inprocess"]
    print(
        f"进程内核查（按统一社会信用代码，{n:,} 次，其中命中名单 {hits:,} 次，平均每次 {r['measures_per_check']} 项措施）：\n"
        f"  p50 {r['p50_ms']} ms（目标 ≤ {TARGETS['p50_ms']} ms，{verdict(r['p50_ms'] <= TARGETS['p50_ms'])}）"
        f"  p95 {r['p95_ms']} ms  p99 {r['p99_ms']} ms（目标 ≤ {TARGETS['p99_ms']} ms，"
        f"{verdict(r['p99_ms'] <= TARGETS['p99_ms'])}）  最大 {r['max_ms']} ms\n"
        f"  命中名单：p50 {r['listed'].get('p50_ms')} ms / p99 {r['listed'].get('p99_ms')} ms；"
        f"未命中：p50 {r['clean'].get('p50_ms')} ms / p99 {r['clean'].get('p99_ms')} ms\n"
        f"  单进程 {r['checks_per_s_one_process']:,} 次/秒；每次 CPU：Python {r['cpu_ms_per_check_python']} ms，"
        f"PostgreSQL（本连接）{r['cpu_ms_per_check_postgres_own_backend']} ms"
        f"（本机全部 PostgreSQL 进程 {r['cpu_ms_per_check_postgres']} ms）\n"
        f"  每次核查的数据库语句：命中名单 {r['queries']['listed']['count']} 条，未命中 {r['queries']['clean']['count']} 条",
        flush=True,
    )
    for kind in ("listed", "clean"):
        for sql in r["queries"][kind]["statements"]:
            print(f"    [{kind}] {sql}", flush=True)
    measure_statement_floor(report, answers=answers, as_of=as_of)
    if profiler:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(35)
        report["inprocess"]["profile"] = out.getvalue()
        print(out.getvalue(), flush=True)


def measure_statement_floor(report: dict, *, answers: list, as_of: dt.date) -> None:
    """The database's floor under a check, in the same run: its two statements alone, without Django.

    For the same codes: the check's one-statement read (the same SQL, prepared) and the insert of a log row
    with the answer the check gave, committed (durable, like the check's own), into a scratch copy of the
    log table, over psycopg directly. A check cannot be faster than this; the difference is the check's
    own work (parsing, measures, explanation, JSON, Django's cursor).
    """
    import psycopg
    from django.db import connection

    from xinyong.jrp.check.log import LOG_COLUMNS, answer_json_text
    from xinyong.jrp.check.selectors import _subject_checked_compiled, _three_years_before

    sql, template = _subject_checked_compiled()
    cutoff = _three_years_before(as_of)
    settings = connection.settings_dict
    conn = psycopg.connect(
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        user=settings["USER"] or None,
        dbname=settings["NAME"],
        autocommit=True,
        prepare_threshold=1,
    )
    columns = LOG_COLUMNS[1:]
    insert = (
        f"INSERT INTO bench_floor_log ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
        " RETURNING id"
    )
    timings: dict[str, list[float]] = {"read": [], "insert": [], "both": []}
    durable: dict[bool, list[float]] = {True: [], False: []}
    try:
        conn.execute("DROP TABLE IF EXISTS bench_floor_log")
        conn.execute("CREATE TABLE bench_floor_log (LIKE jrp_checklog INCLUDING ALL)")
        cursor = conn.cursor()
        now = dt.datetime.now(dt.UTC)
        for code, is_listed, answer in answers:
            params = [
                as_of if p == "day" else cutoff if p == "cutoff" else code if p == "code" else p
                for p in template
            ]
            row = (
                now,
                as_of,
                as_of,
                "api",
                None,
                None,
                None,
                PURPOSE,
                "",
                "uscc",
                code,
                None,
                answer.outcome,
                len(answer.hits),
                len(answer.measures),
                answer.rulebook_number,
                "",
                answer_json_text(answer),
            )
            t0 = time.perf_counter()
            cursor.execute(sql, params)
            cursor.fetchall()
            t1 = time.perf_counter()
            cursor.execute(insert, row)
            cursor.fetchone()
            t2 = time.perf_counter()
            timings["read"].append(t1 - t0)
            timings["insert"].append(t2 - t1)
            timings["both"].append(t2 - t0)
            durable[is_listed].append(t2 - t0)
    finally:
        conn.execute("DROP TABLE IF EXISTS bench_floor_log")
        conn.close()
    floor = {name: percentiles(values) for name, values in timings.items()}
    floor["both_listed"] = percentiles(durable[True])
    floor["both_clean"] = percentiles(durable[False])
    report["inprocess"]["statement_floor"] = floor
    print(
        f"  同一批代码只执行核查的两条语句（psycopg 直连，不经 Django；写入已提交）：读 p50 {floor['read']['p50_ms']} ms，"
        f"写核查日志 p50 {floor['insert']['p50_ms']} ms，合计 p50 {floor['both']['p50_ms']} ms"
        f"（命中名单 {floor['both_listed'].get('p50_ms')} / 未命中 {floor['both_clean'].get('p50_ms')} ms）",
        flush=True,
    )


def queries_per_check(listed: str, clean: str, one) -> dict:
    """The statements one check of a listed and of a clean subject sends (their first 160 characters)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    out = {}
    for kind, code in (("listed", listed), ("clean", clean)):
        with CaptureQueriesContext(connection) as captured:
            one(code)
        out[kind] = {
            "count": len(captured.captured_queries),
            "statements": [" ".join(q["sql"].split())[:160] for q in captured.captured_queries],
        }
    return out


# --------------------------------------------------------------------------------------------------------
# 2. HTTP


def server_env(args) -> dict[str, str]:
    env = {
        **os.environ,
        "XINYONG_HOME": str(args.home),
        "DJANGO_SETTINGS_MODULE": "check_settings",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(BENCH), os.environ.get("PYTHONPATH")])),
        "XINYONG_DEBUG": "0",
        "DATABASE_URL": args.pg_url
        + ("&" if "?" in args.pg_url else "?")
        + f"application_name={SERVER_APPLICATION_NAME}",
    }
    return env


async def _client(session, url, bodies, headers, start, until, outcome):
    i = start
    while time.perf_counter() < until:
        body = bodies[i % len(bodies)] if bodies else None
        i += 1
        t0 = time.perf_counter()
        try:
            if body is None:
                request = session.get(url, allow_redirects=False)
            else:
                request = session.post(url, data=body, headers=headers, allow_redirects=False)
            async with request as response:
                await response.read()
                status = response.status
        except TimeoutError:
            if outcome is not None:
                outcome.error("timeout")
            continue
        except Exception as exc:  # aiohttp's client errors: counted, the run goes on
            if outcome is not None:
                outcome.error(type(exc).__name__)
            continue
        if outcome is None:
            continue
        if status != 200:
            outcome.error(f"HTTP {status}")
        else:
            outcome.latencies.append(time.perf_counter() - t0)


async def _load(url, bodies, headers, *, clients: int, seconds: float, warmup: float):
    import aiohttp
    from load import Outcome

    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as session:
        until = time.perf_counter() + warmup
        await asyncio.gather(
            *(_client(session, url, bodies, headers, n * 7, until, None) for n in range(clients))
        )
        outcome = Outcome()
        started = time.perf_counter()
        until = started + seconds
        await asyncio.gather(
            *(_client(session, url, bodies, headers, n * 7, until, outcome) for n in range(clients))
        )
        return outcome, time.perf_counter() - started


def measure_http(report: dict, args, *, as_of: dt.date) -> None:
    from load import server_cpu_seconds, wait_ready

    from xinyong.accounts.models import ApiScope, Department
    from xinyong.accounts.services import apiclient_create
    from xinyong.jrp.models import CheckLog

    listed, clean = sample_codes(count=2_000, seed=args.seed + 1)
    codes = listed + clean
    random.Random(args.seed).shuffle(codes)
    client_row, key = apiclient_create(
        name=f"基准测试受理系统 {time.time():.0f}",
        department=Department.objects.get(code="approval"),
        scopes=[ApiScope.CHECK_QUERY],
    )
    bodies = [
        json.dumps(
            {"purpose": PURPOSE, "query": code, "as_of": as_of.isoformat()}, ensure_ascii=False
        ).encode()
        for code in codes
    ]
    headers = {"X-API-Key": key, "Content-Type": "application/json"}
    args.home.mkdir(parents=True, exist_ok=True)
    env = server_env(args)
    # No daily jobs: they would run over the whole database during the measurement on the first start of a
    # day (and date their work by today, not by the bench's ``as_of``); a deployment runs them on one server.
    command = [
        sys.executable,
        "-m",
        "xinyong.cli",
        "serve",
        f"127.0.0.1:{args.port}",
        "--no-migrate",
        "--no-daily",
    ]
    if args.workers:
        command += ["--workers", str(args.workers)]
    if args.threads:
        command += ["--threads", str(args.threads)]
    log = args.home / "serve.log"
    from django.db import connections

    connections.close_all()
    with log.open("wb") as log_file:
        server = subprocess.Popen(command, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{args.port}"
    results = {}
    try:
        wait_ready(server, base + "/bench/bare.json", timeout=600)
        banner = [line for line in log.read_text(encoding="utf-8").splitlines() if "信用平台:" in line]
        print(banner[0] if banner else "", flush=True)
        print(
            f"HTTP：{args.clients} 个并发客户端（各一条长连接），每个目标 {args.seconds:.0f} 秒（预热 {args.warmup:.0f} 秒）"
        )
        print(
            f"  {'目标':<16} {'请求数':>8} {'次/秒':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
            f"{'服务 CPU s':>10} {'PG CPU s（服务连接/本机全部）':>16} {'压测端 CPU s':>10} 错误"
        )
        for name, url, payload in (
            ("bare JSON view", base + "/bench/bare.json", None),
            ("check API", base + "/api/jrp/check/", bodies),
        ):
            # This run's client only: other work may write check log rows into the same database meanwhile.
            start = CheckLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            own_rows = CheckLog.objects.filter(pk__gt=start, api_client_id=client_row.pk)
            connections.close_all()
            cpu, pg = server_cpu_seconds(server.pid), PostgresCpu(backends=server_backends)
            load_cpu = own_cpu_seconds()
            outcome, elapsed = asyncio.run(
                _load(url, payload, headers, clients=args.clients, seconds=args.seconds, warmup=args.warmup)
            )
            cpu, pg_server, pg = server_cpu_seconds(server.pid) - cpu, pg.backend_seconds(), pg.seconds()
            load_cpu = own_cpu_seconds() - load_cpu  # the load generator's, warm-up included
            ordered = sorted(outcome.latencies)
            figures = {
                "requests": len(ordered),
                "requests_per_s": round(len(ordered) / elapsed, 1),
                **{k: round(v, 1) for k, v in percentiles(ordered).items() if k.endswith("_ms")},
                "server_cpu_s": round(cpu, 1),
                "postgres_cpu_s": round(pg, 1),
                "postgres_cpu_s_server_backends": round(pg_server, 1),
                "load_generator_cpu_s": round(load_cpu, 1),
                "errors": sum(outcome.errors.values()),
                "error_kinds": outcome.errors,
                "check_log_rows_written": own_rows.count(),  # warm-up included
            }
            results[name] = figures
            print(
                f"  {name:<16} {figures['requests']:>8,} {figures['requests_per_s']:>8,} {figures.get('p50_ms')!s:>8} "
                f"{figures.get('p95_ms')!s:>8} {figures.get('p99_ms')!s:>8} {figures['server_cpu_s']:>10} "
                f"{figures['postgres_cpu_s_server_backends']:>8}/{figures['postgres_cpu_s']:<8} "
                f"{figures['load_generator_cpu_s']:>10} {figures['errors']} "
                f"{outcome.errors or ''}",
                flush=True,
            )
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    check = results.get("check API", {})
    bare = results.get("bare JSON view", {})
    if check:
        rate = check["requests_per_s"]
        print(
            f"  核查接口 {rate:,} 次/秒（目标 ≥ {TARGETS['http_per_s']:,.0f}，{verdict(rate >= TARGETS['http_per_s'])}），"
            f"为空视图上限的 {rate / bare['requests_per_s'] * 100:.0f}%；写入核查日志 {check['check_log_rows_written']:,} 条"
            if bare.get("requests_per_s")
            else "",
            flush=True,
        )
    report["http"] = {"clients": args.clients, "seconds": args.seconds, "targets": results}


# --------------------------------------------------------------------------------------------------------
# 3. Batch


def measure_batch(report: dict, *, as_of: dt.date, count: int, seed: int) -> None:
    from django.conf import settings
    from django.db import connection

    from xinyong.accounts.models import ApiScope, Department
    from xinyong.accounts.services import apiclient_create
    from xinyong.core.identifiers import generate_uscc
    from xinyong.jrp.channels.running import batch_check_run
    from xinyong.jrp.channels.services import batch_check_submit
    from xinyong.jrp.models import BatchCheck

    media = Path(tempfile.mkdtemp(prefix="xinyong-check-bench-"))
    settings.MEDIA_ROOT = media
    # Run here only, never queued: a worker serving this database (another run's ``xinyong serve``) would
    # take the task from the queue and run the same batch beside this process.
    from xinyong.jrp.channels import services as channel_services

    channel_services.batch_check_enqueue = lambda *, batch: batch
    rng = random.Random(seed)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT uscc FROM subjects_subject WHERE uscc IS NOT NULL ORDER BY id LIMIT %s",
            [int(count * 0.8)],
        )
        codes = [row[0] for row in cursor.fetchall()]
    known = set(codes)
    while len(codes) < count:
        code = generate_uscc(rng, category="91", division="350100")
        if code not in known:
            known.add(code)
            codes.append(code)
    rng.shuffle(codes)
    for i in range(0, len(codes), 500):
        codes[i] = codes[i][:-1] + ("Z" if codes[i][-1] != "Z" else "Y")  # a mistyped code now and then
    path = media / "codes.txt"
    path.write_text("\n".join(codes) + "\n", encoding="utf-8")
    from xinyong.jrp.models import Matter

    matter = Matter.objects.filter(source="bench").order_by("code").first()
    client, _key = apiclient_create(
        name=f"基准测试批量核查 {time.time():.0f}",
        department=Department.objects.get(code="approval"),
        scopes=[ApiScope.CHECK_QUERY],
    )
    cpu, pg = own_cpu_seconds(), PostgresCpu()
    started = time.perf_counter()
    with path.open("rb") as source:
        batch = batch_check_submit(
            department=client.department,
            actor=client,
            purpose="批量核查：政府采购供应商资格审查",
            matter_code=matter.code,
            as_of=as_of,
            chunks=iter(lambda: source.read(1 << 20), b""),
            filename="codes.txt",
            suffix=".txt",
            limit=1 << 30,
            too_large=ValueError("too large"),
        )
    submitted = time.perf_counter() - started
    batch = batch_check_run(batch_id=batch.pk)
    elapsed = time.perf_counter() - started
    batch.refresh_from_db()
    figures = {
        "codes": count,
        "seconds": round(elapsed, 1),
        "submit_seconds": round(submitted, 1),
        "codes_per_s": round(count / elapsed),
        "status": batch.status,
        "total": batch.total,
        "done": batch.done,
        "hits": batch.hits,
        "invalid": batch.invalid,
        "not_found": batch.not_found,
        "cpu_s_python": round(own_cpu_seconds() - cpu, 1),
        "cpu_s_postgres": round(pg.seconds(), 1),
        "cpu_s_postgres_own": round(pg.own_seconds(), 1),
        "load_average": os.getloadavg(),
        "error": batch.error_code,
    }
    report["batch"] = figures
    print(
        f"批量核查 {count:,} 个代码：{figures['seconds']} 秒（目标 ≤ {TARGETS['batch_s']:.0f} 秒，"
        f"{verdict(batch.status == BatchCheck.Status.DONE and figures['seconds'] <= TARGETS['batch_s'])}），"
        f"{figures['codes_per_s']:,} 个/秒；提交（加密保存）{figures['submit_seconds']} 秒；"
        f"状态 {batch.status} {batch.error_code}，命中 {batch.hits:,}，无效 {batch.invalid:,}，"
        f"未找到 {batch.not_found:,}；CPU：本进程 {figures['cpu_s_python']} 秒，PostgreSQL {figures['cpu_s_postgres']} 秒"
        f"（其中本进程的连接 {figures['cpu_s_postgres_own']} 秒）；负载 {' '.join(f'{x:.1f}' for x in figures['load_average'])}",
        flush=True,
    )


def measure_floor(report: dict, *, as_of: dt.date, count: int, seed: int) -> None:
    """Diagnostic: what the batch's own checking costs without its log and result files.

    The same codes as the batch, in chunks of 5,000: ``query_parse`` and the set-based lookup of
    ``check_many`` (``_code_answers``: subjects, hits in force, facts, measures), each answer serialised with
    orjson (instead of ``dataclasses.asdict``), and the log rows written with one COPY per chunk into a
    temporary table shaped like the check log (instead of ``bulk_create``). The difference to the batch's
    time is what the log insert, the answer serialisation and the XLSX result file cost there.
    """
    import orjson
    from django.db import connection, transaction

    from xinyong.core.identifiers import generate_uscc
    from xinyong.jrp.check import services

    rng = random.Random(seed)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT uscc FROM subjects_subject WHERE uscc IS NOT NULL ORDER BY id LIMIT %s",
            [int(count * 0.8)],
        )
        codes = [row[0] for row in cursor.fetchall()]
    while len(codes) < count:
        codes.append(generate_uscc(rng, category="91", division="350100"))
    rng.shuffle(codes)
    who = requester()
    spent = {"parse": 0.0, "lookup": 0.0, "serialise": 0.0, "copy": 0.0}
    cpu, pg = own_cpu_seconds(), PostgresCpu()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_checklog (checked_at timestamptz, checked_on date, as_of date, channel text, "
            "department_id bigint, purpose text, matter_code text, query_kind text, query_text text, "
            "subject_id bigint, outcome text, hit_count int, measure_count int, rulebook_number int, "
            "batch_ref text, answer jsonb)"
        )
    now = dt.datetime.now(dt.UTC)
    for start in range(0, len(codes), 5_000):
        chunk = codes[start : start + 5_000]
        t0 = time.perf_counter()
        parsed = [services.query_parse(query=code, query_kind=None, as_of=as_of) for code in chunk]
        t1 = time.perf_counter()
        answers = services._code_answers(
            parsed=parsed, as_of=as_of, matter_code="", department_id=who.department_id
        )
        t2 = time.perf_counter()
        texts = [orjson.dumps(answer).decode() for answer, _sid in answers]
        t3 = time.perf_counter()
        with (
            transaction.atomic(),
            connection.cursor() as cursor,
            cursor.cursor.copy("COPY bench_checklog FROM STDIN") as copy,
        ):
            for p, (answer, subject_id), text in zip(parsed, answers, texts, strict=True):
                copy.write_row(
                        (now, as_of, as_of, "batch", who.department_id, PURPOSE, "", p.kind, p.logged_text,
                         subject_id, answer.outcome, len(answer.hits), len(answer.measures), answer.rulebook_number,
                         "bench-floor", text)
                    )  # fmt: skip
        t4 = time.perf_counter()
        for key, seconds in zip(spent, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
            spent[key] += seconds
    elapsed = time.perf_counter() - started
    figures = {
        "codes": count,
        "seconds": round(elapsed, 1),
        "codes_per_s": round(count / elapsed),
        **{f"{k}_s": round(v, 1) for k, v in spent.items()},
        "cpu_s_python": round(own_cpu_seconds() - cpu, 1),
        "cpu_s_postgres": round(pg.seconds(), 1),
    }
    report["floor"] = figures
    print(
        f"批量核查的核查部分（诊断，{count:,} 个代码，不写结果文件，日志以 COPY 写入临时表）：{figures['seconds']} 秒，"
        f"{figures['codes_per_s']:,} 个/秒；其中解析 {figures['parse_s']} 秒，查询与措施 {figures['lookup_s']} 秒，"
        f"序列化 {figures['serialise_s']} 秒，COPY {figures['copy_s']} 秒；CPU：本进程 {figures['cpu_s_python']} 秒，"
        f"PostgreSQL {figures['cpu_s_postgres']} 秒",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/xinyong_checkbench")
    parser.add_argument("--build", action="store_true", help="build the database first (bench/check_data.py)")
    parser.add_argument("--scale", type=float, default=1.0, help="with --build: bench/check_data.py --scale")
    parser.add_argument(
        "--parts", default="inprocess,http,batch", help="comma-separated: inprocess, http, batch"
    )
    parser.add_argument("--checks", type=int, default=5_000, help="in-process checks measured")
    parser.add_argument("--profile", action="store_true", help="profile the in-process checks (cProfile)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--port", type=int, default=8109)
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: one per core)")
    parser.add_argument("--threads", type=int, help="threads per worker (default: the platform's)")
    parser.add_argument("--home", type=Path, default=ROOT / "var" / "bench-check")
    parser.add_argument("--batch-codes", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    if args.build:
        subprocess.run(
            [
                sys.executable,
                str(BENCH / "check_data.py"),
                "--pg-url",
                args.pg_url,
                "--scale",
                str(args.scale),
            ],
            check=True,
        )
    _django(args.pg_url)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT key, value FROM bench_meta")
        meta = dict(cursor.fetchall())
    as_of = dt.date.fromisoformat(meta["as_of"])
    print(
        f"数据库：{int(meta['subjects']):,} 个主体，在列名单条目 {int(meta['entries_effective']):,} 条，"
        f"措施 {int(meta['measures']):,} 项（部门条件 {int(meta['department_conditions']):,} 项），依据日期 {as_of}"
        f"（{args.pg_url}）",
        flush=True,
    )
    report: dict = {"meta": meta, "targets": TARGETS}
    parts = set(args.parts.split(","))
    if "inprocess" in parts:
        measure_inprocess(report, as_of=as_of, checks=args.checks, seed=args.seed, profile=args.profile)
    if "http" in parts:
        measure_http(report, args, as_of=as_of)
    if "batch" in parts:
        measure_batch(report, as_of=as_of, count=args.batch_codes, seed=args.seed)
    if "floor" in parts:
        measure_floor(report, as_of=as_of, count=args.batch_codes, seed=args.seed)
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    http = report.get("http", {}).get("targets", {})
    return 1 if any(t["errors"] for t in http.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
