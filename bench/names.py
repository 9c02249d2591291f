"""Name-check benchmark: recall@5 and latency of the name search over 1,000,000 names, on a hard variant set.

    .venv/bin/python bench/names.py --build                     # build xinyong_namebench (1,000,000 names), then run
    .venv/bin/python bench/names.py                             # run again on the database built before
    .venv/bin/python bench/names.py --build --names 20000 --pg-url postgres://…/xinyong_namebench_s

The registry (``--names`` subjects, written with ``COPY``) is built from a small set of parts recombined, so
that every target has distractors made of the same parts: about 90 regions (province, prefecture city,
county), 6,000 trade names (字号, two or three characters drawn from a pool full of homophones: 鑫/新/欣/馨,
宏/鸿/洪/弘 …, with a skewed popularity so that a popular trade name exists in hundreds of regions and
industries), 40 industries (行业) and the legal forms 有限公司 / 有限责任公司 / 股份有限公司 / 专业合作社 /
个体工商户 (…店, …经营部, …商行). Some names carry their region in brackets after the trade name
(某某（商丘）食品有限公司). (region, trade name, industry, legal form) is unique, as the registration rules
require within one registration authority; 有限公司 and 有限责任公司 are one legal form.

Query variants of sampled targets, one class each:

- ``bracket``: the region moved into brackets after the trade name (商丘市某某食品有限公司 → 某某（商丘）食品有限公司),
  or out of them to the front;
- ``no_region``: the region dropped, for targets whose trade name exists in at least 5 regions. Such a query
  names any of the subjects with the same trade name, industry and legal form equally well: each of them
  is a right answer (the *equivalence set*); a hit in another industry or legal form is not;
- ``legal_form``: 有限公司 ↔ 有限责任公司;
- ``homophone``: one trade-name character replaced by another with the same toneless reading (from the
  pool: the replacement is often a real trade name elsewhere in the registry);
- ``shape``: one trade-name character replaced by a similar-shape character (形近字, small table below);
- ``traditional``: the whole name in traditional characters (OpenCC s2t).

A variant that spells exactly another subject's name (after normalisation) is not used: that subject would
rightly come first. For each class the benchmark prints recall@5 (a right subject among the first five) and
the p50/p95 latency of ``subject_search(query=…, limit=5)`` (in-process, warm), of the same search on the
index as it was before this benchmark (``--before``, the module loaded from git and pointed at its own copy
of the index tables) and, on a sample (``--brute`` queries per class), of a brute-force rapidfuzz scan
(``process.extract`` with ``WRatio`` over all normalised names).
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

from public_data import _copy, _django, _field_defaults, recreate_database  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/xinyong_namebench"
BEFORE = "58595d7"  # the commit whose name index is measured as "before"
CHUNK = 50_000

# (province, prefecture city, counties of that city) — real names, a few per province.
REGIONS = [
    ("河南", "商丘", ("睢阳区", "梁园区", "虞城县", "夏邑县", "永城市")),
    ("河南", "郑州", ("金水区", "中原区", "新郑市", "中牟县")),
    ("河南", "洛阳", ("涧西区", "偃师区", "孟津区")),
    ("河南", "开封", ("杞县", "通许县", "兰考县")),
    ("河南", "周口", ("项城市", "淮阳区", "太康县")),
    ("山东", "济南", ("历下区", "章丘区", "平阴县")),
    ("山东", "青岛", ("黄岛区", "即墨区", "胶州市")),
    ("山东", "临沂", ("兰山区", "沂水县", "费县")),
    ("山东", "潍坊", ("寿光市", "诸城市", "青州市")),
    ("江苏", "苏州", ("昆山市", "吴江区", "常熟市")),
    ("江苏", "徐州", ("沛县", "丰县", "邳州市")),
    ("江苏", "南通", ("海门区", "如皋市", "启东市")),
    ("浙江", "杭州", ("余杭区", "萧山区", "桐庐县")),
    ("浙江", "温州", ("瑞安市", "乐清市", "永嘉县")),
    ("浙江", "金华", ("义乌市", "东阳市", "永康市")),
    ("福建", "福州", ("闽侯县", "连江县", "福清市")),
    ("福建", "泉州", ("晋江市", "石狮市", "安溪县")),
    ("广东", "广州", ("天河区", "番禺区", "从化区")),
    ("广东", "深圳", ("南山区", "宝安区", "龙岗区")),
    ("广东", "佛山", ("顺德区", "南海区", "三水区")),
    ("四川", "成都", ("武侯区", "双流区", "郫都区")),
    ("四川", "绵阳", ("涪城区", "江油市", "三台县")),
    ("湖北", "武汉", ("江夏区", "黄陂区", "蔡甸区")),
    ("湖北", "襄阳", ("枣阳市", "宜城市", "谷城县")),
    ("湖南", "长沙", ("浏阳市", "宁乡市", "望城区")),
    ("河北", "保定", ("涿州市", "定州市", "安国市")),
    ("河北", "石家庄", ("正定县", "辛集市", "晋州市")),
    ("安徽", "合肥", ("肥西县", "长丰县", "巢湖市")),
    ("安徽", "阜阳", ("界首市", "太和县", "临泉县")),
    ("江西", "赣州", ("瑞金市", "于都县", "南康区")),
]
# Trade-name characters: many homophone groups, so that a one-character slip often spells another real
# trade name (the homophone table is derived from this pool with pypinyin).
TRADE_POOL = (
    "鑫新欣馨心星兴 宏鸿洪弘红 恒衡亨 华化 达大 瑞锐睿 源元园圆远 祥翔 丰峰锋枫 盛胜圣晟 泰太 嘉佳家 德 "
    "富福 和禾合 隆龙 昌长 利力立丽 旺 发 鼎 阳洋扬 茂 顺 创 海 川 林琳霖 森 涛 鹏 凯 俊骏峻 腾 飞菲 航 "
    "景京晶精 明铭 辰晨 朗 晴 雅 韵 诗 书 墨 兰蓝 梅美 松 柏 乐 怡宜 悦越 谷 禄 寿 喜 吉 意 众 汇惠慧 聚 "
    "联 科 智志 云 金 诚 永 天 博 润 安 康 信 民 成 泽 邦 宇 辉 通 业 亮 光 东 中 豪"
).replace(" ", "")
# 形近字: similar-shape characters for pool characters (the replacement is never the same reading).
SHAPES = {
    "晴": "睛", "泰": "秦", "己": "已", "天": "夭", "宏": "宠", "博": "傅", "润": "涧", "佳": "桂",
    "成": "戍", "远": "运", "泽": "译", "邦": "帮", "宇": "字", "通": "涌", "业": "亚", "发": "友",
    "茂": "戊", "祥": "详", "海": "梅", "梅": "海", "林": "材", "鹏": "鹛", "明": "朋", "亮": "壳",
    "朗": "郎", "诗": "持", "墨": "黑", "柏": "拍", "怡": "治", "欣": "钦", "谷": "各", "吉": "古",
    "合": "含", "汇": "江", "科": "料", "云": "去", "金": "全", "永": "水", "民": "氏", "安": "宋",
    "信": "倍", "辉": "挥", "光": "先", "东": "车", "中": "申", "豪": "毫", "旺": "汪", "川": "州",
    "森": "淼", "腾": "滕", "凯": "剀", "航": "舫", "景": "晾", "辰": "宸", "雅": "鸦", "乐": "尔",
    "书": "韦", "松": "私", "禄": "绿", "寿": "涛", "喜": "嘉", "意": "章", "众": "从", "聚": "娶",
    "联": "朕", "智": "知", "德": "得", "和": "利", "隆": "降", "昌": "冒", "利": "刹", "鼎": "鼐",
    "阳": "阴", "顺": "须", "创": "刨", "峰": "锋", "盛": "晟", "华": "毕", "达": "这", "瑞": "端",
    "康": "庚", "诚": "城", "恒": "垣", "丰": "半", "富": "副", "兴": "光", "源": "原",
}  # fmt: skip
INDUSTRIES = [
    "科技", "贸易", "商贸", "建筑工程", "建材", "食品", "餐饮管理", "物流", "运输", "化工", "机械制造", "电子",
    "纺织", "服装", "家具", "医药", "医疗器械", "房地产开发", "物业管理", "酒店管理", "文化传媒", "广告",
    "教育咨询", "信息技术", "软件", "网络科技", "环保科技", "新能源", "汽车销售服务", "农业开发", "茶业",
    "水产", "矿业", "印刷", "包装", "五金", "电器", "装饰工程", "园林绿化", "劳务派遣",
]  # fmt: skip
# (legal form class, spellings with weights); an individual business (个体) ends its name with a shop word.
FORMS = [
    ("llc", "有限公司", 0.55),
    ("llc", "有限责任公司", 0.15),
    ("jsc", "股份有限公司", 0.10),
    ("coop", "专业合作社", 0.06),
    ("ib", "店", 0.06),
    ("ib", "经营部", 0.05),
    ("ib", "商行", 0.03),
]
CLASSES = ("bracket", "no_region", "legal_form", "homophone", "shape", "traditional")


def _step(label: str, started: float) -> float:
    now = time.perf_counter()
    print(f"  {label}: {now - started:,.1f} s", flush=True)
    return now


# --------------------------------------------------------------------------------------------------------
# The registry


def region_units() -> list[tuple[str, str, str]]:
    """Region units a subject is registered in: (key, province, city, county or '')."""
    units = []
    for province, city, counties in REGIONS:
        units.append((city, province, city, ""))
        units.extend((county, province, city, county) for county in counties)
    return units


def trade_names(rng: random.Random, count: int) -> list[str]:
    pool = sorted(set(TRADE_POOL))
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < count:
        trade = "".join(rng.sample(pool, 2 if rng.random() < 0.8 else 3))
        if trade not in seen:
            seen.add(trade)
            names.append(trade)
    return names


def spell(*, unit: tuple, trade: str, industry: str, form: str, form_class: str, style: str) -> str:
    """The registered name: region first (城市 with 市, or 省+市, or the county), or in brackets."""
    _key, province, city, county = unit
    if form_class == "ib":
        region = county or f"{city}市"
        return f"{region}{trade}{industry}{form}"
    if style == "bracket":
        # a county by its name without its ending when that leaves two characters (虞城, but 沛县)
        inside = (county[:-1] if len(county) > 2 else county) if county else city
        return f"{trade}（{inside}）{industry}{form}"
    if county:
        return f"{county}{trade}{industry}{form}"
    if style == "province":
        return f"{province}省{city}市{trade}{industry}{form}"
    return f"{city}市{trade}{industry}{form}"


def generate(count: int, seed: int):
    """Yield (id, name, region key, trade, industry, form class, form, style), unique per (region, trade,
    industry, form class)."""
    rng = random.Random(seed)
    units = region_units()
    trades = trade_names(rng, max(200, count // 160))
    # Skewed popularity: a few trade names are everywhere (恒鑫, 华达 …), most are rare.
    cumulative = list(itertools.accumulate(1.0 / (i + 10) ** 0.8 for i in range(len(trades))))
    form_weights = [w for *_, w in FORMS]
    seen: set[tuple] = set()
    made = 0
    while made < count:
        unit = rng.choice(units)
        (trade,) = rng.choices(trades, cum_weights=cumulative)
        industry = rng.choice(INDUSTRIES)
        ((form_class, form, _w),) = rng.choices(FORMS, form_weights)
        key = (unit[0], trade, industry, form_class)
        if key in seen:
            continue
        seen.add(key)
        roll = rng.random()
        style = "bracket" if roll < 0.08 else "province" if roll < 0.2 else "plain"
        made += 1
        name = spell(unit=unit, trade=trade, industry=industry, form=form, form_class=form_class, style=style)
        yield made, name, unit[0], trade, industry, form_class, form, style


def build(args) -> None:
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from xinyong.core.codes import SubjectKind
    from xinyong.subjects.models import Subject
    from xinyong.subjects.names import normalize_name

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    started = _step("migrate", started)
    explicit = {"id", "kind", "name", "name_normalized", "created_source", "created_at", "updated_at", "uscc"}
    defaults = _field_defaults(Subject, explicit)
    columns = [*sorted(explicit), *defaults]
    now = timezone.now()
    table = Subject._meta.db_table
    rows, parts = [], []
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_names (id bigint PRIMARY KEY, region text, trade text, industry text, "
            "form_class text, form text, style text)"
        )

    def flush():
        with transaction.atomic(), connection.cursor() as cursor:
            _copy(cursor, table, columns, rows)
            _copy(
                cursor,
                "bench_names",
                ["id", "region", "trade", "industry", "form_class", "form", "style"],
                parts,
            )
        rows.clear()
        parts.clear()

    for pk, name, region, trade, industry, form_class, form, style in generate(args.names, args.seed):
        values = {
            "id": pk,
            "kind": SubjectKind.INDIVIDUAL_BUSINESS if form_class == "ib" else SubjectKind.ORGANISATION,
            "name": name,
            "name_normalized": normalize_name(name),
            "created_source": "bench",
            "created_at": now,
            "updated_at": now,
            "uscc": None,
            **defaults,
        }
        rows.append(tuple(values[c] for c in columns))
        parts.append((pk, region, trade, industry, form_class, form, style))
        if len(rows) >= CHUNK:
            flush()
    if rows:
        flush()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), %s)", [args.names + 1])
        cursor.execute(f"ANALYZE {table}")
    started = _step(f"{args.names:,} subjects (COPY)", started)
    from xinyong.subjects import search

    build_index(search, "subjects_subjectnamegram", "subjects_subjectnamegramstat")
    started = _step("name index (this tree)", started)
    before = load_before(args.before)
    if before is not None:
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TABLE bench_before_gram (gram bigint NOT NULL, subject_id bigint NOT NULL); "
                "CREATE TABLE bench_before_stat (gram bigint PRIMARY KEY, df integer NOT NULL)"
            )
        build_index(before, "bench_before_gram", "bench_before_stat")
        _step(f"name index as of {args.before}", started)


def build_index(module, gram_table: str, stat_table: str) -> None:
    """Fill one index with the given search module's keys: COPY into the table without its indexes, then
    the indexes and the frequencies (what ``subject_search_reindex`` stores, built faster)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT LIKE %s",
            [gram_table, "%pkey"],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
            "AND contype = 'p'",
            [gram_table],
        )
        primary = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        for name, _ in primary:
            cursor.execute(f'ALTER TABLE {gram_table} DROP CONSTRAINT "{name}"')
        cursor.execute(f"TRUNCATE {gram_table}, {stat_table}")
        cursor.execute(
            "SELECT id, name_normalized FROM subjects_subject WHERE kind <> 'natural_person' ORDER BY id"
        )
        names = cursor.fetchall()
    lines: list[bytes] = []
    with connection.cursor() as cursor:
        for pk, normalized in names:
            lines.extend(b"%d\t%d\n" % (gram, pk) for gram in module._grams_of([normalized]))
            if len(lines) > 500_000:
                _copy_lines(cursor, gram_table, lines)
        _copy_lines(cursor, gram_table, lines)
        if primary:
            for name, definition in primary:
                cursor.execute(f'ALTER TABLE {gram_table} ADD CONSTRAINT "{name}" {definition}')
        else:
            cursor.execute(f"ALTER TABLE {gram_table} ADD PRIMARY KEY (gram, subject_id)")
            cursor.execute(f"CREATE INDEX {gram_table}_subject ON {gram_table} (subject_id, gram)")
        for _, definition in indexes:
            cursor.execute(definition)
        cursor.execute(
            f"INSERT INTO {stat_table} (gram, df) SELECT gram, COUNT(*) FROM {gram_table} GROUP BY gram"
        )
    for table in (gram_table, stat_table):
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {table}")


