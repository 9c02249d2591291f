"""Builds a city-sized PostgreSQL database for the public-side benchmarks (bench/public.py).

    .venv/bin/python bench/public_data.py                                   # 1,000,000 subjects, 10,000,000 records
    .venv/bin/python bench/public_data.py --subjects 20000 --records 200000 --pg-url postgres://…/xinyong_public_s

What it builds (deterministic for a seed), in a database it creates (dropped first if it exists):

- the schema (``migrate``), the catalog, the calendar, 30 departments;
- subjects written with ``COPY`` from Python: 65 % organisations (companies named like real ones:
  region + trade name + industry + legal form, and social organisations), 15 % 个体工商户, 20 % natural persons
  (valid 身份证 numbers, encrypted and keyed-hashed as the registry stores them); the name-search index is built
  by the project's own ``subject_search_index`` when that module is present;
- credit records and their first versions generated inside PostgreSQL with ``INSERT … SELECT`` over
  ``generate_series`` (licences, penalties with severity tiers and penalty kinds, registrations, commitments,
  honours, abnormal operations and serious-dishonesty entries in field-like proportions), decision dates over
  the last 3½ years, the item's disclosure scope for the subject's kind, and the publication window computed
  by the project's own ``WindowCalculator`` once per distinct (item, date, tier, penalty kinds, department).

Loading 10^7 rows through indexes row by row would take hours; like any bulk load, the secondary indexes and
constraints of the two record tables are dropped first and rebuilt at the end (foreign keys re-added
``NOT VALID``: the generator writes only existing ids), then the tables are analysed.

A table ``bench_meta`` records what was built, so bench/public.py can check it is measuring what it thinks.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2026, 11, 20)
FIRST_DECISION = dt.date(2023, 5, 1)
CHUNK_SUBJECTS = 50_000
CHUNK_RECORDS = 1_000_000

REGIONS = [
    ("福州市", "350100"),
    ("闽侯县", "350121"),
    ("连江县", "350122"),
    ("罗源县", "350123"),
    ("闽清县", "350124"),
    ("永泰县", "350125"),
    ("福清市", "350181"),
    ("长乐区", "350112"),
    ("鼓楼区", "350102"),
    ("台江区", "350103"),
    ("仓山区", "350104"),
    ("晋安区", "350111"),
]
TRADE_CHARS = (
    "恒宏鑫华金瑞新益诚永天众博润盛泰嘉德富兴佳和隆丰源信达安康昌锐民成远泽邦宇辉通利旺业发鼎阳晟茂祥顺创"
    "星海川峰岚林森涛鸿鹏凯俊豪骏腾飞翔航舟远景明亮光辰晨曦朗晴雅韵诗书墨香兰菊竹梅松柏桐榕"
    "东南西北中凯旋乐怡欣悦嘉禾麦稻谷粮仓福禄寿喜吉祥如意合众汇聚联创科技智能网络云端数码"
)
INDUSTRIES = [
    "科技", "贸易", "商贸", "建筑工程", "建材", "食品", "餐饮管理", "物流", "运输", "化工", "机械制造", "电子",
    "纺织", "服装", "家具", "医药", "医疗器械", "房地产开发", "物业管理", "酒店管理", "文化传媒", "广告",
    "教育咨询", "信息技术", "软件", "网络科技", "环保科技", "新能源", "汽车销售服务", "农业开发", "茶业",
    "水产", "矿业", "印刷", "包装", "五金", "电器", "装饰工程", "园林绿化", "劳务派遣",
]  # fmt: skip
LEGAL_FORMS = ["有限公司", "有限公司", "有限公司", "有限责任公司", "股份有限公司"]
SHOPS = [
    "便利店",
    "小吃店",
    "五金店",
    "理发店",
    "水果店",
    "副食店",
    "服装店",
    "维修部",
    "餐馆",
    "药店",
    "茶庄",
]
SOCIAL = ["行业协会", "商会", "培训学校", "幼儿园", "养老院", "社会工作服务中心", "民办医院"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文辉鹏飞玲燕萍春兰海波宇浩俊峰婷雪琴欣怡晨阳斌林金荣"
DEPARTMENTS = [
    ("samr", "市场监督管理局", "市监"),
    ("tax", "税务局", "税"),
    ("env", "生态环境局", "环"),
    ("emergency", "应急管理局", "应急"),
    ("housing", "住房和城乡建设局", "建"),
    ("transport", "交通运输局", "交"),
    ("health", "卫生健康委员会", "卫"),
    ("education", "教育局", "教"),
    ("hrss", "人力资源和社会保障局", "人社"),
    ("natres", "自然资源和规划局", "自然资源"),
    ("agri", "农业农村局", "农"),
    ("water", "水利局", "水"),
    ("culture", "文化和旅游局", "文旅"),
    ("medical", "医疗保障局", "医保"),
    ("fire", "消防救援支队", "消"),
    ("urban", "城市管理局", "城管"),
    ("commerce", "商务局", "商"),
    ("finance", "财政局", "财"),
    ("police", "公安局", "公"),
    ("civil", "民政局", "民"),
    ("stats", "统计局", "统"),
    ("court", "中级人民法院", "法"),
    ("customs", "海关", "关"),
    ("pboc", "人民银行", "人行"),
    ("forestry", "林业局", "林"),
    ("sport", "体育局", "体"),
    ("veterans", "退役军人事务局", "退役"),
    ("grain", "粮食和物资储备局", "粮"),
    ("drc", "发展和改革委员会", "发改"),
    ("justice", "司法局", "司法"),
]
# Item shares of the records (a prefecture city's mix: licences and penalties dominate).
ITEM_SHARES = [
    ("license", 0.45),
    ("penalty", 0.33),
    ("registration", 0.10),
    ("commitment", 0.05),
    ("abnormal_operations", 0.04),
    ("honour", 0.02),
    ("serious_dishonesty", 0.01),
]
PENALTY_KINDS = [
    (["罚款"], 0.55),
    (["警告"], 0.12),
    (["警告", "罚款"], 0.12),
    (["罚款", "没收违法所得"], 0.08),
    (["通报批评"], 0.04),
    (["责令停产停业", "罚款"], 0.03),
    (["吊销许可证件"], 0.02),
    (["限制从业", "罚款"], 0.02),
    (["暂扣许可证件", "罚款"], 0.02),
]
LICENCE_KINDS = ["普通", "普通", "普通", "认可", "核准", "登记", "特许", "其他"]


# --------------------------------------------------------------------------------------------------------


def _django(db_url: str) -> None:
    os.environ["DATABASE_URL"] = db_url
    os.environ["XINYONG_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinyong.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def _admin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres")), parts.path.lstrip("/")


def recreate_database(url: str) -> None:
    import psycopg

    admin, name = _admin(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _step(label: str, started: float) -> float:
    now = time.perf_counter()
    print(f"  {label}: {now - started:,.1f} s", flush=True)
    return now


# --------------------------------------------------------------------------------------------------------
# Subjects


class Names:
    """Company, shop and person names; company names are unique."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.seen: set[str] = set()

    def person(self) -> str:
        rng = self.rng
        return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))

    def company(self, region: str) -> str:
        rng = self.rng
        for length in (2, 2, 2, 3, 3, 4):
            trade = "".join(rng.sample(TRADE_CHARS, length))
            name = f"{region}{trade}{rng.choice(INDUSTRIES)}{rng.choice(LEGAL_FORMS)}"
            if name not in self.seen:
                self.seen.add(name)
                return name
        raise RuntimeError("name space exhausted")

    def shop(self, region: str) -> str:
        rng = self.rng
        for _ in range(20):
            name = f"{region}{self.person()}{rng.choice(SHOPS)}"
            if name not in self.seen:
                self.seen.add(name)
                return name
        return self.company(region)

    def social(self, region: str) -> str:
        rng = self.rng
        for length in (2, 2, 3, 3, 4):
            name = f"{region}{''.join(rng.sample(TRADE_CHARS, length))}{rng.choice(SOCIAL)}"
            if name not in self.seen:
                self.seen.add(name)
                return name
        return self.company(region)


