"""Bounded load run against ``xinyong serve``: N concurrent clients for S seconds per target.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python bench/load.py                      # demo county on SQLite under var/bench-load, port 8107
    .venv/bin/python bench/load.py --database-url postgres://postgres@127.0.0.1:5432/xinyong_load

Builds the demo county (``xinyong demo``; left as it is on later runs) in its own home, starts ``xinyong
serve`` there as in production — gunicorn, DEBUG off, static files collected — with the bench URLconf
(``bench/load_urls.py``), and sends the load from this process (asyncio + aiohttp, one keep-alive
connection per client), one target after the other, each after a short warm-up:

- ``bare``: ``/bench/bare/``, a trivial Django view (no database, no template) behind the same server,
  middleware and URL resolver: the baseline of the server and the framework alone;
- ``subject page``: the portal's subject page ``/subjects/<id>/`` of subjects with public records;
- ``public search``: the portal's search ``/search/?q=<name>`` (names without their legal form, so the
  fuzzy name search runs, not only the exact match);
- ``API``: ``GET /api/public/subjects/<id>``.

``--close`` opens a new connection for every request instead of keeping one per client. ``--dev`` measures ``xinyong serve --dev`` (Django's development server, ``runserver``) the same way, for
comparison.

Prints per target requests/s, latency p50 / p95 / p99, the CPU time the server's processes used (warm-up
included; on a shared machine the figure that busy neighbours do not inflate) and errors (answers other
than 200, connection resets, timeouts), then stops the server with SIGTERM and reports how long that took. Exits 1 on any error.
The public API's per-address rate limit is lifted for the run: all clients come from one address.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
LEGAL_FORMS = ("股份有限公司", "有限责任公司", "有限公司")


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


def percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")


def server_env(args) -> dict[str, str]:
    env = {
        **os.environ,
        "XINYONG_HOME": str(args.home),
        "DJANGO_SETTINGS_MODULE": "load_settings",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(BENCH), os.environ.get("PYTHONPATH")])),
        "XINYONG_DEBUG": "0",
        "XINYONG_PUBLIC_API_RATE": "1000000/s",
    }
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    else:
        env.pop("DATABASE_URL", None)
    return env


def sample_targets(env: dict[str, str], *, count: int, seed: int) -> dict[str, list[str]]:
    """URLs of each target: subjects with public records today, and their names for the search."""
    for key in ("XINYONG_HOME", "DATABASE_URL"):
        if key in env:
            os.environ[key] = env[key]
        else:
            os.environ.pop(key, None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "xinyong.settings"
    import django

    django.setup()
    from django.utils import timezone

    from xinyong.records.selectors import records_public
    from xinyong.subjects.models import Subject, SubjectKind

    ids = sorted(set(records_public(as_of=timezone.localdate()).values_list("subject_id", flat=True)))
    rng = random.Random(seed)
    chosen = rng.sample(ids, min(count, len(ids)))
    names = list(
        Subject.objects.filter(pk__in=chosen)
        .exclude(kind=SubjectKind.NATURAL_PERSON)
        .values_list("name", flat=True)
    )
    queries = []
    for name in names:
        for form in LEGAL_FORMS:
            if name.endswith(form):
                name = name[: -len(form)]
                break
        queries.append(name)
    return {
        "bare": ["/bench/bare/"],
        "subject page": [f"/subjects/{pk}/" for pk in chosen],
        "public search": [f"/search/?q={quote(q)}" for q in queries],
        "API": [f"/api/public/subjects/{pk}" for pk in chosen],
    }


async def client(session, base: str, urls: list[str], start: int, until: float, outcome: Outcome | None):
    i = start
    while time.perf_counter() < until:
        url = base + urls[i % len(urls)]
        i += 1
        started = time.perf_counter()
        try:
            async with session.get(url, allow_redirects=False) as response:
                await response.read()
                status = response.status
        except TimeoutError:
            if outcome is not None:
                outcome.error("timeout")
            continue
        except aiohttp.ClientError as exc:
            if outcome is not None:
                outcome.error(type(exc).__name__)
            continue
        if outcome is None:
            continue
        if status != 200:
            outcome.error(f"HTTP {status}")
        else:
            outcome.latencies.append(time.perf_counter() - started)


async def load(
    base: str, urls: list[str], *, clients: int, seconds: float, warmup: float, close: bool
) -> tuple[Outcome, float]:
    connector = aiohttp.TCPConnector(limit=clients, force_close=close)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        until = time.perf_counter() + warmup
        await asyncio.gather(*(client(session, base, urls, n * 7, until, None) for n in range(clients)))
        outcome = Outcome()
        started = time.perf_counter()
        until = started + seconds
        await asyncio.gather(*(client(session, base, urls, n * 7, until, outcome) for n in range(clients)))
        return outcome, time.perf_counter() - started


def server_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by the processes below ``pid`` (the server's children)."""
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    below, todo, ticks = set(), [pid], 0
    while todo:
        parent = todo.pop()
        for child, (ppid, used) in stats.items():
            if ppid == parent and child not in below:
                below.add(child)
                todo.append(child)
                ticks += used
    return ticks / os.sysconf("SC_CLK_TCK")


