"""Public-side benchmark: subject page, API subject query, name search and PDF report on a city-sized database.

    .venv/bin/python bench/public_data.py            # once: builds 1,000,000 subjects / 10,000,000 records
    .venv/bin/python bench/public.py                 # measures (database left by public_data.py)
    .venv/bin/python bench/public.py --pg-url postgres://postgres@127.0.0.1:5432/xinyong_public_s --samples 100

Measured in one process against the database that ``bench/public_data.py`` built (PostgreSQL):

1. subject page: ``GET`` of the portal's subject page through Django's full request stack (middleware,
   view, template) with the test client, for random subjects with records; p50 / p95 / max;
2. API subject query: ``GET /api/public/subjects/{id}`` the same way;
3. name search: a labelled set of name variants generated from real subjects — traditional characters,
   full-width spacing, without the legal form (有限公司 …), without the region prefix, one wrong character,
   and both omissions together — each searched with the project's ``subject_search`` and, as the baseline in
   the same run, with a plain ``name__icontains`` query (what a Django developer would write first);
   latency p50 / p95 and recall (the labelled subject among the first 1 and the first 10 results);
4. PDF report: ``report_issue`` + ``report_render_pdf`` (public version) for the subjects with the most
   records; seconds per report.

Targets (issue 4): subject page and API p95 ≤ 100 ms; name search p95 ≤ 150 ms; PDF ≤ 1.5 s.
Every query runs warm (each kind of request is made a few times first) — the figures are for a running
server, not its first request after start.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LEGAL_FORMS = ("股份有限公司", "有限责任公司", "有限公司")
REGION_NAMES = (
    "福州市", "闽侯县", "连江县", "罗源县", "闽清县", "永泰县", "福清市", "长乐区", "鼓楼区", "台江区", "仓山区", "晋安区",
)  # fmt: skip
TYPO_CHARS = (
    "恒宏鑫华金瑞新益诚永天众博润盛泰嘉德富兴佳和隆丰源信达安康昌锐民成远泽邦宇辉通利旺业发鼎阳晟茂祥顺创"
)


def _django(db_url: str) -> None:
    os.environ["DATABASE_URL"] = db_url
    os.environ["XINYONG_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinyong.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.conf import settings

    # Static files are not what is measured: plain storage, so no collected manifest is needed.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)
    if not ordered:
        return {}

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]

    return {
        "n": len(ordered),
        "p50_ms": round(at(0.50) * 1000, 1),
        "p95_ms": round(at(0.95) * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 1),
    }


def strip_form(name: str) -> str:
    for form in LEGAL_FORMS:
        if name.endswith(form):
            return name[: -len(form)]
    return name


def strip_region(name: str) -> str:
    for region in REGION_NAMES:
        if name.startswith(region):
            return name[len(region) :]
    return name


def variants(name: str, rng: random.Random) -> dict[str, str]:
    """Labelled variants of a subject name, as people type them."""
    import opencc

    traditional = opencc.OpenCC("s2t").convert(name)
    core = strip_region(name)
    spaced = (
        name[: len(name) - len(core)] + "\u3000" + core
        if core != name
        else "\u3000".join([name[:2], name[2:]])
    )
    typo_at = len(name) - len(core) + rng.randrange(max(1, min(2, len(strip_form(core)))))
    typo = name[:typo_at] + rng.choice(TYPO_CHARS.replace(name[typo_at], "")) + name[typo_at + 1 :]
    out = {
        "traditional": traditional,
        "fullwidth_space": spaced,
        "no_legal_form": strip_form(name),
        "no_region": core,
        "typo": typo,
        "no_region_no_form": strip_form(core),
    }
    return {kind: value for kind, value in out.items() if value and value != name}


def timed(call) -> tuple[float, object]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/xinyong_public")
    parser.add_argument("--samples", type=int, default=300, help="subjects per measurement")
    parser.add_argument("--reports", type=int, default=10, help="PDF reports to render")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument(
        "--parts", default="pages,search,pdf", help="what to measure, comma-separated: pages, search, pdf"
    )
    args = parser.parse_args()
    _django(args.pg_url)

    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from xinyong.core.codes import SubjectKind
    from xinyong.subjects.models import Subject

    setup_test_environment()  # the test client's host name is allowed
    settings.XINYONG_PUBLIC_API_RATE = "1000000/m"  # the benchmark is one client: no throttling
    rng = random.Random(args.seed)
    with connection.cursor() as cursor:
        cursor.execute("SELECT key, value FROM bench_meta")
        meta = dict(cursor.fetchall())
        cursor.execute("SELECT max(id) FROM subjects_subject")
        max_id = cursor.fetchone()[0]
    print(f"数据库：{meta.get('subjects')} 个主体，{meta.get('records')} 条记录（{args.pg_url}）", flush=True)
    report: dict = {"meta": meta}

    # Random organisations (their pages are public), drawn by id.
    sample_ids: list[int] = []
    while len(sample_ids) < args.samples:
        ids = [rng.randrange(1, max_id + 1) for _ in range(args.samples * 2)]
        sample_ids += list(
            Subject.objects.filter(pk__in=ids)
            .exclude(kind=SubjectKind.NATURAL_PERSON)
            .values_list("pk", flat=True)[: args.samples - len(sample_ids)]
        )
    client = Client()

    def page(pk: int) -> float:
        seconds, response = timed(lambda: client.get(reverse("portal:subject", args=[pk])))
        assert response.status_code == 200, response.status_code
        return seconds

    def api(pk: int) -> float:
        seconds, response = timed(lambda: client.get(f"/api/public/subjects/{pk}"))
        assert response.status_code == 200, (response.status_code, response.content[:200])
        return seconds

    parts = set(args.parts.split(","))
    for label, call in (("subject_page", page), ("api_subject", api)) if "pages" in parts else ():
        for pk in sample_ids[:10]:
            call(pk)  # warm-up
        report[label] = percentiles([call(pk) for pk in sample_ids])
        print(f"{label}: {report[label]}", flush=True)

    if "search" in parts:
        measure_search(report, sample_ids, rng)
    if "pdf" in parts:
        measure_pdf(report, sample_ids, args.reports)
    if args.json:
        Path(args.json).write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")


def measure_search(report: dict, sample_ids: list[int], rng: random.Random) -> None:
    """Name search over the labelled variants, against a plain icontains query."""
    from xinyong.core.codes import SubjectKind
    from xinyong.subjects.models import Subject
    from xinyong.subjects.search import subject_search

    names = dict(
        Subject.objects.filter(pk__in=sample_ids, kind=SubjectKind.ORGANISATION).values_list("pk", "name")
    )
    labelled = [(pk, kind, text) for pk, name in names.items() for kind, text in variants(name, rng).items()]
    for _pk, _kind, text in labelled[:10]:
        subject_search(query=text, limit=10)
    engines = {
        "subject_search": lambda q: [hit.subject_id for hit in subject_search(query=q, limit=10)],
        "icontains": lambda q: list(
            Subject.objects.filter(name__icontains=q).order_by("id").values_list("pk", flat=True)[:10]
        ),
    }
    for engine, search in engines.items():
        latencies, top1, top10, per_kind = [], 0, 0, {}
        for pk, kind, text in labelled:
            seconds, hits = timed(lambda t=text, f=search: f(t))
            latencies.append(seconds)
            found = per_kind.setdefault(kind, [0, 0])
            found[1] += 1
            if hits[:1] == [pk]:
                top1 += 1
            if pk in hits:
                top10 += 1
                found[0] += 1
        report[f"name_search_{engine}"] = {
            **percentiles(latencies),
            "recall_at_1": round(top1 / len(labelled), 3),
            "recall_at_10": round(top10 / len(labelled), 3),
            "recall_at_10_by_variant": {k: round(a / b, 3) for k, (a, b) in per_kind.items()},
        }
        print(f"name_search[{engine}]: {report[f'name_search_{engine}']}", flush=True)
    a, b = report["name_search_subject_search"], report["name_search_icontains"]
    report["name_search_ratio_p95"] = round(b["p95_ms"] / a["p95_ms"], 1) if a["p95_ms"] else None
    print(f"icontains p95 / subject_search p95 = {report['name_search_ratio_p95']}×", flush=True)


def measure_pdf(report: dict, sample_ids: list[int], count: int) -> None:
    """Public reports (issue + PDF) for the sampled subjects with the most records."""
    from django.db.models import Count
    from django.utils import timezone

    from xinyong.records.models import CreditRecord
    from xinyong.reports.services import report_issue, report_render_pdf
    from xinyong.subjects.models import Subject

    busiest = list(
        CreditRecord.objects.filter(subject_id__in=sample_ids)
        .values("subject_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("subject_id", "n")[:count]
    )

    pdf_seconds, sizes = [], []
    # The first rendering in a process loads the CJK fonts (seconds); a server renders warm.
    started = time.perf_counter()
    first = report_issue(
        subject=Subject.objects.get(pk=busiest[-1][0]), kind="public", as_of=timezone.localdate(), actor=None
    )
    report_render_pdf(report=first)
    report["pdf_first_in_process_s"] = round(time.perf_counter() - started, 2)
    for pk, _n in busiest:
        subject = Subject.objects.get(pk=pk)
        started = time.perf_counter()
        issued = report_issue(subject=subject, kind="public", as_of=timezone.localdate(), actor=None)
        pdf = report_render_pdf(report=issued)
        pdf_seconds.append(time.perf_counter() - started)
        sizes.append(len(pdf))
    report["pdf_report"] = {
        **percentiles(pdf_seconds),
        "records_per_subject": [n for _pk, n in busiest],
        "kb": [round(s / 1024) for s in sizes],
    }
    print(f"pdf_report: {report['pdf_report']}", flush=True)


if __name__ == "__main__":
    main()