def _field_defaults(model, explicit: set[str]) -> dict:
    """Values for the model's columns this generator does not set: each field's own default."""
    values = {}
    for f in model._meta.concrete_fields:
        if f.attname in explicit:
            continue
        default = f.get_default()
        values[f.attname] = default
    return values


def _copy(cursor, table: str, columns: list[str], rows) -> None:
    names = ", ".join(f'"{c}"' for c in columns)
    with cursor.cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)


def build_subjects(*, count: int, seed: int) -> int:
    from django.db import connection, transaction
    from django.utils import timezone

    from xinyong.core.codes import SubjectKind
    from xinyong.core.identifiers import generate_ric, generate_uscc
    from xinyong.core.masking import mask_ric
    from xinyong.subjects import crypto
    from xinyong.subjects.models import Subject
    from xinyong.subjects.names import normalize_name

    try:
        from xinyong.subjects.search import subject_search_index
    except ImportError:  # the name index is optional for the generator
        subject_search_index = None

    rng = random.Random(seed)
    names = Names(rng)
    codes: set[str] = set()
    explicit = {
        "id",
        "kind",
        "org_type",
        "uscc_category",
        "uscc_category_name",
        "uscc",
        "ric_encrypted",
        "ric_hmac",
        "ric_masked",
        "name",
        "name_normalized",
        "created_source",
        "created_at",
        "updated_at",
    }
    defaults = _field_defaults(Subject, explicit)
    columns = [*sorted(explicit), *defaults]
    now = timezone.now()
    categories = {
        "91": ("enterprise", "企业"),
        "92": ("individual_business", "个体工商户"),
        "52": ("social", "民办非企业单位"),
    }
    from xinyong.subjects.models import OrganisationType

    org_types = set(OrganisationType.values)

    def code(category: str, division: str) -> str:
        while True:
            value = generate_uscc(rng, category=category, division=division)
            if value not in codes:
                codes.add(value)
                return value

    made = 0
    next_id = 1
    table = Subject._meta.db_table
    while made < count:
        batch = min(CHUNK_SUBJECTS, count - made)
        rows = []
        for _ in range(batch):
            region, division = rng.choice(REGIONS)
            roll = rng.random()
            values = dict.fromkeys(explicit, "")
            values.update(
                id=next_id, created_at=now, updated_at=now, created_source="bench", uscc=None, ric_hmac=None
            )
            if roll < 0.60:
                name, category = names.company(region), "91"
            elif roll < 0.65:
                name, category = names.social(region), "52"
            elif roll < 0.80:
                name, category = names.shop(region), "92"
            else:
                name, category = names.person(), ""
            if category:
                uscc = code(category, division)
                org_type, category_name = categories[category]
                values.update(
                    kind=SubjectKind.INDIVIDUAL_BUSINESS if category == "92" else SubjectKind.ORGANISATION,
                    uscc=uscc,
                    uscc_category=category,
                    uscc_category_name=category_name,
                    org_type=org_type if org_type in org_types else "",
                )
            else:
                birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(365 * 55))
                while True:
                    ric = generate_ric(rng, birth_date=birth, sex=rng.choice("MF"), region=division)
                    if ric not in codes:
                        codes.add(ric)
                        break
                values.update(
                    kind=SubjectKind.NATURAL_PERSON,
                    ric_encrypted=crypto.encrypt(ric),
                    ric_hmac=crypto.ric_hmac(ric),
                    ric_masked=mask_ric(ric),
                )
            values["name"] = name
            values["name_normalized"] = normalize_name(name)
            values.update(defaults)
            rows.append(tuple(values[c] for c in columns))
            next_id += 1
        with transaction.atomic(), connection.cursor() as cursor:
            _copy(cursor, table, columns, rows)
        if subject_search_index is not None:
            subject_search_index(subject_ids=list(range(next_id - batch, next_id)))
        made += batch
        print(f"  主体 {made:,}/{count:,}", flush=True)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), %s)", [next_id])
    return made


