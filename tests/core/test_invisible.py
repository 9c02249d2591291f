"""Invisible characters inserted anywhere into a key or identifier give the same normalised value
(document numbers, USCC, 身份证, 组织机构代码, 工商注册号, names), through the one function each goes through."""

from __future__ import annotations

import datetime as dt
import itertools
import random
import re
import unicodedata

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.factories import record_ingest_row, subject_create
from tests.subjects.factories import item_version, received
from xinyong.accounts.models import Department
from xinyong.catalog.models import CatalogItemVersion
from xinyong.core.codes import DisclosureScope, SubjectKind
from xinyong.core.identifiers import (
    check_org_code,
    check_ric,
    check_uscc,
    generate_org_code,
    generate_ric,
    generate_uscc,
    normalize_code_input,
)
from xinyong.core.invisible import (
    invisible_ranges,
    invisible_sql_pattern,
    is_invisible,
    strip_format_characters,
    strip_invisible,
)
from xinyong.records.loading.ingest import records_bulk_ingest
from xinyong.records.loading.prepare import RecordInput
from xinyong.records.models import Channel, CreditRecord
from xinyong.records.normalize import display_document_number, normalize_document_number
from xinyong.records.selectors import records_public
from xinyong.subjects.names import normalize_name

AS_OF = dt.date(2026, 6, 15)

# The characters the issue names, one of each kind (the rest come from the Unicode properties).
NAMED = [
    "\u200e",  # LRM
    "\u200f",  # RLM
    "\u061c",  # ALM
    *"\u202a\u202b\u202c\u202d\u202e",  # bidi embeddings, pop, overrides
    *"\u2066\u2067\u2068\u2069",  # bidi isolates
    "\u00ad",  # soft hyphen
    *"\u200b\u200c\u200d\u2060\ufeff",  # zero-width space, ZWNJ, ZWJ, word joiner, BOM
    *"\u115f\u1160\u3164\uffa0",  # Hangul fillers
    "\u034f",  # combining grapheme joiner
    "\ufe0f",
    "\U000e0101",  # variation selectors
    "\U000e0041",  # tag
    "\u2800",  # braille blank
    "\u3000",  # ideographic space
    "\x00",
]

# Any removed character: the named ones, any format character, any code point of the removed ranges.
invisible_chars = st.one_of(
    st.sampled_from(NAMED),
    st.characters(categories=("Cf",)),
    st.sampled_from(invisible_ranges()).flatmap(lambda r: st.integers(r[0], r[1])).map(chr),
)
insertions = st.lists(st.tuples(st.integers(0, 40), invisible_chars), min_size=1, max_size=6)


def insert(text: str, where: list[tuple[int, str]]) -> str:
    for position, char in where:
        position %= len(text) + 1
        text = text[:position] + char + text[position:]
    return text


any_text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=30)
document_numbers = st.one_of(
    st.builds(
        "{}罚〔{}〕{}号".format,
        st.sampled_from(["甲市监", "京市监", "乙县环", "ABC"]),
        st.integers(1990, 2030),
        st.integers(1, 99999),
    ),
    any_text,
)
seeds = st.integers(0, 2**32)


def test_the_removed_set_is_the_documented_one():
    for char in NAMED:
        assert is_invisible(char), hex(ord(char))
    for code in range(0x110000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        if unicodedata.category(char) in ("Cf", "Cc") or char.isspace():
            assert is_invisible(char), hex(code)
    # The quick check lets no removed character through (it has its own list of printable ignorables).
    for first, last in invisible_ranges():
        for code in range(first, last + 1):
            assert strip_invisible(f"甲{chr(code)}乙") == "甲乙", hex(code)
    # Visible characters stay: letters, digits, CJK, brackets, combining accents, private use.
    for char in "A9甲〔〕（）-/\u0301\ue000\ufffd":
        assert not is_invisible(char)


@settings(max_examples=300, deadline=None)
@given(text=document_numbers, where=insertions)
@example(text="e\u0301", where=[(1, "\u034f")])  # the joiner would block NFKC composition
@example(text="甲罚〔2026〕1号", where=[(2, "\u202e")])
def test_a_document_number_with_invisibles_inserted_has_the_same_key(text, where):
    key = normalize_document_number(text)
    assert normalize_document_number(insert(text, where)) == key
    assert not any(is_invisible(c) for c in key)


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=30))
def test_the_ascii_fast_paths_give_what_the_general_paths_give(text):
    # A zero-width space sends the text through the general path, which removes it first.
    assert normalize_document_number(text) == normalize_document_number(text + "\u200b")
    assert normalize_code_input(text) == normalize_code_input("\u200b" + text)
    assert strip_invisible(text) == strip_invisible(text + "\u00ad")


