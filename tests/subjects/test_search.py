"""Subject search: identifiers (exact; 身份证 only complete, through its HMAC) and the fuzzy name search with
its index (width, traditional characters, legal-form suffixes, region prefixes, one wrong character)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection

from tests.factories import subject_create
from tests.subjects.factories import RIC, RIC_MASKED, ric, uscc
from xinyong.core.codes import SubjectKind
from xinyong.subjects import search
from xinyong.subjects.bulk import SubjectInput, subjects_resolve_bulk
from xinyong.subjects.models import AliasKind, Subject, SubjectNameGram, SubjectNameGramStat
from xinyong.subjects.names import normalize_name
from xinyong.subjects.search import name_keys, subject_search, subject_search_index, subject_search_reindex

pytestmark = pytest.mark.django_db

ORG = SubjectKind.ORGANISATION
IB = SubjectKind.INDIVIDUAL_BUSINESS
PERSON = SubjectKind.NATURAL_PERSON

NAMES = [
    "福州市恒宏鑫科技有限公司",
    "北京华瑞（中国）信息技术股份有限公司",
    "示范县金诚建筑工程有限责任公司",
    "上海市浦东新区博润贸易有限公司",
    "广东省深圳市嘉德食品有限公司",
    "福州市恒宏物流有限公司",
    "闽侯县众泰医药连锁有限公司",
    "福州市泰嘉科技有限公司",
    "示范县城关镇王五便利店",
    "福建省福州市鑫华源餐饮管理有限公司",
]


@pytest.fixture
def registry(db):
    subjects = {}
    for i, name in enumerate(NAMES):
        kind = IB if name.endswith("便利店") else ORG
        subjects[name] = subject_create(
            kind=kind, name=name, uscc=uscc(100 + i, category="92" if kind == IB else "91")
        )
    # Filler sharing the common words, so that the rare bigrams have to do the work.
    for i, trade in enumerate("甲乙丙丁戊己庚辛壬癸"):
        subject_create(kind=ORG, name=f"福州市{trade}{trade}科技有限公司", uscc=uscc(300 + i))
    return subjects


def top(query: str, n: int = 3) -> list[str]:
    return [hit.subject.name for hit in subject_search(query=query, limit=n)]


def test_keys_unify_width_script_suffix_and_region():
    assert name_keys("某某（北京）科技有限公司") == name_keys("某某(北京)科技有限公司")
    assert name_keys("華為技術有限公司").key == "华为技术"
    assert name_keys("恒宏鑫科技有限责任公司").key == name_keys("恒宏鑫科技股份有限公司").key == "恒宏鑫科技"
    assert name_keys("福州市恒宏鑫科技").core == "恒宏鑫科技"
    assert name_keys("北京市朝阳区某某餐饮管理有限公司").core == "某某餐饮管理"
    assert name_keys("广西壮族自治区南宁市某某").core == "某某"
    assert name_keys("某某有限公司北京分公司").key == "某某有限公司北京分公司"  # a branch keeps its name
    assert name_keys("北京银行").key == "北京银行"  # a name made of a region stays whole in its key
    assert name_keys("ＡＢＣ　科技").key == "ABC科技"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("福州市恒宏鑫科技有限公司", "福州市恒宏鑫科技有限公司"),  # exact
        ("恒宏鑫科技", "福州市恒宏鑫科技有限公司"),  # without region and legal form
        ("福州恒宏鑫科技有限责任公司", "福州市恒宏鑫科技有限公司"),  # other legal form, short region
        ("福州市恆宏鑫科技有限公司", "福州市恒宏鑫科技有限公司"),  # traditional
        ("福州市　恒宏鑫科技有限公司", "福州市恒宏鑫科技有限公司"),  # full-width space
        ("福州市恒宏金科技有限公司", "福州市恒宏鑫科技有限公司"),  # one wrong character
        ("恒宏金科技", "福州市恒宏鑫科技有限公司"),  # wrong character and no region
        ("华瑞信息技术", "北京华瑞（中国）信息技术股份有限公司"),
        ("北京华瑞(中国)信息技术股份有限公司", "北京华瑞（中国）信息技术股份有限公司"),  # half-width brackets
        (
            "華瑞（中國）資訊技術",
            "北京华瑞（中国）信息技术股份有限公司",
        ),  # traditional, 資訊 for 信息: near enough
        ("金诚建筑工程", "示范县金诚建筑工程有限责任公司"),
        ("浦东新区博润贸易", "上海市浦东新区博润贸易有限公司"),
        ("博润贸易有限公司", "上海市浦东新区博润贸易有限公司"),
        ("深圳嘉德食品", "广东省深圳市嘉德食品有限公司"),
        ("鑫华源餐饮", "福建省福州市鑫华源餐饮管理有限公司"),
        ("王五便利店", "示范县城关镇王五便利店"),
        ("ＦＵ州市泰嘉科技", "福州市泰嘉科技有限公司"),
    ],
)
def test_name_variants_find_the_subject_first(registry, query, expected):
    assert top(query, 1) == [expected], top(query, 5)


def test_hits_say_how_they_matched(registry):
    hit = subject_search(query="恒宏鑫科技")[0]
    assert hit.match == "name" and hit.matched == "福州市恒宏鑫科技有限公司"
    assert 60 <= hit.score <= 100 and hit.subject_id == hit.subject.pk
    assert subject_search(query="福州市恒宏鑫科技有限公司")[0].score == 100


def test_former_names_are_searched(registry):
    company = registry["福州市恒宏物流有限公司"]
    subject_create(kind=ORG, name="福州市恒宏快运有限公司", uscc=company.uscc)  # arrives under a new name
    hit = subject_search(query="恒宏快运")[0]
    assert hit.subject == company and hit.match == "former_name" and hit.matched == "福州市恒宏快运有限公司"


def test_results_are_ranked_and_limited(registry):
    names = top("福州市科技", 20)
    assert len(names) >= 3
    assert len(top("福州市科技", 2)) == 2
    assert subject_search(query="") == [] and subject_search(query="   ") == []
    assert subject_search(query="鑫") == []  # one character is not a name
    assert top("完全无关的名字乙丙丁") == []


def test_uscc_is_exact(registry):
    company = registry["福州市泰嘉科技有限公司"]
    hits = subject_search(query=" " + company.uscc.lower() + " ")
    assert [(h.subject, h.match) for h in hits] == [(company, "uscc")]
    assert subject_search(query=company.uscc[:-1]) == []


def test_legacy_codes_are_exact(db):
    subject = subject_create(
        kind=ORG,
        name="某某机械制造有限公司",
        uscc=uscc(7),
        legacy_codes={AliasKind.REG_NO: "350100400012345", AliasKind.ORG_CODE: "D2143569-X"},
    )
    for query in ("350100400012345", "D2143569-X", "d2143569x"):
        hits = subject_search(query=query)
        assert [(h.subject, h.match) for h in hits] == [(subject, "code")], query
    assert subject_search(query="35010040001234") == []


def test_id_numbers_only_complete_and_through_the_keyed_hash(db):
    person = subject_create(kind=PERSON, name="张三", ric=RIC)
    hits = subject_search(query=RIC.lower())
    assert [(h.subject, h.match, h.matched) for h in hits] == [(person, "ric", RIC_MASKED)]
    for partial in (RIC[:17], RIC[:10], RIC[6:], RIC_MASKED, "110105"):
        assert all(h.subject != person for h in subject_search(query=partial)), partial
    # Never by name: the name index holds no natural person.
    assert subject_search(query="张三") == []
    assert not SubjectNameGram.objects.filter(subject=person).exists()


def test_a_legacy_15_digit_id_is_upgraded_and_found(db):
    fifteen = "110105491231002"
    person = subject_create(kind=PERSON, name="李四", ric=fifteen)
    assert [h.subject for h in subject_search(query=fifteen)] == [person]


def test_index_follows_renames_and_frequencies_stay_exact(registry):
    subject = registry["闽侯县众泰医药连锁有限公司"]
    Subject.objects.filter(pk=subject.pk).update(
        name="闽侯县众泰大药房有限公司", name_normalized=normalize_name("闽侯县众泰大药房有限公司")
    )
    subject_search_index(subject_ids=[subject.pk])
    assert top("众泰大药房", 1) == ["闽侯县众泰大药房有限公司"]
    assert top("众泰医药连锁", 1) != ["闽侯县众泰大药房有限公司"]
    incremental = _index_state()
    subject_search_reindex()
    assert _index_state() == incremental


def _index_state():
    grams = set(SubjectNameGram.objects.values_list("gram", "subject_id"))
    stats = {(g, df) for g, df in SubjectNameGramStat.objects.values_list("gram", "df") if df}
    return grams, stats


def test_bulk_resolution_indexes_new_and_renamed_subjects(db, as_of):
    subjects_resolve_bulk(
        inputs=[
            SubjectInput(ORG, "厦门市鹭岛远航船务有限公司", uscc=uscc(41)),
            SubjectInput(IB, "示范县西河镇张记小吃店", uscc=uscc(42, category="92")),
            SubjectInput(PERSON, "钱七", ric=ric(43)),
        ],
        source="batch:1",
        as_of=as_of,
    )
    assert top("鹭岛远航船务", 1) == ["厦门市鹭岛远航船务有限公司"]
    assert top("张记小吃", 1) == ["示范县西河镇张记小吃店"]
    assert subject_search(query="钱七") == []
    subjects_resolve_bulk(
        inputs=[SubjectInput(ORG, "厦门鹭岛海运有限公司", uscc=uscc(41))], source="batch:2", as_of=as_of
    )
    hit = subject_search(query="鹭岛海运")[0]
    assert hit.subject.name == "厦门市鹭岛远航船务有限公司" and hit.match == "former_name"
    # New subjects are indexed from their names alone: the same index a rebuild makes.
    incremental = _index_state()
    subject_search_reindex()
    assert _index_state() == incremental


def test_common_bigrams_take_the_bounded_path(registry, monkeypatch):
    # With a tiny budget every bigram counts as common: candidates come from pairs of the rarest ones.
    monkeypatch.setattr(search, "POSTING_BUDGET", 1)
    assert top("恒宏鑫科技", 1) == ["福州市恒宏鑫科技有限公司"]
    assert top("恒宏金科技", 1) == ["福州市恒宏鑫科技有限公司"]  # one pair still holds both bigrams


def test_a_large_candidate_set_is_cut_by_rare_bigrams_first(registry, monkeypatch):
    monkeypatch.setattr(search, "RERANK_CANDIDATES", 2)
    assert top("福州市恒宏鑫科技", 1) == ["福州市恒宏鑫科技有限公司"]


def test_reindex_command_rebuilds_with_progress(registry):
    SubjectNameGram.objects.all().delete()
    SubjectNameGramStat.objects.all().delete()
    assert subject_search(query="恒宏鑫科技") == []
    out = io.StringIO()
    call_command("subjects", "reindex", "--chunk", "7", stdout=out)
    text = out.getvalue()
    assert "已处理 7 / 20 个主体" in text and "名称检索索引已重建：20 个主体" in text
    assert top("恒宏鑫科技", 1) == ["福州市恒宏鑫科技有限公司"]
    out = io.StringIO()
    call_command("subjects", "reindex", "--ids", str(registry["福州市泰嘉科技有限公司"].pk), stdout=out)
    assert "已重建 1 个主体" in out.getvalue()


def test_index_tables_use_plain_integer_keys():
    # Both databases: the posting list is read through the (gram, subject) primary key.
    assert SubjectNameGram._meta.pk.field_names == ("gram", "subject")
    with connection.cursor() as cursor:
        columns = [
            c.name for c in connection.introspection.get_table_description(cursor, "subjects_subjectnamegram")
        ]
    assert sorted(columns) == ["gram", "subject_id"]