# --------------------------------------------------------------------------------------------------------
# Records


def _secondary_ddl(cursor, tables: list[str]) -> tuple[list[str], list[str]]:
    """(drop statements, re-create statements) for the non-primary-key indexes and constraints."""
    drops, creates = [], []
    cursor.execute(
        """
        SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid), c.contype
        FROM pg_constraint c WHERE c.conrelid = ANY(%s::regclass[]) AND c.contype IN ('u', 'f')
        """,
        [tables],
    )
    constraints = cursor.fetchall()
    for table, name, definition, kind in constraints:
        drops.append(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        suffix = " NOT VALID" if kind == "f" else ""
        creates.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}{suffix}')
    names = {name for _t, name, _d, _k in constraints}
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) AND indexname NOT LIKE %s",
        [tables, "%_pkey"],
    )
    for name, definition in cursor.fetchall():
        if name in names:
            continue
        drops.append(f'DROP INDEX "{name}"')
        creates.insert(0, definition)  # indexes before constraints
    return drops, creates


WINDOW_COLUMNS_LIST = [
    "publish_from",
    "publish_until",
    "publishable",
    "repair_from",
    "no_early_stop",
    "window_rule",
    "rule_set_code",
]
WINDOW_COLUMNS = ", ".join(WINDOW_COLUMNS_LIST)
WINDOW_TYPES = ["date", "date", "boolean", "date", "boolean", "text", "text"]


