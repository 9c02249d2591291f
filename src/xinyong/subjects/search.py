"""Subject search (主体检索): exact identifiers, and a fuzzy Chinese name search backed by an index table.

``subject_search(query=..., limit=...)`` answers two kinds of query:

- An identifier (only code characters, at least 8 of them): the USCC, a legacy code kept as an alias
  (工商注册号, 组织机构代码 with or without its hyphen, 税务登记号 …) or a complete 身份证 number — looked up
  through its keyed hash (``Subject.ric_hmac``), so an ID number is found only when it is typed in full and
  is valid; a partial number finds nothing, and no name search is made for it.
- A name: the same organisation is written ``某某（北京）科技有限公司``, ``某某(北京)科技有限公司``,
  ``北京某某科技``, ``某某科技有限責任公司`` or with one wrong character. Each name is reduced to search keys
  (``name_keys``): the lookup key of ``names.normalize_name`` (width, brackets, traditional characters,
  punctuation) without its legal-form suffix (有限公司, 有限责任公司, 股份有限公司 …), and a *core* without
  bracketed parts and leading region names (province, prefecture city, 县/区/旗). Natural persons are never
  found by name: the registry must not enumerate people (see ``selectors.subjects_by_name``).

The index (``SubjectNameGram``) holds, for every key of every subject's name and former names (曾用名),
character bigrams, reading bigrams (homophones read alike), character pairs one apart (a replaced character
leaves them) and region-scoped grams (the start of the core with each region written), with their document
frequencies (``SubjectNameGramStat``); docs/name-matching.md explains each. A query is answered in three
steps, each bounded whatever the size of the registry:

1. candidates: the subjects holding the query's rarest grams, rarest first while their postings fit a
   budget, ranked in one pass by the weight of the grams they hold; when even the rarest gram is common (a
   query such as ``科技``), the subjects holding two of the three rarest, from a bounded slice of the postings;
2. the best of them after tie-breaks on their names (the same name, the query's region, its legal form),
   fetched with their names in the same statement;
3. a final ranking with rapidfuzz on the keys (whole key, core, readings, and the query as a part of the
   name), less a few points for another legal form or for regions that exclude each other.

Both tables are plain B-tree indexed integers, so the same code runs on SQLite and PostgreSQL.
``subject_search_index(subject_ids=...)`` keeps the index current, set-based: the subject resolver
(``subjects.bulk``) and the admin call it for new and renamed subjects; ``xinyong subjects reindex`` rebuilds it whole.
"""

from __future__ import annotations

import functools
import json
import math
import re
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from django.db import connection, transaction
from rapidfuzz import fuzz

from xinyong.core.bulk import copy_text, lookup_rows, write_rows
from xinyong.core.codes import SubjectKind
from xinyong.core.identifiers import check_org_code, normalize_code_input
from xinyong.core.masking import mask_ric
from xinyong.subjects.models import AliasKind, Subject, SubjectAlias, SubjectNameGram, SubjectNameGramStat
from xinyong.subjects.names import normalize_name, syllable
from xinyong.subjects.selectors import ric_lookup_hash

__all__ = [
    "SubjectHit",
    "name_keys",
    "subject_search",
    "subject_search_index",
    "subject_search_reindex",
]

# Legal-form endings, longest first (after normalize_name: half-width brackets, upper case), with the
# legal form they name: 有限公司 and 有限责任公司 are the same form (公司法 art. 7), 股份有限公司 another.
LEGAL_FORMS = (
    ("股份有限公司", "jsc"),
    ("有限责任公司", "llc"),
    ("(有限合伙)", "lp"),
    ("(普通合伙)", "gp"),
    ("专业合作社", "coop"),
    ("有限公司", "llc"),
    ("股份公司", "jsc"),
    ("有限合伙", "lp"),
    ("普通合伙", "gp"),
    ("合作社", "coop"),
    ("公司", "co"),
)
LEGAL_FORM_SUFFIXES = tuple(suffix for suffix, _ in LEGAL_FORMS)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Provincial-level names and the endings they are written with.
PROVINCES = _words(
    "内蒙古 黑龙江 北京 天津 上海 重庆 河北 山西 辽宁 吉林 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 "
    "广西 海南 四川 贵州 云南 西藏 陕西 甘肃 青海 宁夏 新疆 台湾 香港 澳门 中国"
)
PROVINCE_ENDINGS = ("壮族自治区", "回族自治区", "维吾尔自治区", "特别行政区", "自治区", "省", "市")