def _copy_lines(cursor, table: str, lines: list[bytes]) -> None:
    with cursor.cursor.copy(f"COPY {table} (gram, subject_id) FROM STDIN") as copy:
        copy.write(b"".join(lines))
    lines.clear()


def load_before(commit: str):
    """The search module as of ``commit``, pointed at its own copy of the index tables (or None)."""
    if not commit:
        return None
    try:
        source = subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{commit}:src/xinyong/subjects/search.py"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    except (subprocess.CalledProcessError, FileNotFoundError):
        print(f"  (no search module at {commit}: the before column is left out)")
        return None
    path = Path(tempfile.mkdtemp()) / "search_before.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("bench_search_before", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    module._G, module._STAT = "bench_before_gram", "bench_before_stat"
    return module


# --------------------------------------------------------------------------------------------------------
# Queries


def homophones() -> dict[str, list[str]]:
    """Pool characters with the same toneless first reading (pypinyin's dictionary)."""
    from xinyong.subjects.names import syllable

    groups: dict[str, list[str]] = defaultdict(list)
    for ch in sorted(set(TRADE_POOL)):
        groups[syllable(ch)].append(ch)
    return {ch: [o for o in group if o != ch] for group in groups.values() for ch in group if len(group) > 1}


def make_queries(per_class: int, seed: int) -> list[dict]:
    """Variant queries of sampled targets, with the ids of their right answers."""
    import opencc
    from django.db import connection

    from xinyong.subjects.names import normalize_name

    rng = random.Random(seed + 1)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT b.id, s.name, s.name_normalized, b.region, b.trade, b.industry, b.form_class, b.form, b.style "
            "FROM bench_names b JOIN subjects_subject s ON s.id = b.id"
        )
        rows = cursor.fetchall()
    existing = {r[2] for r in rows}
    by_equiv: dict[tuple, list[int]] = defaultdict(list)
    regions_of_trade: dict[str, set[str]] = defaultdict(set)
    for pk, _n, _nn, region, trade, industry, form_class, *_ in rows:
        by_equiv[(trade, industry, form_class)].append(pk)
        regions_of_trade[trade].add(region)
    units = {u[0]: u for u in region_units()}
    homo = homophones()
    s2t = opencc.OpenCC("s2t")
    queries: list[dict] = []
    order = list(range(len(rows)))
    rng.shuffle(order)
    wanted = Counter()
    for i in order:
        if all(wanted[c] >= per_class for c in CLASSES):
            break
        pk, name, _nn, region, trade, industry, form_class, form, style = rows[i]
        if form_class == "ib":
            continue  # the variants are of company names
        unit = units[region]
        cls = rng.choice(CLASSES)
        if wanted[cls] >= per_class:
            continue
        right = [pk]
        query = None
        if cls == "bracket":
            if style == "bracket":
                query = spell(
                    unit=unit, trade=trade, industry=industry, form=form, form_class=form_class, style="plain"
                )
            else:
                query = spell(
                    unit=unit,
                    trade=trade,
                    industry=industry,
                    form=form,
                    form_class=form_class,
                    style="bracket",
                )
        elif cls == "no_region":
            if len(regions_of_trade[trade]) < 5:
                continue
            query = f"{trade}{industry}{form}"
            right = by_equiv[(trade, industry, form_class)]
        elif cls == "legal_form":
            if form_class != "llc":
                continue
            other = "有限责任公司" if form == "有限公司" else "有限公司"
            query = name[: -len(form)] + other
        elif cls in ("homophone", "shape"):
            position = rng.randrange(len(trade))
            ch = trade[position]
            options = homo.get(ch, []) if cls == "homophone" else [SHAPES[ch]] if ch in SHAPES else []
            if not options:
                continue
            varied = trade[:position] + rng.choice(options) + trade[position + 1 :]
            query = name.replace(trade, varied, 1)
        elif cls == "traditional":
            query = s2t.convert(name)
            if query == name:
                continue
        if query is None or (normalize_name(query) in existing and normalize_name(query) != _nn):
            continue  # spells another subject exactly
        wanted[cls] += 1
        queries.append({"cls": cls, "query": query, "target": pk, "name": name, "right": right})
    return queries