def _windows(cursor, calculator, item_versions) -> None:
    """Publication windows of the chunk's rows by the project's own rules, once per distinct input."""
    from xinyong.records.rules import window_values

    cursor.execute(
        "SELECT DISTINCT b.version_id, b.decision_date, b.severity, b.kinds_slot, b.dept_code, k.kinds "
        "FROM bench_rows b JOIN bench_kinds k ON k.slot = b.kinds_slot"
    )
    rows = []
    for version_id, decision_date, severity, kinds_slot, dept_code, kinds in cursor.fetchall():
        version = item_versions[version_id]
        code = version.item.code
        if code == "penalty":
            # Django's PostgreSQL backend hands jsonb to Python as text (JSONField decodes it itself).
            fields = {"CF_CFLB": json.loads(kinds) if isinstance(kinds, str) else kinds}
        elif code == "license":
            fields = {
                "XK_YXQZI": (
                    decision_date.replace(year=decision_date.year + 5, day=min(decision_date.day, 28))
                ).isoformat()
            }
        else:
            fields = {}
        window = calculator.window(
            item_version=version,
            decision_date=decision_date,
            severity=severity,
            fields=fields,
            department_code=dept_code,
        )
        values = window_values(window=window, publish_from=None, publish_until=None)
        rows.append(
            (
                version_id,
                decision_date,
                severity,
                kinds_slot,
                dept_code,
                *(values[c] for c in WINDOW_COLUMNS_LIST),
            )
        )
    cursor.execute("DROP TABLE IF EXISTS bench_win")
    columns = ", ".join(f"{c} {t}" for c, t in zip(WINDOW_COLUMNS_LIST, WINDOW_TYPES, strict=True))
    cursor.execute(
        "CREATE UNLOGGED TABLE bench_win (version_id bigint, decision_date date, severity text, kinds_slot int, "
        f"dept_code text, {columns})"
    )
    _copy(
        cursor,
        "bench_win",
        ["version_id", "decision_date", "severity", "kinds_slot", "dept_code", *WINDOW_COLUMNS_LIST],
        rows,
    )
    cursor.execute(
        "CREATE UNLOGGED TABLE bench_rows_w AS SELECT b.*, "
        + ", ".join(f"w.{c}" for c in WINDOW_COLUMNS_LIST)
        + " FROM bench_rows b JOIN bench_win w USING (version_id, decision_date, severity, kinds_slot, dept_code)"
    )
    cursor.execute("DROP TABLE bench_rows")
    cursor.execute("ALTER TABLE bench_rows_w RENAME TO bench_rows")


def _choices_sql(options: list[tuple[str, float]], roll: str) -> str:
    """CASE expression picking option i when the uniform ``roll`` falls in its share."""
    parts, edge = [], 0.0
    for value, share in options[:-1]:
        edge += share
        parts.append(f"WHEN {roll} < {edge:.6f} THEN {value}")
    return f"CASE {' '.join(parts)} ELSE {options[-1][0]} END"


