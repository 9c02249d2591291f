import string

from hypothesis import given
from hypothesis import strategies as st

from xinyong.subjects.names import normalize_name


def to_full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def test_traditional_becomes_simplified():
    assert normalize_name("臺灣") == "台湾"
    assert normalize_name("廣州市國際貿易有限公司") == normalize_name("广州市国际贸易有限公司")


def test_full_and_half_width_brackets_are_one_name():
    assert normalize_name("某某（北京）有限公司") == normalize_name("某某(北京)有限公司")
    assert (
        normalize_name("某某【北京】有限公司") == normalize_name("某某[北京]有限公司") == "某某(北京)有限公司"
    )


def test_full_width_letters_and_case():
    assert normalize_name("ＡＢＣ科技有限公司") == normalize_name("abc科技有限公司") == "ABC科技有限公司"


def test_whitespace_of_every_kind_is_removed():
    assert normalize_name(" 某某\u3000有限\t公司\u200b ") == "某某有限公司"


def test_punctuation_differences_do_not_matter():
    assert (
        normalize_name("阿卜杜·热合曼") == normalize_name("阿卜杜•热合曼") == normalize_name("阿卜杜热合曼")
    )
    assert normalize_name("“某某”商行。") == normalize_name("某某商行")


def test_empty_input():
    assert normalize_name("") == ""
    assert normalize_name(None) == ""
    assert normalize_name(" \u3000 ") == ""


def test_different_names_stay_different():
    assert normalize_name("某某(北京)有限公司") != normalize_name("某某(上海)有限公司")


@given(st.text(max_size=40))
def test_normalisation_is_idempotent(name):
    once = normalize_name(name)
    assert normalize_name(once) == once


@given(st.text(alphabet=string.ascii_letters + string.digits + "()[] ", max_size=30))
def test_full_width_variant_has_same_key(name):
    assert normalize_name(to_full_width(name)) == normalize_name(name)


@given(st.text(max_size=40))
def test_key_contains_no_whitespace(name):
    assert not any(c.isspace() for c in normalize_name(name))