# Prefecture-level cities, leagues and autonomous prefectures (地级行政区), by their stems.
PREFECTURES = _words(
    "石家庄 唐山 秦皇岛 邯郸 邢台 保定 张家口 承德 沧州 廊坊 衡水 太原 大同 阳泉 长治 晋城 朔州 晋中 运城 忻州 "
    "临汾 吕梁 呼和浩特 包头 乌海 赤峰 通辽 鄂尔多斯 呼伦贝尔 巴彦淖尔 乌兰察布 兴安 锡林郭勒 阿拉善 沈阳 大连 "
    "鞍山 抚顺 本溪 丹东 锦州 营口 阜新 辽阳 盘锦 铁岭 朝阳 葫芦岛 长春 四平 辽源 通化 白山 松原 白城 延边 "
    "哈尔滨 齐齐哈尔 鸡西 鹤岗 双鸭山 大庆 伊春 佳木斯 七台河 牡丹江 黑河 绥化 大兴安岭 南京 无锡 徐州 常州 "
    "苏州 南通 连云港 淮安 盐城 扬州 镇江 泰州 宿迁 杭州 宁波 温州 嘉兴 湖州 绍兴 金华 衢州 舟山 台州 丽水 "
    "合肥 芜湖 蚌埠 淮南 马鞍山 淮北 铜陵 安庆 黄山 滁州 阜阳 宿州 六安 亳州 池州 宣城 福州 厦门 莆田 三明 "
    "泉州 漳州 南平 龙岩 宁德 南昌 景德镇 萍乡 九江 新余 鹰潭 赣州 吉安 宜春 抚州 上饶 济南 青岛 淄博 枣庄 "
    "东营 烟台 潍坊 济宁 泰安 威海 日照 临沂 德州 聊城 滨州 菏泽 郑州 开封 洛阳 平顶山 安阳 鹤壁 新乡 焦作 "
    "濮阳 许昌 漯河 三门峡 南阳 商丘 信阳 周口 驻马店 济源 武汉 黄石 十堰 宜昌 襄阳 鄂州 荆门 孝感 荆州 黄冈 "
    "咸宁 随州 恩施 仙桃 潜江 天门 长沙 株洲 湘潭 衡阳 邵阳 岳阳 常德 张家界 益阳 郴州 永州 怀化 娄底 湘西 "
    "广州 韶关 深圳 珠海 汕头 佛山 江门 湛江 茂名 肇庆 惠州 梅州 汕尾 河源 阳江 清远 东莞 中山 潮州 揭阳 "
    "云浮 南宁 柳州 桂林 梧州 北海 防城港 钦州 贵港 玉林 百色 贺州 河池 来宾 崇左 海口 三亚 三沙 儋州 成都 "
    "自贡 攀枝花 泸州 德阳 绵阳 广元 遂宁 内江 乐山 南充 眉山 宜宾 广安 达州 雅安 巴中 资阳 阿坝 甘孜 凉山 "
    "贵阳 六盘水 遵义 安顺 毕节 铜仁 黔西南 黔东南 黔南 昆明 曲靖 玉溪 保山 昭通 丽江 普洱 临沧 楚雄 红河 "
    "文山 西双版纳 大理 德宏 怒江 迪庆 拉萨 日喀则 昌都 林芝 山南 那曲 阿里 西安 铜川 宝鸡 咸阳 渭南 延安 "
    "汉中 榆林 安康 商洛 兰州 嘉峪关 金昌 白银 天水 武威 张掖 平凉 酒泉 庆阳 定西 陇南 临夏 甘南 西宁 海东 "
    "海北 黄南 果洛 玉树 海西 银川 石嘴山 吴忠 固原 中卫 乌鲁木齐 克拉玛依 吐鲁番 哈密 昌吉 博尔塔拉 巴音郭楞 "
    "阿克苏 克孜勒苏 喀什 和田 伊犁 塔城 阿勒泰 石河子"
)
PREFECTURE_ENDINGS = ("自治州", "地区", "市", "州", "盟")


class _Units:
    """Region names known by their stems, with optional endings: ``match`` is what ``re.match`` of their
    alternation (longest stem first, then the longest ending) would give, by set look-ups (much faster)."""

    def __init__(self, stems: Iterable[str], endings: Iterable[str]):
        self.stems = frozenset(stems)
        self.lengths = sorted({len(s) for s in self.stems}, reverse=True)
        self.endings = sorted(set(endings), key=len, reverse=True)

    def end(self, text: str) -> int:
        """Length of the region name at the start of ``text`` (0 if none)."""
        for n in self.lengths:
            if text[:n] in self.stems:
                for ending in self.endings:
                    if text.startswith(ending, n):
                        return n + len(ending)
                return n
        return 0

    def match(self, text: str) -> _Found | None:
        n = self.end(text)
        return _Found(text[:n]) if n else None

    def fullmatch(self, text: str) -> _Found | None:
        return _Found(text) if self.end(text) == len(text) else None