@settings(max_examples=200, deadline=None)
@given(seed=seeds, where=insertions)
def test_identifiers_with_invisibles_inserted_check_to_the_same_code(seed, where):
    rng = random.Random(seed)
    uscc = generate_uscc(rng, category="91")
    assert check_uscc(insert(uscc, where), subject_kind=SubjectKind.ORGANISATION).normalized == uscc
    ric = generate_ric(rng, birth_date=dt.date(1980, 5, 17), sex="F")
    assert check_ric(insert(ric, where), as_of=AS_OF).normalized == ric
    org_code = generate_org_code(rng)
    assert check_org_code(insert(org_code, where)).normalized == check_org_code(org_code).normalized
    registration_number = f"{rng.randrange(10**14, 10**15)}"  # 工商注册号 (legacy codes go through it too)
    assert normalize_code_input(insert(registration_number, where)) == registration_number


@settings(max_examples=200, deadline=None)
@given(
    name=st.one_of(
        st.sampled_from(
            ["甲市某某科技有限公司", "某某（北京）有限公司", "阿卜杜·热合曼", "臺灣某某有限公司"]
        ),
        any_text,
    ),
    where=insertions,
)
def test_names_with_invisibles_inserted_have_the_same_key(name, where):
    assert normalize_name(insert(name, where)) == normalize_name(name)


@settings(max_examples=100, deadline=None)
@given(text=document_numbers, where=insertions)
def test_the_displayed_number_keeps_spaces_but_no_format_characters(text, where):
    shown = display_document_number(insert(text, where))
    assert not any(is_invisible(c) and not (c.isspace() or unicodedata.category(c) == "Cc") for c in shown)
    assert strip_format_characters(shown) == shown
    assert normalize_document_number(shown) == normalize_document_number(text)


def test_the_sql_pattern_finds_what_is_removed():
    pattern = re.compile(invisible_sql_pattern())
    assert pattern.search("甲罚\u200e1号") and pattern.search("x\U000e0041")
    assert not pattern.search("甲市监罚(2024)12号")


_DOCUMENTS = itertools.count(1)


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(where=insertions, one_by_one=st.booleans())
def test_the_published_record_is_one_whatever_invisibles_the_number_carries(where, one_by_one):
    """Through a one-row form entry and a file chunk alike."""
    department, _ = Department.objects.get_or_create(code="dept-a", defaults={"name": "甲市市场监督管理局"})
    version = CatalogItemVersion.objects.filter(item__code="penalty").first() or item_version(
        "penalty", scope=DisclosureScope.PUBLIC
    )
    subject = subject_create(
        kind=SubjectKind.ORGANISATION, name="甲市某某科技有限公司", uscc=generate_uscc(random.Random(1))
    )
    # One decision per example (the examples share the test's transaction).
    number = f"甲市监罚〔2026〕{next(_DOCUMENTS)}号"
    decided = dt.date(2026, 5, 20)

    def fields(document):
        return {"CF_XDR_MC": subject.name, "CF_WSH": document, "CF_NR": "罚款", "CF_JDRQ": decided}

    def load(document, at):
        if one_by_one:
            return record_ingest_row(
                item_version=version,
                department=department,
                document_number=document,
                subject=subject,
                decision_date=decided,
                fields=fields(document),
                severity="general",
                channel=Channel.FORM,
                received_at=at,
            ).outcome
        result = records_bulk_ingest(
            item_version=version,
            department=department,
            rows=[(RecordInput(1, document, decided, fields(document), "general"), subject.pk)],
            channel=Channel.FILE,
            batch_ref="b",
            received_at=at,
        )
        return result.outcomes[0]

    assert load(number, received(1)) == "created"
    assert load(insert(number, where), received(2)) == "duplicate"
    records = CreditRecord.objects.filter(document_number_key=normalize_document_number(number))
    assert records.count() == 1 and records.get().document_number == number
    assert records_public(as_of=AS_OF).filter(pk=records.get().pk).exists()