# --------------------------------------------------------------------------------------------------------
# Measuring


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def measure(search_fn, queries: list[dict]) -> dict:
    """recall@5 and latency (ms) per class of ``search_fn(query) -> list of subject ids``."""
    for q in queries[:30]:  # warm-up: caches, the planner, the page cache for common postings
        search_fn(q["query"])
    per: dict[str, dict] = defaultdict(lambda: {"found": 0, "n": 0, "ms": []})
    for q in queries:
        started = time.perf_counter()
        ids = search_fn(q["query"])
        elapsed = (time.perf_counter() - started) * 1000
        entry = per[q["cls"]]
        entry["n"] += 1
        entry["ms"].append(elapsed)
        right = set(q["right"])
        entry["found"] += bool(right & set(ids[:5]))
        q.setdefault("ranks", {})
    out = {}
    for cls, entry in per.items():
        out[cls] = {
            "n": entry["n"],
            "recall5": entry["found"] / entry["n"],
            "p50": _percentile(entry["ms"], 0.5),
            "p95": _percentile(entry["ms"], 0.95),
        }
    every = [ms for e in per.values() for ms in e["ms"]]
    out["all"] = {
        "n": len(every),
        "recall5": sum(e["found"] for e in per.values()) / max(1, len(every)),
        "p50": _percentile(every, 0.5),
        "p95": _percentile(every, 0.95),
    }
    return out