@dataclass(frozen=True)
class _Found:
    text: str

    def end(self) -> int:
        return len(self.text)

    def group(self) -> str:
        return self.text


_PROVINCE_RE = _Units(PROVINCES, PROVINCE_ENDINGS)
_PREFECTURE_RE = _Units(PREFECTURES, PREFECTURE_ENDINGS)
# A county-level unit named by 2–3 characters: 示范县, 浦东新区, 科尔沁右翼前旗 is longer and stays; a
# county of one character (沛县, 费县); a county-level city by two (永城市, 义乌市).
_COUNTY_RE = re.compile(r"[\u4e00-\u9fff]县|[\u4e00-\u9fff]{2,3}?(?:自治县|县|区|旗)|[\u4e00-\u9fff]{2}市")
_UNIT_ENDINGS = frozenset("区县旗市州盟")
_REGION_ENDINGS = (
    "壮族自治区",
    "回族自治区",
    "维吾尔自治区",
    "特别行政区",
    "自治区",
    "自治州",
    "自治县",
    "地区",
)
_BRACKETED = re.compile(r"\(([^()]*)\)")
_BRACKET_REGION = re.compile(r"[\u4e00-\u9fff]{2,4}")
# Bracketed words that are not regions: （集团）, （控股）, （分公司）, （总店） …
_NOT_REGION_ENDINGS = ("集团", "控股", "公司", "店", "部", "厂", "社", "中心", "所")
_NOT_WORD = re.compile(r"[\W_]+")
# A core shorter than this is no longer a name: stripping stops before it.
MIN_CORE = 2

# Identifier queries: only code characters, and long enough to be a code rather than a name such as "3M".
_CODE_QUERY = re.compile(r"[0-9A-Z-]{8,20}")
_RIC_SHAPE = re.compile(r"\d{17}[\dX]|\d{15}")
_USCC_SHAPE = re.compile(r"[0-9A-Z]{18}")

# Candidate retrieval budgets (postings read per query); see the module docstring.
POSTING_BUDGET = 5000
COMMON_SLICE = 5000
FIRST_CANDIDATES = 200
RERANK_CANDIDATES = 50
MIN_SCORE = 60.0
MAX_LIMIT = 500
INDEX_CHUNK = 5000

# Gram families, in the bits above two packed code points (2 x 21 bits): character bigrams of the key and
# the core (0), reading bigrams of the core (1: homophones), character pairs one apart in the core (2: a
# replaced character leaves the pair around it).
_FAMILY_SHIFT = 42
_SOUND = 1 << _FAMILY_SHIFT
_SKIP = 2 << _FAMILY_SHIFT
# Region-scoped grams (3): the start of the core (its first two bigrams, by character and by reading, and
# the pairs one apart) together with each region written, hashed: rare even for a trade name that exists
# in every region, so a query that names a region reads few postings to reach the subject.
_REGIONAL = 3 << _FAMILY_SHIFT
_HASH_MASK = (1 << _FAMILY_SHIFT) - 1
# Score adjustments of the final ranking: another legal form, or regions that exclude each other.
FORM_PENALTY = 4.0
REGION_PENALTY = 4.0


@dataclass(frozen=True)
class SubjectHit:
    """One search result: the subject, a score (0–100), how it matched and the name or code that matched.

    ``match`` is ``uscc``, ``ric``, ``code`` (a legacy code alias), ``name`` or ``former_name``;
    ``matched`` is that name or code (an ID number only masked).
    """

    subject: Subject
    score: float
    match: str
    matched: str

    @property
    def subject_id(self) -> int:
        return self.subject.pk


@dataclass(frozen=True)
class NameKeys:
    """The search keys of one name.

    ``key``: normalised, without its legal form; ``core``: also without brackets and region names (the
    trade name and industry); ``sounds``: the core's readings, one character per syllable (鑫/新 alike);
    ``form``: the legal form (``llc`` for 有限公司 and 有限责任公司, ``jsc``, ``coop``, ``lp``, ``gp``,
    ``co`` for a bare 公司, empty when none is written); ``regions``: the region names written, at the front
    or in brackets, without their endings (商丘市 → 商丘).
    """

    key: str
    core: str
    sounds: str = ""
    form: str = ""
    regions: frozenset[str] = frozenset()

    @property
    def grams(self) -> set[int]:
        return (
            _grams(self.key)
            | _grams(self.core)
            | _sound_grams(self.sounds)
            | _skip_grams(self.core)
            | _regional_grams(self)
        )