def wait_ready(process: subprocess.Popen, url: str, *, timeout: float) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"xinyong serve ended (exit code {process.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"xinyong serve did not answer {url} within {timeout:.0f} s")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, default=8107)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--home", type=Path, default=ROOT / "var" / "bench-load")
    parser.add_argument("--database-url", help="PostgreSQL database for the demo county (default: SQLite)")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: one per core)")
    parser.add_argument("--threads", type=int, help="threads per worker (default: 4)")
    parser.add_argument("--subjects", type=int, default=300, help="subjects sampled for the targets")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", action="append", help="run only this target (repeatable)")
    parser.add_argument(
        "--dev", action="store_true", help="measure `serve --dev` (Django's runserver) instead"
    )
    parser.add_argument(
        "--close", action="store_true", help="a new connection for every request (no keep-alive)"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()

    args.home.mkdir(parents=True, exist_ok=True)
    env = server_env(args)
    xinyong = [sys.executable, "-m", "xinyong.cli"]
    print(f"demo county in {args.home} ({'PostgreSQL' if args.database_url else 'SQLite'}) …", flush=True)
    subprocess.run([*xinyong, "demo"], env=env, check=True, stdout=subprocess.DEVNULL)
    targets = sample_targets(env, count=args.subjects, seed=args.seed)
    if args.only:
        targets = {name: urls for name, urls in targets.items() if name in args.only}

    command = [*xinyong, "serve", f"127.0.0.1:{args.port}"]
    if args.workers:
        command += ["--workers", str(args.workers)]
    if args.threads:
        command += ["--threads", str(args.threads)]
    if args.dev:
        command.append("--dev")
    log = args.home / "serve.log"
    with log.open("wb") as log_file:
        server = subprocess.Popen(command, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{args.port}"
    results = {}
    try:
        wait_ready(server, base + "/bench/bare/", timeout=600)
        banner = [line for line in log.read_text(encoding="utf-8").splitlines() if "信用平台:" in line]
        print(banner[0] if banner else "", flush=True)
        print(f"{args.clients} clients, {args.seconds:.0f} s per target (after {args.warmup:.0f} s warm-up)")
        print(
            f"{'target':<15} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
            f"{'server CPU s':>12} errors"
        )
        for name, urls in targets.items():
            cpu_before = server_cpu_seconds(server.pid)
            outcome, elapsed = asyncio.run(
                load(
                    base,
                    urls,
                    clients=args.clients,
                    seconds=args.seconds,
                    warmup=args.warmup,
                    close=args.close,
                )
            )
            cpu = server_cpu_seconds(server.pid) - cpu_before  # warm-up included, as its requests
            ordered = sorted(outcome.latencies)
            figures = {
                "requests": len(ordered),
                "requests_per_s": round(len(ordered) / elapsed, 1),
                "p50_ms": round(percentile(ordered, 0.50) * 1000, 1),
                "p95_ms": round(percentile(ordered, 0.95) * 1000, 1),
                "p99_ms": round(percentile(ordered, 0.99) * 1000, 1),
                "server_cpu_s": round(cpu, 1),
                "errors": sum(outcome.errors.values()),
                "error_kinds": outcome.errors,
            }
            results[name] = figures
            print(
                f"{name:<15} {figures['requests']:>9} {figures['requests_per_s']:>8} {figures['p50_ms']:>8} "
                f"{figures['p95_ms']:>8} {figures['p99_ms']:>8} {figures['server_cpu_s']:>12} "
                f"{figures['errors']} {outcome.errors or ''}",
                flush=True,
            )
    finally:
        started = time.monotonic()
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        stopped = time.monotonic() - started
        print(f"server stopped by SIGTERM in {stopped:.1f} s (exit code {server.returncode}); log: {log}")
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    return 1 if any(figures["errors"] for figures in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