def purity(search_fn, queries: list[dict]) -> float:
    """no_region queries: the share whose first min(5, |equivalence set|) hits all belong to the set (the
    identical industry and legal form rank before any other)."""
    chosen = [q for q in queries if q["cls"] == "no_region"]
    good = 0
    for q in chosen:
        ids = search_fn(q["query"])
        k = min(5, len(q["right"]))
        good += set(ids[:k]) <= set(q["right"]) and len(ids) >= k
    return good / max(1, len(chosen))


def brute_force(queries: list[dict]):
    """A search function scanning every normalised name with rapidfuzz (WRatio), and its choices."""
    from django.db import connection
    from rapidfuzz import fuzz, process

    from xinyong.subjects.names import normalize_name

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, name_normalized FROM subjects_subject WHERE kind <> 'natural_person' ORDER BY id"
        )
        rows = cursor.fetchall()
    ids = [r[0] for r in rows]
    choices = [r[1] for r in rows]

    def search_fn(query: str) -> list[int]:
        found = process.extract(normalize_name(query), choices, scorer=fuzz.WRatio, limit=5)
        return [ids[index] for _, _, index in found]

    return search_fn


def run(args) -> dict:
    from xinyong.subjects import search

    queries = make_queries(args.queries, args.seed)
    counts = Counter(q["cls"] for q in queries)
    print(f"queries: {len(queries):,} ({', '.join(f'{c} {counts[c]}' for c in CLASSES)})", flush=True)

    def ours(query: str) -> list[int]:
        return [hit.subject_id for hit in search.subject_search(query=query, limit=5)]

    report = {"names": args.names, "queries": len(queries), "results": {}, "write_count": args.write}
    report["results"]["ours"] = measure(ours, queries)
    report["purity_ours"] = purity(ours, queries)
    before = load_before(args.before)
    if before is not None and _table_exists("bench_before_gram"):

        def old(query: str) -> list[int]:
            return [hit.subject_id for hit in before.subject_search(query=query, limit=5)]

        report["results"]["before"] = measure(old, queries)
        report["purity_before"] = purity(old, queries)
    if args.brute:
        sample: list[dict] = []
        taken = Counter()
        for q in queries:
            if taken[q["cls"]] < args.brute:
                taken[q["cls"]] += 1
                sample.append(q)
        print(f"brute force on {len(sample)} queries …", flush=True)
        brute = brute_force(sample)
        report["results"]["brute"] = measure(brute, sample)
        report["results"]["ours_on_brute_sample"] = measure(ours, sample)
    if args.write:
        report["write_ours"] = write_cost(search, args.write, args.seed)
        if before is not None:
            report["write_before"] = write_cost(before, args.write, args.seed)
    print_report(report)
    report["examples"] = [{k: q[k] for k in ("cls", "query", "name")} for q in queries[: 3 * len(CLASSES)]]
    return report