def _legal_form(text: str) -> tuple[str, str]:
    """The name without its legal-form ending, and that form's code."""
    for suffix, form in LEGAL_FORMS:
        if text.endswith(suffix) and len(text) - len(suffix) >= MIN_CORE:
            if suffix == "公司" and text.endswith("分公司"):
                return text, ""  # a branch (某某有限公司北京分公司) keeps its ending
            return text[: -len(suffix)], form
    return text, ""


def _strip_suffix(text: str) -> str:
    return _legal_form(text)[0]


def _region_stem(unit: str) -> str:
    for ending in _REGION_ENDINGS:
        if unit.endswith(ending) and len(unit) - len(ending) >= MIN_CORE:
            return unit[: -len(ending)]
    if unit[-1] in "省市县区旗州盟" and len(unit) > MIN_CORE:
        return unit[:-1]
    return unit


def _strip_regions(text: str, found_regions: list[str] | None = None) -> str:
    """Drop leading region names: a province, then a prefecture, then a county-level unit."""
    for pattern in (_PROVINCE_RE, _PREFECTURE_RE, _COUNTY_RE):
        found = pattern.match(text)
        if found is None or len(text) - found.end() < MIN_CORE:
            continue
        if text[found.end()] in _UNIT_ENDINGS:
            continue  # 朝阳区 is a district, not the city 朝阳: the county step takes it whole
        if found_regions is not None:
            found_regions.append(_region_stem(found.group()))
        text = text[found.end() :]
    return text


def _bracket_region(content: str) -> str | None:
    """A region written in brackets after the trade name (某某（商丘）食品): two to four Chinese characters
    that are a known province or prefecture, or end as a region does; other bracketed words are not."""
    if not _BRACKET_REGION.fullmatch(content):
        return None
    for pattern in (_PROVINCE_RE, _PREFECTURE_RE, _COUNTY_RE):
        if pattern.fullmatch(content):
            return _region_stem(content)
    if len(content) <= 3 and not content.endswith(_NOT_REGION_ENDINGS):
        return content  # a county without its ending (虞城)
    return None


@functools.lru_cache(maxsize=65536)
def keys_of_normalized(normalized: str) -> NameKeys:
    """Search keys of a name already passed through ``normalize_name``."""
    without_form, form = _legal_form(normalized)
    key = _NOT_WORD.sub("", without_form)
    regions: list[str] = []
    for content in _BRACKETED.findall(normalized):
        region = _bracket_region(content)
        if region is not None:
            regions.append(region)
    without_brackets = _BRACKETED.sub("", normalized)
    core = _NOT_WORD.sub("", _strip_suffix(_strip_regions(_strip_suffix(without_brackets), regions)))
    if len(core) < MIN_CORE:
        core = key
    return NameKeys(key=key, core=core, sounds=_sounds(core), form=form, regions=frozenset(regions))


def name_keys(name: str) -> NameKeys:
    """Search keys of a name as typed or received."""
    return keys_of_normalized(normalize_name(name))


@functools.lru_cache(maxsize=8192)
def _syllable_char(char: str) -> str:
    """One character standing for the reading of ``char`` (a stable code above Unicode's range)."""
    reading = syllable(char)
    if reading == char:
        return char
    return chr(0xE000 + zlib.crc32(reading.encode()) % 0x1800)  # private use area: never in a name


def _sounds(text: str) -> str:
    return "".join(_syllable_char(ch) for ch in text)


def _grams(text: str) -> set[int]:
    """Character bigrams, each packed into one integer (two code points of at most 21 bits)."""
    return {(ord(a) << 21) | ord(b) for a, b in zip(text, text[1:], strict=False)}


def _sound_grams(sounds: str) -> set[int]:
    return {_SOUND | (ord(a) << 21) | ord(b) for a, b in zip(sounds, sounds[1:], strict=False)}


def _skip_grams(text: str) -> set[int]:
    return {_SKIP | (ord(a) << 21) | ord(b) for a, b in zip(text, text[2:], strict=False)}


def _regional_grams(keys: NameKeys) -> set[int]:
    if not keys.regions:
        return set()
    core, sounds = keys.core, keys.sounds
    parts = {core[0:2], core[1:3], "~" + sounds[0:2], "~" + sounds[1:3], core[0] + "_" + core[2:3]}
    if len(core) > 3:
        parts.add(core[1] + "_" + core[3])
    return {
        _REGIONAL | (zlib.crc32(f"{region}|{part}".encode()) & _HASH_MASK)
        for region in keys.regions
        for part in parts
    }