def build_records(*, count: int, seed: int) -> dict:
    from django.db import connection, transaction
    from django.utils import timezone

    from xinyong.accounts.models import Department
    from xinyong.catalog.selectors import catalog_item_current_version
    from xinyong.core.codes import SubjectKind
    from xinyong.records.models import CreditRecord, CreditRecordVersion

    records_table, versions_table = CreditRecord._meta.db_table, CreditRecordVersion._meta.db_table
    items = {code: catalog_item_current_version(code=code, on=AS_OF) for code, _share in ITEM_SHARES}
    departments = list(Department.objects.order_by("id").values_list("id", "name", "code"))
    abbreviations = dict((code, abbr) for code, _name, abbr in DEPARTMENTS)

    with connection.cursor() as cursor:
        drops, creates = _secondary_ddl(cursor, [records_table, versions_table])
        for statement in drops:
            cursor.execute(statement)
        # Subjects by group, numbered for uniform picks by row number.
        cursor.execute("DROP TABLE IF EXISTS bench_pick")
        cursor.execute(
            "CREATE UNLOGGED TABLE bench_pick AS SELECT row_number() OVER (ORDER BY id) AS rn, id, kind, name "
            "FROM subjects_subject WHERE kind <> %s",
            [SubjectKind.NATURAL_PERSON],
        )
        cursor.execute(
            "CREATE UNLOGGED TABLE bench_pick_all AS SELECT row_number() OVER (ORDER BY id) AS rn, "
            "id, kind, name FROM subjects_subject"
        )
        cursor.execute("CREATE UNIQUE INDEX ON bench_pick (rn)")
        cursor.execute("CREATE UNIQUE INDEX ON bench_pick_all (rn)")
        cursor.execute("SELECT count(*) FROM bench_pick")
        n_org = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM bench_pick_all")
        n_all = cursor.fetchone()[0]
        cursor.execute("DROP TABLE IF EXISTS bench_item")
        cursor.execute(
            "CREATE UNLOGGED TABLE bench_item (slot int, code text, item_id bigint, version_id bigint, "
            "scope_org text, scope_person text, polarity text, persons bool, prefix text, name_code text, "
            "doc_code text, date_code text)"
        )
        for slot, (code, _share) in enumerate(ITEM_SHARES):
            version = items[code]
            cursor.execute(
                "INSERT INTO bench_item VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [
                    slot,
                    code,
                    version.item_id,
                    version.pk,
                    version.scope_for(SubjectKind.ORGANISATION),
                    version.scope_for(SubjectKind.NATURAL_PERSON),
                    version.polarity,
                    SubjectKind.NATURAL_PERSON in (version.subject_kinds or []),
                    version.core_fields.get("subject_name", "MC").split("_")[0],
                    version.core_fields.get("subject_name", "MC"),
                    version.core_fields.get("document_number", "WSH"),
                    version.core_fields.get("decision_date", "RQ"),
                ],
            )
        cursor.execute("DROP TABLE IF EXISTS bench_dept")
        cursor.execute(
            "CREATE UNLOGGED TABLE bench_dept (slot int, id bigint, name text, abbr text, code text)"
        )
        for slot, (pk, name, code) in enumerate(departments):
            cursor.execute(
                "INSERT INTO bench_dept VALUES (%s, %s, %s, %s, %s)",
                [slot, pk, name, abbreviations.get(code, "示"), code],
            )
        cursor.execute("DROP TABLE IF EXISTS bench_kinds")
        cursor.execute("CREATE UNLOGGED TABLE bench_kinds (slot int, kinds jsonb, label text)")
        for slot, (kinds, _share) in enumerate(PENALTY_KINDS):
            cursor.execute(
                "INSERT INTO bench_kinds VALUES (%s, %s::jsonb, %s)",
                [slot, json.dumps(kinds, ensure_ascii=False), "、".join(kinds)],
            )

    item_slot = _choices_sql([(str(i), share) for i, (_c, share) in enumerate(ITEM_SHARES)], "r.r_item")
    kinds_slot = _choices_sql([(str(i), share) for i, (_k, share) in enumerate(PENALTY_KINDS)], "r.r_kind")
    span = (AS_OF - FIRST_DECISION).days
    now = timezone.now()
    record_explicit = {
        "id", "item_id", "department_id", "document_number", "document_number_key", "subject_id",
        "current_version_id", "item_version_id", "subject_kind", "disclosure_scope", "decision_date",
        "severity", "polarity", "status", "duplicate_count", "lag_working_days", "lag_provisional", "is_late",
        "created_at", "updated_at", *WINDOW_COLUMNS_LIST,
    }  # fmt: skip
    version_explicit = {
        "id", "record_id", "number", "item_version_id", "subject_id", "document_number", "decision_date",
        "severity", "polarity", "status", "fields", "fields_protected", "content_hash", "channel", "batch_ref",
        "received_at", "created_at", *WINDOW_COLUMNS_LIST,
    }  # fmt: skip
    record_defaults = _field_defaults(CreditRecord, record_explicit)
    version_defaults = _field_defaults(CreditRecordVersion, version_explicit)

    def literal_columns(defaults: dict) -> tuple[str, str, list]:
        names = "".join(f', "{c}"' for c in defaults)
        marks = "".join(", %s" for _c in defaults)
        return names, marks, list(defaults.values())

    from xinyong.catalog.models import CatalogItemVersion
    from xinyong.records.windows import WindowCalculator

    calculator = WindowCalculator.load()
    item_versions = {iv.pk: iv for iv in CatalogItemVersion.objects.select_related("item")}
    window_values = ", ".join(f"b.{c}" for c in WINDOW_COLUMNS_LIST)
    r_names, r_marks, r_params = literal_columns(record_defaults)
    v_names, v_marks, v_params = literal_columns(version_defaults)
    started = time.perf_counter()
    done = 0
    while done < count:
        batch = min(CHUNK_RECORDS, count - done)
        first, last = done + 1, done + batch
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
            # A different random stream per chunk (the same seed would repeat the first chunk's choices).
            cursor.execute("SELECT setseed(%s)", [random.Random(seed * 1_000 + first).random()])
            cursor.execute("DROP TABLE IF EXISTS bench_rows")
            # One row per record: every random choice made once, then reused by both inserts.
            cursor.execute(
                f"""
                CREATE UNLOGGED TABLE bench_rows AS
                WITH r AS (
                    SELECT g, random() AS r_item, random() AS r_kind, random() AS r_sev, random() AS r_subj,
                           random() AS r_dept, floor(random() * {span})::int AS r_day, random() AS r_status,
                           random() AS r_amount, random() AS r_lag
                    FROM generate_series(%s::bigint, %s::bigint) AS g
                ), s AS (
                    SELECT r.*, ({item_slot}) AS item_slot, ({kinds_slot}) AS kinds_slot FROM r
                )
                SELECT s.g AS id, i.code, i.item_id, i.version_id, i.polarity, i.prefix, i.name_code,
                       i.doc_code, i.date_code,
                       d.id AS department_id, d.name AS department_name, d.abbr, d.code AS dept_code,
                       s.kinds_slot,
                       p.id AS subject_id, p.kind AS subject_kind, p.name AS subject_name,
                       CASE WHEN p.kind = %s THEN i.scope_person ELSE i.scope_org END AS scope,
                       DATE %s + s.r_day AS decision_date,
                       CASE WHEN i.code <> 'penalty' THEN ''
                            WHEN s.r_sev < 0.08 THEN 'serious' WHEN s.r_sev < 0.30 THEN 'minor'
                            ELSE 'general' END AS severity,
                       CASE WHEN s.r_status < 0.006 THEN 'revoked' ELSE 'effective' END AS status,
                       k.kinds, k.label AS kinds_label, round((s.r_amount * 20)::numeric, 2) AS amount,
                       floor(s.r_lag * s.r_lag * 12)::int AS lag
                FROM s
                JOIN bench_item i ON i.slot = s.item_slot
                JOIN bench_dept d ON d.slot = floor(s.r_dept * {len(departments)})::int
                JOIN bench_kinds k ON k.slot = s.kinds_slot
                JOIN LATERAL (
                    SELECT a.id, a.kind, a.name FROM bench_pick_all a
                    WHERE i.persons AND a.rn = 1 + floor(s.r_subj * {n_all})::bigint
                    UNION ALL
                    SELECT o.id, o.kind, o.name FROM bench_pick o
                    WHERE NOT i.persons AND o.rn = 1 + floor(s.r_subj * {n_org})::bigint
                ) p ON true
                """,
                [first, last, SubjectKind.NATURAL_PERSON, FIRST_DECISION],
            )
            _windows(cursor, calculator, item_versions)
            document = (
                "CASE b.code WHEN 'license' THEN '示' || b.abbr || '许〔' || extract(year FROM b.decision_date) "
                "|| '〕' || b.id || '号' WHEN 'penalty' THEN '示' || b.abbr || '罚〔' || "
                "extract(year FROM b.decision_date) || '〕' || b.id || '号' ELSE b.prefix || '-' || b.id END"
            )
            fields = (
                "CASE b.code WHEN 'penalty' THEN jsonb_build_object('CF_XDR_MC', b.subject_name, 'CF_WSH', "
                f"{document}, 'CF_CFLB', b.kinds, 'CF_WFXW', '违反' || b.department_name || '管理规定', 'CF_SY', "
                "'经查，当事人存在' || b.kinds_label || '所涉违法行为', 'CF_YJ', '《中华人民共和国行政处罚法》第二十八条', "
                "'CF_NR', b.kinds_label || '，罚款人民币' || b.amount || '万元', 'CF_NR_FK', b.amount, 'CF_JDRQ', "
                "b.decision_date::text, 'CF_CFJG', b.department_name) "
                f"WHEN 'license' THEN jsonb_build_object('XK_XDR_MC', b.subject_name, 'XK_WSH', {document}, 'XK_XKWS', "
                "'准予行政许可决定书', 'XK_XKLB', '普通', 'XK_NR', '准予从事相关经营活动', 'XK_JDRQ', "
                "b.decision_date::text, 'XK_YXQZ', b.decision_date::text, 'XK_YXQZI', "
                "(b.decision_date + interval '5 years')::date::text, 'XK_XKJG', b.department_name, 'XK_ZT', '有效') "
                f"ELSE jsonb_build_object(b.name_code, b.subject_name, b.doc_code, {document}, b.date_code, "
                "b.decision_date::text) END"
            )
            cursor.execute(
                f"""
                INSERT INTO "{versions_table}" (id, record_id, number, item_version_id, subject_id, document_number,
                    decision_date, severity, polarity, status, {WINDOW_COLUMNS}, fields,
                    fields_protected, content_hash, channel, batch_ref, received_at, created_at{v_names})
                SELECT b.id, b.id, 1, b.version_id, b.subject_id, {document}, b.decision_date, b.severity,
                       b.polarity, b.status, {window_values}, {fields}, '', md5(b.id::text),
                       'file', 'bench', b.decision_date + make_interval(days => b.lag + 1), %s{v_marks}
                FROM bench_rows b
                """,
                [now, *v_params],
            )
            cursor.execute(
                f"""
                INSERT INTO "{records_table}" (id, item_id, department_id, document_number, document_number_key,
                    subject_id, current_version_id, item_version_id, subject_kind, disclosure_scope,
                    decision_date, severity, polarity, status, {WINDOW_COLUMNS}, duplicate_count,
                    lag_working_days, lag_provisional, is_late, created_at, updated_at{r_names})
                SELECT b.id, b.item_id, b.department_id, {document}, {document}, b.subject_id, b.id,
                       b.version_id, b.subject_kind, b.scope, b.decision_date, b.severity, b.polarity, b.status,
                       {window_values}, 0, b.lag, false,
                       CASE WHEN b.code IN ('license', 'penalty') THEN b.lag > 7 END,
                       b.decision_date + make_interval(days => b.lag + 1), %s{r_marks}
                FROM bench_rows b
                """,
                [now, *r_params],
            )
        done += batch
        rate = done / (time.perf_counter() - started)
        print(f"  记录 {done:,}/{count:,}（{rate:,.0f} 行/秒）", flush=True)

    with connection.cursor() as cursor:
        for table in (records_table, versions_table):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), %s)", [count + 1])
        for name in ("bench_rows", "bench_pick", "bench_pick_all", "bench_item", "bench_dept", "bench_kinds"):
            cursor.execute(f"DROP TABLE IF EXISTS {name}")
        began = time.perf_counter()
        cursor.execute("SET maintenance_work_mem = '1GB'")
        for statement in creates:
            cursor.execute(statement)
        _step(f"重建 {len(creates)} 个索引和约束", began)
    return {"records": count}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/xinyong_public")
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=20261123)
    args = parser.parse_args()

    total = time.perf_counter()
    recreate_database(args.pg_url)
    _django(args.pg_url)
    from django.core.management import call_command
    from django.db import connection

    from xinyong.accounts.models import Department
    from xinyong.catalog.services import catalog_load_fixtures
    from xinyong.core.identifiers import generate_uscc

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    catalog_load_fixtures(as_of=dt.date(2019, 1, 1))
    call_command("calendar", "seed", verbosity=0)
    rng = random.Random(args.seed)
    for code, name, _abbr in DEPARTMENTS:
        Department.objects.create(
            code=code, name=f"福州市{name}", uscc=generate_uscc(rng, category="11", division="350100")
        )
    started = _step("建库、目录、日历、部门", started)
    build_subjects(count=args.subjects, seed=args.seed)
    started = _step(f"主体 {args.subjects:,}", started)
    build_records(count=args.records, seed=args.seed)
    started = _step(f"信用记录 {args.records:,}", started)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value text)")
        meta = {
            "subjects": args.subjects,
            "records": args.records,
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
        f"完成：{args.subjects:,} 个主体，{args.records:,} 条记录，数据库 {size}，共 {time.perf_counter() - total:,.0f} s"
    )


if __name__ == "__main__":
    main()
