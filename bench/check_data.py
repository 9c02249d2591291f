"""Builds the PostgreSQL database of the credit-check benchmark (bench/check.py).

    .venv/bin/python bench/check_data.py                       # 1,000,000 subjects, 100,000 entries, 500 measures
    .venv/bin/python bench/check_data.py --scale 0.01 --pg-url postgres://postgres@127.0.0.1:5432/xinyong_checkbench_s

What it builds (deterministic for a seed), in a database it creates (dropped first if it exists):

- the schema (``migrate``: the shipped catalog, list types and measure list come with it), the calendar and
  the departments the shipped list types and measures name;
- subjects written with ``COPY`` by ``bench/public_data.py``'s generator (65 % organisations, 15 %
  个体工商户, 20 % natural persons with encrypted 身份证 numbers), without the name-search index (the
  check by code does not use it; ``--name-index`` builds it);
- background records (licences, penalties, registrations, commitments) generated inside PostgreSQL by the
  same generator: the penalties are the negative records the check's facts count;
- the list records: one 严重失信主体名单 record (black) or 守信激励 record (red, 10 %) per listed subject,
  of organisations and 个体工商户, through the records loader (``records_bulk_ingest``, which writes with
  ``COPY``), spread over the shipped mirrored list types; the list entries come from them through
  ``list_entries_sync`` as after every batch; 1 % of the records are marked disputed;
- 500 measures with conditions in a published rulebook: the shipped measure list and generated measures
  on every mirrored list type (conditions on subject kind, entry age, negative records, matters, stage,
  via_person …) with departments' own conditions on a fifth of them, validated by the condition language,
  and a matter register of 200 matters.

``--scale`` multiplies every count (0.01: 10,000 subjects, 1,000 entries; measures stay 500). A table
``bench_meta`` records what was built, so bench/check.py knows what it measures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import public_data  # noqa: E402  (bench/public_data.py: subjects and background records)

AS_OF = public_data.AS_OF
SUBJECTS = 1_000_000
ENTRIES = 100_000
BACKGROUND_RECORDS = 1_000_000
MEASURES = 500
MATTERS = 200
RED_SHARE = 0.10
DISPUTED_SHARE = 0.01
CHUNK = 5_000
# Departments of the shipped list types and measures (code, name); the first nine may submit
# 严重失信主体名单 records (the catalog item's source departments).
DEPARTMENTS = [
    ("court", "中级人民法院"),
    ("tax", "税务局"),
    ("samr", "市场监督管理局"),
    ("emergency", "应急管理局"),
    ("ecology", "生态环境局"),
    ("hrss", "人力资源和社会保障局"),
    ("finance", "财政局"),
    ("housing", "住房和城乡建设局"),
    ("transport", "交通运输局"),
    ("approval", "行政审批服务局"),
    ("dev-reform", "发展和改革委员会"),
    ("agriculture", "农业农村局"),
    ("civil-affairs", "民政局"),
    ("commerce", "商务局"),
    ("culture-tourism", "文化和旅游局"),
    ("health", "卫生健康委员会"),
    ("gov", "人民政府办公室"),
    ("customs", "海关"),
    ("pboc", "人民银行"),
    ("stats", "统计局"),
]
SOURCES = {code for code, _name in DEPARTMENTS[:9]}
BACKGROUND_SHARES = [("license", 0.45), ("penalty", 0.40), ("registration", 0.10), ("commitment", 0.05)]
STAGES = ["before", "during", "after"]


def _step(label: str, started: float) -> float:
    now = time.perf_counter()
    print(f"  {label}: {now - started:,.1f} s", flush=True)
    return now


def build_departments(seed: int) -> None:
    from xinyong.accounts.models import Department
    from xinyong.core.identifiers import generate_uscc

    rng = random.Random(seed)
    for code, name in DEPARTMENTS:
        Department.objects.update_or_create(
            code=code,
            defaults={"name": f"福州市{name}", "uscc": generate_uscc(rng, category="11", division="350100")},
        )


def build_subjects(*, count: int, seed: int, name_index: bool) -> None:
    """1,000,000 subjects with COPY (bench/public_data.py), the name-search index only when asked."""
    import xinyong.subjects.search as search

    saved = getattr(search, "subject_search_index", None)
    if not name_index:
        search.subject_search_index = None  # public_data's generator skips the index when it is absent
    try:
        public_data.build_subjects(count=count, seed=seed)
    finally:
        search.subject_search_index = saved


def build_background(*, count: int, seed: int) -> None:
    """Licences, penalties, registrations and commitments generated in PostgreSQL (bench/public_data.py)."""
    if count <= 0:
        return
    saved = public_data.ITEM_SHARES
    public_data.ITEM_SHARES = BACKGROUND_SHARES
    try:
        public_data.build_records(count=count, seed=seed)
    finally:
        public_data.ITEM_SHARES = saved


def _listed_subjects(*, count: int, seed: int) -> list[tuple[int, str, str, str]]:
    """(id, kind, name, uscc) of ``count`` distinct organisations and 个体工商户, drawn at random."""
    from django.db import connection

    from xinyong.core.codes import SubjectKind

    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [random.Random(seed).random() - 0.5])
        cursor.execute(
            "SELECT id, kind, name, uscc FROM subjects_subject WHERE kind <> %s AND uscc IS NOT NULL "
            "ORDER BY random() LIMIT %s",
            [SubjectKind.NATURAL_PERSON, count],
        )
        return cursor.fetchall()


def build_list_records(*, count: int, seed: int) -> tuple[list[int], int]:
    """The black and red list records through the loader; (their record ids, disputed count)."""
    from django.db import connection
    from django.utils import timezone

    from xinyong.accounts.models import Department
    from xinyong.catalog.selectors import catalog_item_current_version
    from xinyong.core.codes import SubjectKind
    from xinyong.lists.models import ListColour, ListingMode, ListType
    from xinyong.records.loading.ingest import records_bulk_ingest
    from xinyong.records.loading.prepare import RecordInput, RecordPreparer
    from xinyong.records.models import CreditRecord

    rng = random.Random(seed)
    departments = {d.code: d for d in Department.objects.all()}
    types = list(ListType.objects.filter(listing_mode=ListingMode.MIRRORED, active=True).order_by("code"))
    black = [t for t in types if t.colour == ListColour.BLACK and t.item_code == "serious_dishonesty"]
    red = [t for t in types if t.colour == ListColour.RED and t.item_code == "honour"]
    subjects = _listed_subjects(count=count, seed=seed)
    severities = {
        code: (catalog_item_current_version(code=code, on=AS_OF).severity_rules or {}).get("default", "")
        for code in ("serious_dishonesty", "honour")
    }
    received = timezone.make_aware(dt.datetime.combine(AS_OF, dt.time(9)))
    groups: dict[tuple[str, str], list[tuple[RecordInput, int]]] = {}
    kinds: dict[int, str] = {}
    for number, (subject_id, kind, name, uscc) in enumerate(subjects, start=1):
        kinds[subject_id] = kind
        decided = AS_OF - dt.timedelta(days=rng.randrange(1, 360))  # inside the shortest listing period
        is_red = kind == SubjectKind.ORGANISATION and rng.random() < RED_SHARE
        list_type = rng.choice(red if is_red else black)
        if not list_type.applies_to(kind):
            list_type = next(t for t in black if t.applies_to(kind))
        if is_red and list_type.colour == ListColour.RED:
            item = "honour"
            department = "samr"
            document = f"示荣〔{decided.year}〕{number}号"
            fields = {
                "RY_ZTMC": name,
                "RY_TYSHXYDM": uscc,
                "RY_RYMC": list_type.name,
                "RY_RDWH": document,
                "RY_RDRQ": decided.isoformat(),
                "RY_RDJG": "福州市市场监督管理局",
            }
        else:
            item = "serious_dishonesty"
            codes = [c for c in (list_type.department_codes or []) if c in SOURCES]
            department = codes[0] if codes else "court"
            document = f"示失〔{decided.year}〕{number}号"
            fields = {
                "SX_ZTMC": name,
                "SX_ZTLB": SubjectKind(kind).label,
                "SX_TYSHXYDM": uscc,
                "SX_MDMC": list_type.name,
                "SX_SXXW": f"{list_type.criteria[:60]}",
                "SX_RDYJ": list_type.legal_basis[:200],
                "SX_RDWSH": document,
                "SX_LRRQ": decided.isoformat(),
                "SX_RDJG": departments[department].name,
                "SX_RDJGDM": departments[department].uscc,
                "SX_LYDW": departments[department].name,
                "SX_LYDWDM": departments[department].uscc,
            }
            if rng.random() < 0.3:
                fields["SX_YXQZI"] = (AS_OF + dt.timedelta(days=rng.randrange(30, 1000))).isoformat()
        row = RecordInput(
            number=number,
            document_number=document,
            decision_date=decided,
            fields=fields,
            severity=severities[item],
        )
        groups.setdefault((item, department), []).append((row, subject_id))
    ids: list[int] = []
    for (item, code), rows in sorted(groups.items()):
        version = catalog_item_current_version(code=item, on=AS_OF)
        department = departments[code]
        preparer = RecordPreparer(item_version=version, department=department)
        for start in range(0, len(rows), CHUNK):
            chunk = [(preparer.prepare(row), subject_id) for row, subject_id in rows[start : start + CHUNK]]
            records_bulk_ingest(
                item_version=version,
                department=department,
                rows=chunk,
                channel="file",
                batch_ref=f"bench-lists-{item}-{code}",
                received_at=received,
                subject_kinds={s: kinds[s] for _r, s in chunk},
                preparer=preparer,
            )
        ids += CreditRecord.objects.filter(item__code=item, department=department).values_list(
            "pk", flat=True
        )
    disputed = 0
    with connection.cursor() as cursor:
        picked = [pk for pk in ids if rng.random() < DISPUTED_SHARE]
        if picked:
            cursor.execute("UPDATE records_creditrecord SET disputed = true WHERE id = ANY(%s)", [picked])
            disputed = len(picked)
    return ids, disputed


def build_entries(record_ids: list[int]) -> dict:
    from xinyong.lists.services import list_entries_sync

    report = list_entries_sync(record_ids=record_ids, as_of=AS_OF)
    print(f"  {report.summary()}", flush=True)
    return {"created": report.created, "unmapped": sum(report.unmapped.values())}


# Conditions of the generated measures (the condition language of docs/measures.md), in turn.
def _conditions(list_codes: list[str], matters: list[str]) -> list[dict]:
    return [
        {},
        {"pred": "subject_kind", "op": "in", "value": ["organisation"]},
        {"pred": "entry_age_days", "op": "gte", "value": 30},
        {"all": [{"pred": "subject_kind", "op": "in", "value": ["organisation", "individual_business"]},
                 {"pred": "negative_count_3y", "op": "gte", "value": 1}]},
        {"any": [{"pred": "entry_age_months", "op": "lte", "value": 12},
                 {"pred": "negative_count_3y", "op": "gte", "value": 2}]},
        {"pred": "matter", "op": "in", "value": matters[:5]},
        {"not": {"pred": "via_person", "op": "is", "value": True}},
        {"pred": "stage", "op": "in", "value": ["before", "during"]},
        {"pred": "list_type", "op": "in", "value": list_codes[:3]},
        {"all": [{"pred": "entry_age_days", "op": "lte", "value": 700},
                 {"not": {"pred": "subject_kind", "op": "in", "value": ["natural_person"]}}]},
    ]  # fmt: skip


def build_measures(*, count: int, matters: int, seed: int) -> dict:
    """A published rulebook of ``count`` measures (shipped ones plus generated), department conditions."""
    from django.db.models import Max

    from xinyong.accounts.models import Department, Role, User
    from xinyong.jrp.measures.conditions import condition_validate
    from xinyong.jrp.measures.services import rulebook_draft_create, rulebook_publish
    from xinyong.jrp.models import Matter, MatterStage, Measure, MeasureCondition
    from xinyong.lists.models import ListColour, ListingMode, ListType

    rng = random.Random(seed)
    departments = list(Department.objects.order_by("code"))
    last = Matter.objects.aggregate(n=Max("id"))["n"] or 0
    Matter.objects.bulk_create(
        Matter(
            code=f"BENCH-{last + i:05d}",
            name=f"示范事项 {i}",
            department=departments[i % len(departments)],
            kind="行政许可" if i % 3 else "公共服务",
            stage=STAGES[i % 3],
            source="bench",
        )
        for i in range(1, matters + 1)
    )
    matter_codes = list(Matter.objects.filter(source="bench").order_by("code").values_list("code", flat=True))
    types = list(ListType.objects.filter(active=True, listing_mode=ListingMode.MIRRORED).order_by("code"))
    operator = User.objects.create_user(username="bench-operator", password=None, role=Role.OPERATOR)
    draft = rulebook_draft_create(actor=operator, note="基准测试：生成的措施与部门条件")
    shipped = draft.measures.count()
    conditions = _conditions([t.code for t in types], matter_codes)
    for condition in conditions:
        condition_validate(condition)
    measures = []
    for n in range(max(0, count - shipped)):
        list_type = types[n % len(types)]
        black = list_type.colour == ListColour.BLACK
        department = departments[rng.randrange(len(departments))]
        measures.append(
            Measure(
                rulebook=draft,
                code=f"BENCH-{n + 1:04d}",
                kind="punishment" if black else "incentive",
                family=("rights", "management", "market")[n % 3] if black else "management",
                content=f"{'依法限制' if black else '优先办理'}{list_type.name}相关事项（基准测试措施 {n + 1}）",
                legal_basis=list_type.legal_basis[:500],
                target=list_type.name,
                list_type_codes=[list_type.code],
                matter_codes=rng.sample(matter_codes, 3) if n % 4 == 0 else [],
                implementing_department=department,
                stage=STAGES[n % 3],
                application="mandatory" if black and n % 2 == 0 else "recommended",
                condition=conditions[n % len(conditions)],
                extends_to_responsible_persons=black and n % 5 == 0,
                source="bench",
            )
        )
    Measure.objects.bulk_create(measures)
    own = [
        MeasureCondition(
            rulebook=draft,
            measure_code=m.code,
            department=m.implementing_department,
            expression=conditions[(i + 3) % len(conditions)],
            description="基准测试：部门自设条件",
        )
        for i, m in enumerate(measures)
        if i % 5 == 0
    ]
    MeasureCondition.objects.bulk_create(own)
    rulebook_publish(rulebook=draft, actor=operator, summary={"bench": True})
    return {"rulebook": draft.number, "measures": draft.measures.count(), "department_conditions": len(own),
            "matters": len(matter_codes), "stages": list(MatterStage.values)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/xinyong_checkbench")
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies subjects, entries and records")
    parser.add_argument("--measures", type=int, default=MEASURES)
    parser.add_argument("--seed", type=int, default=20261207)
    parser.add_argument("--name-index", action="store_true", help="also build the name-search index")
    args = parser.parse_args()
    subjects = max(1_000, int(SUBJECTS * args.scale))
    entries = max(100, int(ENTRIES * args.scale))
    background = int(BACKGROUND_RECORDS * args.scale)

    total = time.perf_counter()
    public_data.recreate_database(args.pg_url)
    public_data._django(args.pg_url)
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("calendar", "seed", verbosity=0)
    build_departments(args.seed)
    started = _step("建库、目录、名单类型、措施清单、日历、部门", started)
    build_subjects(count=subjects, seed=args.seed, name_index=args.name_index)
    started = _step(f"主体 {subjects:,}", started)
    build_background(count=background, seed=args.seed)
    started = _step(f"背景信用记录 {background:,}", started)
    record_ids, disputed = build_list_records(count=entries, seed=args.seed)
    started = _step(f"名单信用记录 {len(record_ids):,}（异议标注 {disputed:,}）", started)
    sync = build_entries(record_ids)
    started = _step(f"名单条目 {sync['created']:,}", started)
    measures = build_measures(count=args.measures, matters=MATTERS, seed=args.seed)
    started = _step(f"措施 {measures['measures']:,}，部门条件 {measures['department_conditions']:,}", started)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute(
            "SELECT count(*) FROM lists_listentry WHERE state = 'effective' AND "
            "(effective_until IS NULL OR effective_until >= %s) AND effective_from <= %s",
            [AS_OF, AS_OF],
        )
        effective = cursor.fetchone()[0]
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value text)")
        meta = {
            "subjects": subjects,
            "entries_effective": effective,
            "list_records": len(record_ids),
            "disputed": disputed,
            "background_records": background,
            "measures": measures["measures"],
            "department_conditions": measures["department_conditions"],
            "rulebook": measures["rulebook"],
            "matters": measures["matters"],
            "seed": args.seed,
            "as_of": AS_OF.isoformat(),
        }
        for key, value in meta.items():
            cursor.execute(
                "INSERT INTO bench_meta VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, str(value)],
            )
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
    _step("ANALYZE", started)
    print(
        f"完成：{subjects:,} 个主体，在列名单条目 {effective:,} 条，措施 {measures['measures']:,} 项，"
        f"数据库 {size}，共 {time.perf_counter() - total:,.0f} s"
    )


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinyong.settings")
    main()