def _score(query: NameKeys, name: NameKeys, *, exact: bool = False) -> float:
    """Similarity 0–100 of a query and a name, tolerant of suffixes, regions, extra parts and one typo.

    100 only for the same name (``exact``: equal lookup keys); the same name with 有限责任公司 for 有限公司
    is 99. The trade name and industry count first (a homophone costs little), then the legal form and
    the region when both sides write one: another legal form, or regions that exclude each other, cost
    ``FORM_PENALTY`` / ``REGION_PENALTY``; a query without them is neutral to them.
    """
    if exact:
        return 100.0
    if query.key == name.key:
        score = 99.0
    else:
        score = fuzz.ratio(query.key, name.key)
        if query.core == name.core:
            score = max(score, 97.0)
        else:
            score = max(score, 0.96 * fuzz.ratio(query.core, name.core))
            if query.sounds == name.sounds:
                score = max(score, 95.0)  # a homophone: 恒鑫 / 恒新
            else:
                score = max(score, 0.93 * fuzz.ratio(query.sounds, name.sounds))
        if len(query.core) >= MIN_CORE and len(query.core) < len(name.key):
            # The query as a part of the name (a trade name typed alone): good, never as good as the whole.
            score = max(score, 0.9 * fuzz.partial_ratio(query.core, name.key))
    if query.form and name.form and query.form != name.form:
        score -= FORM_PENALTY
    if query.regions and name.regions and not query.regions & name.regions:
        score -= REGION_PENALTY
    return max(0.0, score)


# ---------------------------------------------------------------------------------------------------
# Index maintenance

_G = SubjectNameGram._meta.db_table
_STAT = SubjectNameGramStat._meta.db_table


def _subject_names(ids: list[int]) -> dict[int, list[str]]:
    """Normalised current and former names of the given organisations and 个体工商户 (not natural persons)."""
    names: dict[int, list[str]] = {}
    s = Subject._meta.db_table
    for pk, kind, normalized in lookup_rows(
        ids, select="s.id, s.kind, s.name_normalized", table=f"{s} s", match="s.id", sql_type="bigint"
    ):
        if kind != SubjectKind.NATURAL_PERSON:
            names[pk] = [normalized]
    for subject_id, normalized in lookup_rows(
        names,
        select="a.subject_id, a.value_normalized",
        table=f"{SubjectAlias._meta.db_table} a",
        match="a.subject_id",
        where=" AND a.kind = %s",
        params=[AliasKind.FORMER_NAME],
        sql_type="bigint",
    ):
        names[subject_id].append(normalized)
    return names


def _names_and_grams(ids: list[int]) -> tuple[dict[int, list[str]], dict[int, set[int]]]:
    """In one statement: the subjects' normalised names and former names (natural persons have none here)
    and the bigrams the index holds for them."""
    s, a = Subject._meta.db_table, SubjectAlias._meta.db_table
    parts = (
        f"SELECT s.id, 0, s.name_normalized, CAST(NULL AS BIGINT) FROM {s} s WHERE s.id = {{key}} AND s.kind <> %s",
        f"SELECT a.subject_id, 1, a.value_normalized, CAST(NULL AS BIGINT) FROM {a} a WHERE a.subject_id = {{key}} AND a.kind = %s",
        f"SELECT g.subject_id, 2, NULL, g.gram FROM {_G} g WHERE g.subject_id = {{key}}",
    )
    params = [SubjectKind.NATURAL_PERSON, AliasKind.FORMER_NAME]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            union = " UNION ALL ".join(p.format(key="k.v") for p in parts)
            cursor.execute(
                f"SELECT x.* FROM unnest(%s::bigint[]) AS k(v) CROSS JOIN LATERAL ({union}) AS x",
                [ids, *params],
            )
        else:
            # json_each first, then CROSS JOIN: SQLite keeps that order and probes the index per key.
            union = " UNION ALL ".join(
                p.format(key="k.value").replace("FROM ", "FROM json_each(%s) AS k CROSS JOIN ", 1)
                for p in parts
            )
            keys = json.dumps(ids)
            cursor.execute(union, [keys, params[0], keys, params[1], keys])
        rows = cursor.fetchall()
    names: dict[int, list[str]] = {pk: [name] for pk, part, name, _ in rows if part == 0}
    grams: dict[int, set[int]] = defaultdict(set)
    for pk, part, name, gram in rows:
        if part == 2:
            grams[pk].add(gram)
        elif part == 1 and pk in names:
            names[pk].append(name)
    return names, grams


