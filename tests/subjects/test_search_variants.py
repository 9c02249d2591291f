"""Name search on a registry built from the same parts recombined (regions, trade names with homophones,
industries, legal forms): each variant class of docs/name-matching.md finds its subject in the top 5."""

from __future__ import annotations

import itertools

import pytest

from tests.subjects.factories import uscc
from xinyong.core.codes import SubjectKind
from xinyong.subjects import search
from xinyong.subjects.bulk import SubjectInput, subjects_resolve_bulk
from xinyong.subjects.search import name_keys, subject_search, subject_search_reindex

pytestmark = pytest.mark.django_db

REGIONS = ("商丘市", "郑州市", "河南省洛阳市", "虞城县", "苏州市", "福州")
TRADES = ("恒鑫", "恒新", "华达", "宏泰", "鸿泰")
INDUSTRIES = ("食品", "贸易", "科技")
FORMS = ("有限公司", "股份有限公司", "专业合作社")


def spelled(region: str, trade: str, industry: str, form: str) -> str:
    if region == "福州":  # this city's companies carry the region in brackets
        return f"{trade}（福州）{industry}{form}"
    if region == "郑州市" and form == "有限公司":
        form = "有限责任公司"
    return f"{region}{trade}{industry}{form}"


@pytest.fixture
def registry(db, as_of):
    names = [spelled(*parts) for parts in itertools.product(REGIONS, TRADES, INDUSTRIES, FORMS)]
    subjects_resolve_bulk(
        inputs=[
            SubjectInput(SubjectKind.ORGANISATION, name, uscc=uscc(5000 + i)) for i, name in enumerate(names)
        ],
        source="batch:variants",
        as_of=as_of,
    )
    return names


def top(query: str, n: int = 5) -> list[str]:
    return [hit.subject.name for hit in subject_search(query=query, limit=n)]


def test_keys_carry_legal_form_and_regions():
    assert name_keys("恒鑫（商丘）食品有限公司").regions == {"商丘"}
    assert name_keys("河南省商丘市恒鑫食品有限公司").regions == {"河南", "商丘"}
    assert name_keys("永城市恒鑫食品有限公司").core == "恒鑫食品"
    assert (
        name_keys("恒鑫（商丘）食品有限公司").core == name_keys("商丘恒鑫食品有限责任公司").core == "恒鑫食品"
    )
    assert name_keys("某某食品有限公司").form == name_keys("某某食品有限责任公司").form == "llc"
    assert name_keys("某某食品股份有限公司").form == "jsc"
    assert name_keys("某某种植专业合作社").form == "coop"
    assert name_keys("某某食品店").form == ""
    assert name_keys("华瑞（集团）有限公司").regions == frozenset()
    # Homophones read alike: 鑫 / 新 / 欣 are all xin.
    assert name_keys("恒鑫食品").sounds == name_keys("恒新食品").sounds == name_keys("恒欣食品").sounds


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # the region moved into brackets after the trade name, and back
        ("恒鑫（商丘）食品有限公司", "商丘市恒鑫食品有限公司"),
        ("华达(虞城)科技股份有限公司", "虞城县华达科技股份有限公司"),
        ("福州宏泰科技有限公司", "宏泰（福州）科技有限公司"),
        ("福州市鸿泰贸易专业合作社", "鸿泰（福州）贸易专业合作社"),
        # 有限公司 ↔ 有限责任公司 (one legal form), and other forms stay apart
        ("商丘市恒鑫食品有限责任公司", "商丘市恒鑫食品有限公司"),
        ("郑州市华达贸易有限公司", "郑州市华达贸易有限责任公司"),
        ("商丘市恒鑫食品股份有限公司", "商丘市恒鑫食品股份有限公司"),
        # traditional characters
        ("商丘市恆鑫食品有限公司", "商丘市恒鑫食品有限公司"),
        ("鴻泰（福州）貿易股份有限公司", "鸿泰（福州）贸易股份有限公司"),
    ],
)
def test_variant_finds_its_subject_first(registry, query, expected):
    assert top(query, 1) == [expected], top(query)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # one homophone: 馨 is not in the registry, and 恒鑫 / 恒新 read alike, so both are right-sounding
        ("商丘市恒馨食品有限公司", "商丘市恒鑫食品有限公司"),
        ("商丘市洪泰物流有限公司".replace("物流", "科技"), "商丘市宏泰科技有限公司"),
        ("虞城县华大贸易专业合作社", "虞城县华达贸易专业合作社"),
        # one similar-shape character (形近字)
        ("商丘市华这贸易有限公司", "商丘市华达贸易有限公司"),
        ("苏州市恒鑫科枝有限公司", "苏州市恒鑫科技有限公司"),
        ("河南省洛阳市宏秦食品股份有限公司", "河南省洛阳市宏泰食品股份有限公司"),
    ],
)
def test_one_character_slip_finds_its_subject_in_the_top_five(registry, query, expected):
    assert expected in top(query), top(query)


def test_without_region_the_same_industry_and_legal_form_rank_first(registry):
    # "恒鑫食品有限公司" exists in every region: each is a right answer, and all of them come before
    # a 恒鑫 of another industry or legal form, and before the homophone 恒新.
    same = {spelled(region, "恒鑫", "食品", "有限公司") for region in REGIONS}
    hits = top("恒鑫食品有限公司", len(same))
    assert set(hits) == same, hits
    hits = top("华达科技股份有限公司", 5)
    assert all((name_keys(n).core, name_keys(n).form) == ("华达科技", "jsc") for n in hits), hits


def test_the_bulk_path_indexes_what_a_rebuild_does(registry):
    before = [(h.subject_id, h.score) for h in subject_search(query="恒馨（商丘）食品", limit=10)]
    subject_search_reindex()
    assert [(h.subject_id, h.score) for h in subject_search(query="恒馨（商丘）食品", limit=10)] == before


def test_tie_breaks_bring_the_named_form_and_region_into_a_short_list(registry, monkeypatch):
    # Every 恒鑫食品 holds the same bigrams whatever its form: the form the query names decides which
    # candidates reach the final ranking when only one may.
    monkeypatch.setattr(search, "RERANK_CANDIDATES", 1)
    (hit,) = subject_search(query="恒鑫食品股份有限公司", limit=1)
    assert name_keys(hit.subject.name).form == "jsc", hit.subject.name
    (hit,) = subject_search(query="恒鑫食品专业合作社", limit=1)
    assert name_keys(hit.subject.name).form == "coop", hit.subject.name
    (hit,) = subject_search(query="华达（苏州）贸易", limit=1)
    assert hit.subject.name.startswith("苏州市华达贸易"), hit.subject.name


def test_a_long_page_of_results_is_not_cut_to_the_candidate_list(registry):
    # The portal asks for a page of 100: more than the candidates a check ranks.
    assert len(subject_search(query="恒鑫", limit=100)) > search.RERANK_CANDIDATES