def _table_exists(name: str) -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [name])
        return cursor.fetchone()[0] is not None


def write_cost(module, count: int, seed: int) -> float:
    """Seconds ``module.subject_search_index(created=…)`` takes for ``count`` new subjects (the bulk loader's
    call), inside a transaction that is rolled back."""
    from django.db import connection, transaction

    from xinyong.subjects.names import normalize_name

    with connection.cursor() as cursor:
        cursor.execute("SELECT MAX(id) FROM subjects_subject")
        first = cursor.fetchone()[0] + 1
    created = {
        first + i: normalize_name(name) for i, (_pk, name, *_rest) in enumerate(generate(count, seed + 7))
    }
    with transaction.atomic():
        started = time.perf_counter()
        module.subject_search_index(created=created)
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return elapsed


def print_report(report: dict) -> None:
    results = report["results"]
    columns = [("ours", "this index"), ("before", "index before"), ("brute", "brute force")]
    columns = [(k, label) for k, label in columns if k in results]
    head = "| class | n | " + " | ".join(f"{label} R@5 | p50 ms | p95 ms" for _, label in columns) + " |"
    print(head)
    print("|" + " --- |" * (2 + 3 * len(columns)))
    for cls in (*CLASSES, "all"):
        cells = []
        n = results["ours"].get(cls, {}).get("n", 0)
        for key, _ in columns:
            r = results[key].get(cls)
            if r is None:
                cells.append("– | – | –")
            else:
                cells.append(f"{r['recall5']:.1%} ({r['n']}) | {r['p50']:.1f} | {r['p95']:.1f}")
        print(f"| {cls} | {n} | " + " | ".join(cells) + " |")
    if "ours_on_brute_sample" in results:
        r = results["ours_on_brute_sample"]["all"]
        print(f"this index on the brute-force sample: R@5 {r['recall5']:.1%}, p50 {r['p50']:.1f} ms")
    for key, label in (("write_ours", "this index"), ("write_before", "index before")):
        if key in report:
            print(f"indexing {report['write_count']:,} new subjects ({label}): {report[key]:.2f} s")
    print(
        f"no_region purity (first hits all in the equivalence set): this index {report['purity_ours']:.1%}"
        + (f", before {report['purity_before']:.1%}" if "purity_before" in report else "")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg-url", default=os.environ.get("NAMEBENCH_URL", DEFAULT_URL))
    parser.add_argument("--build", action="store_true", help="(re)create the database first")
    parser.add_argument("--reindex", action="store_true", help="rebuild this tree's name index first")
    parser.add_argument("--names", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--queries", type=int, default=300, help="queries per variant class")
    parser.add_argument("--brute", type=int, default=40, help="brute-force queries per class (0: none)")
    parser.add_argument(
        "--before", default=BEFORE, help="commit of the index measured as before ('' to skip)"
    )
    parser.add_argument(
        "--write", type=int, default=20000, help="new subjects indexed to time the write path"
    )
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args()
    if args.build:
        recreate_database(args.pg_url)
    _django(args.pg_url)
    if args.build:
        build(args)
    else:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM bench_names")
            args.names = cursor.fetchone()[0]
        if args.reindex:
            from xinyong.subjects import search

            started = time.perf_counter()
            build_index(search, "subjects_subjectnamegram", "subjects_subjectnamegramstat")
            _step("name index (this tree)", started)
    report = run(args)
    if args.json:
        Path(args.json).write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