def _grams_of(names: Iterable[str]) -> set[int]:
    grams: set[int] = set()
    for normalized in names:
        grams |= keys_of_normalized(normalized).grams
    return grams


def _add_frequencies(deltas: dict[int, int]) -> None:
    """Add to the document frequencies, in gram order (concurrent writers then never deadlock)."""
    changes = sorted((gram, delta) for gram, delta in deltas.items() if delta)
    if not changes:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"INSERT INTO {_STAT} (gram, df) SELECT g, d FROM unnest(%s::bigint[], %s::integer[]) AS t(g, d) "
                f"ORDER BY g ON CONFLICT (gram) DO UPDATE SET df = {_STAT}.df + EXCLUDED.df",
                [[g for g, _ in changes], [d for _, d in changes]],
            )
        else:
            cursor.executemany(
                f"INSERT INTO {_STAT} (gram, df) VALUES (%s, %s) "
                "ON CONFLICT (gram) DO UPDATE SET df = df + excluded.df",
                changes,
            )


def _index_chunk(ids: list[int]) -> int:
    if connection.vendor == "postgresql":
        # Two writers re-indexing the same subject (a former name added while a batch loads) take turns.
        # Only subjects already indexed can be touched by another transaction: a subject created in this
        # one is invisible to the others until it commits, so new subjects cost no lock.
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM {Subject._meta.db_table} WHERE id IN (SELECT k.v FROM unnest(%s::bigint[]) "
                f"AS k(v) WHERE EXISTS (SELECT 1 FROM {_G} g WHERE g.subject_id = k.v)) ORDER BY id FOR UPDATE",
                [ids],
            )
    names, stored = _names_and_grams(ids)
    wanted = {pk: _grams_of(subject_names) for pk, subject_names in names.items()}
    deltas: dict[int, int] = defaultdict(int)
    removed: list[tuple[int, int]] = []
    added: list[tuple[int, int]] = []
    for pk in ids:
        new, old = wanted.get(pk, set()), stored.get(pk, set())
        for gram in old - new:
            removed.append((pk, gram))
            deltas[gram] -= 1
        for gram in new - old:
            added.append((gram, pk))
            deltas[gram] += 1
    if removed:
        with connection.cursor() as cursor:
            cursor.executemany(f"DELETE FROM {_G} WHERE subject_id = %s AND gram = %s", removed)
    _write_grams(added)
    _add_frequencies(deltas)
    return len(wanted)


def _write_grams(rows: list[tuple[int, int]]) -> None:
    """Append (gram, subject) rows, in primary-key order: the inserts walk the index once."""
    rows.sort()
    if connection.vendor == "postgresql":
        copy_text(SubjectNameGram, ("gram", "subject_id"), [b"%d\t%d\n" % row for row in rows])
    else:
        write_rows(SubjectNameGram, ("gram", "subject_id"), rows)


def _index_created(created: Mapping[int, str]) -> int:
    """Index subjects created in the current transaction: nothing is stored for them yet and no other
    transaction can see them, so their grams come from the name alone, without locks or reads."""
    rows: list[tuple[int, int]] = []
    deltas: dict[int, int] = defaultdict(int)
    for pk, normalized in created.items():
        for gram in keys_of_normalized(normalized).grams:
            rows.append((gram, pk))
            deltas[gram] += 1
    _write_grams(rows)
    _add_frequencies(deltas)
    return len(created)


def subject_search_index(*, subject_ids: Iterable[int] = (), created: Mapping[int, str] | None = None) -> int:
    """(Re)index the names of these subjects for the name search, set-based; returns how many are indexed.

    ``created``: subjects created in the current transaction that have no former names (id → normalised
    name), indexed from that name alone.
    """
    indexed = 0
    if created:
        with transaction.atomic():
            indexed = _index_created(created)
    ids = sorted({int(pk) for pk in subject_ids if pk is not None} - (created.keys() if created else set()))
    for start in range(0, len(ids), INDEX_CHUNK):
        with transaction.atomic():
            indexed += _index_chunk(ids[start : start + INDEX_CHUNK])
    return indexed


def subject_search_reindex(*, chunk: int = 20000, progress: Callable[[int, int], None] | None = None) -> int:
    """Rebuild the whole name index in one transaction (searches see the old index until it commits)."""
    total = Subject.objects.exclude(kind=SubjectKind.NATURAL_PERSON).count()
    done = 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {_G}")
        cursor.execute(f"DELETE FROM {_STAT}")
        last = 0
        while True:
            ids = list(
                Subject.objects.filter(pk__gt=last)
                .exclude(kind=SubjectKind.NATURAL_PERSON)
                .order_by("pk")
                .values_list("pk", flat=True)[:chunk]
            )
            if not ids:
                break
            rows = [
                (gram, pk) for pk, names in _subject_names(ids).items() for gram in sorted(_grams_of(names))
            ]
            write_rows(SubjectNameGram, ("gram", "subject_id"), rows)
            last = ids[-1]
            done += len(ids)
            if progress is not None:
                progress(done, total)
        cursor.execute(f"INSERT INTO {_STAT} (gram, df) SELECT gram, COUNT(*) FROM {_G} GROUP BY gram")
    if connection.vendor == "postgresql" and connection.get_autocommit():
        # Statistics for the planner, and the visibility map that lets posting lists be read from the
        # index alone (VACUUM cannot run inside a transaction: skipped when called inside one).
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {_G}")
            cursor.execute(f"VACUUM ANALYZE {_STAT}")
    return done


# ---------------------------------------------------------------------------------------------------
# Search


def _identifier_hits(code: str) -> list[SubjectHit]:
    """Exact lookups of a code: USCC, complete 身份证 number (HMAC), legacy code aliases."""
    hits: dict[int, SubjectHit] = {}
    if _USCC_SHAPE.fullmatch(code):
        for subject in Subject.objects.filter(uscc=code):
            hits[subject.pk] = SubjectHit(subject, 100.0, "uscc", code)
    if _RIC_SHAPE.fullmatch(code):
        digest = ric_lookup_hash(value=code)
        if digest is not None:
            for subject in Subject.objects.filter(ric_hmac=digest):
                hits.setdefault(subject.pk, SubjectHit(subject, 100.0, "ric", mask_ric(code)))
    values = {code}
    org_code = check_org_code(code)
    if org_code.ok:
        values.add(org_code.normalized)
    legacy = (
        SubjectAlias.objects.filter(value_normalized__in=values)
        .exclude(kind=AliasKind.FORMER_NAME)
        .select_related("subject")
        .order_by("subject_id")
    )
    for alias in legacy:
        hits.setdefault(alias.subject_id, SubjectHit(alias.subject, 100.0, "code", alias.value))
    return list(hits.values())


def _frequencies(grams: set[int]) -> dict[int, int]:
    marks = ", ".join(["%s"] * len(grams))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT gram, df FROM {_STAT} WHERE gram IN ({marks})", sorted(grams))
        found = dict(cursor.fetchall())
    return {gram: found.get(gram, 0) for gram in grams}


def _marks(values: list) -> str:
    return ", ".join(["%s"] * len(values))


def _weight(df: int) -> int:
    # Rarer bigrams say more about which subject is meant. An integer: sums of integers are cheap.
    return round(10000 / math.log2(2 + df))


def _form_condition(form: str) -> tuple[str, list[str]]:
    """SQL: the name ends with a legal form of this code (有限公司 but not 股份有限公司 for ``llc``)."""
    parts, params = [], []
    for suffix, code in LEGAL_FORMS:
        if code != form:
            continue
        longer = [
            other for other, c in LEGAL_FORMS if c != form and other.endswith(suffix) and other != suffix
        ]
        parts.append("(s.name_normalized LIKE %s" + " AND s.name_normalized NOT LIKE %s" * len(longer) + ")")
        params += ["%" + suffix, *("%" + other for other in longer)]
    return " OR ".join(parts), params


def _tie_breaks(keys: NameKeys, typed: str) -> tuple[str, list]:
    """SQL added to a candidate's bigram weight: the same name, the query's region, its legal form. Many
    subjects share the rare bigrams of a trade name and industry (the same 字号 in many regions): these
    bring the ones the query names to the front before the final ranking."""
    sql, params = ["CASE WHEN s.name_normalized = %s THEN 100000 ELSE 0 END"], [typed]
    for region in sorted(keys.regions)[:3]:
        sql.append("CASE WHEN s.name_normalized LIKE %s THEN 5000 ELSE 0 END")
        params.append(f"%{region}%")
    if keys.form:
        condition, form_params = _form_condition(keys.form)
        sql.append(f"CASE WHEN {condition} THEN 2500 ELSE 0 END")
        params += form_params
    return " + ".join(sql), params


def _shortlist(
    grams: list[int], df: dict[int, int], keys: NameKeys, typed: str, limit: int
) -> dict[int, list[tuple[str, str, str]]]:
    """Candidates for the final ranking (see the module docstring, steps 1 and 2) with their names and
    former names, in one statement: subject id → [(match, name, normalised name)]. At least ``limit``
    candidates reach the final ranking (a page of results asks for more than a check does)."""
    rerank = max(RERANK_CANDIDATES, limit)
    present = sorted((g for g in grams if df[g] > 0), key=lambda g: (df[g], g))
    if not present:
        return {}
    weights = {g: _weight(df[g]) for g in present}
    if df[present[0]] <= POSTING_BUDGET:
        # Candidates: the holders of the rare bigrams, rarest first while their posting lists fit the
        # budget, ranked by the weight of the bigrams they hold (one pass over those posting lists), then
        # the best of them by that weight and the tie-breaks on their names.
        driver, spent = [], 0
        for gram in present:
            if driver and spent + df[gram] > POSTING_BUDGET:
                break
            driver.append(gram)
            spent += df[gram]
        when = " ".join(["WHEN %s THEN %s"] * len(driver))
        ties, tie_params = _tie_breaks(keys, typed)
        sql = (
            f"SELECT c.subject_id FROM (SELECT subject_id, SUM(CASE gram {when} ELSE 0 END) AS w FROM {_G} "
            f"WHERE gram IN ({_marks(driver)}) GROUP BY subject_id ORDER BY w DESC, subject_id LIMIT %s) c "
            f"JOIN {Subject._meta.db_table} s ON s.id = c.subject_id "
            f"ORDER BY c.w + {ties} DESC, c.subject_id LIMIT %s"
        )
        params = [
            *(v for g in driver for v in (g, weights[g])),
            *driver,
            max(FIRST_CANDIDATES, rerank),
            *tie_params,
            rerank,
        ]
    else:
        # Only common bigrams: the subjects holding two of the three rarest, from a bounded slice of
        # each posting list (the same range of subject ids, so that the slices intersect).
        driver = present[:3]
        slices = " UNION ALL ".join(
            [f"SELECT * FROM (SELECT subject_id FROM {_G} WHERE gram = %s ORDER BY subject_id LIMIT %s) s"]
            * len(driver)
        )
        sql = (
            f"SELECT subject_id FROM ({slices}) x GROUP BY subject_id HAVING COUNT(*) >= %s "
            "ORDER BY COUNT(*) DESC, subject_id LIMIT %s"
        )
        params = [
            *(v for g in driver for v in (g, COMMON_SLICE)),
            min(2, len(driver)),
            rerank,
        ]
    s, a = Subject._meta.db_table, SubjectAlias._meta.db_table
    names: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH c AS ({sql}) "
            f"SELECT s.id, 'name', s.name, s.name_normalized FROM c JOIN {s} s ON s.id = c.subject_id "
            "WHERE s.kind <> %s "
            f"UNION ALL SELECT a.subject_id, 'former_name', a.value, a.value_normalized FROM c "
            f"JOIN {a} a ON a.subject_id = c.subject_id WHERE a.kind = %s",
            [*params, SubjectKind.NATURAL_PERSON, AliasKind.FORMER_NAME],
        )
        for pk, match, name, normalized in cursor.fetchall():
            names[pk].append((match, name, normalized))
    return names


def _name_hits(query: str, limit: int) -> list[SubjectHit]:
    typed = normalize_name(query)
    keys = keys_of_normalized(typed)
    if len(keys.key) < MIN_CORE:
        return []
    grams = sorted(keys.grams)
    df = _frequencies(set(grams))
    # Subject objects only for the hits kept.
    names = _shortlist(grams, df, keys, typed, limit)
    scored = []
    for pk, entries in names.items():
        if not any(match == "name" for match, _, _ in entries):
            continue  # a natural person (found through a former name): never by name
        score, match, name = max(
            (_score(keys, keys_of_normalized(normalized), exact=normalized == typed), match, name)
            for match, name, normalized in entries
        )
        if score >= MIN_SCORE:
            scored.append((round(score, 1), match, name, pk))
    # Equal scores: the name closest in length to the query, then the oldest registration.
    scored.sort(key=lambda h: (-h[0], abs(len(h[2]) - len(query)), h[3]))
    scored = scored[:limit]
    subjects = Subject.objects.in_bulk([pk for *_, pk in scored])
    return [
        SubjectHit(subjects[pk], score, match, name) for score, match, name, pk in scored if pk in subjects
    ]


def subject_search(*, query: str, limit: int = 20) -> list[SubjectHit]:
    """Find subjects by identifier (exact) or by name (fuzzy), best first; natural persons only by full ID."""
    text = (query or "").strip()
    limit = max(1, min(int(limit), MAX_LIMIT))
    if not text:
        return []
    code = normalize_code_input(text)
    if _CODE_QUERY.fullmatch(code) and any(ch.isdigit() for ch in code):
        return _identifier_hits(code)[:limit]
    return _name_hits(text[:100], limit)
