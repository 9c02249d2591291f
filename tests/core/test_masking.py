"""Display masks for personal data."""

import datetime as dt
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinyong.core.identifiers import PROVINCES, generate_ric
from xinyong.core.masking import looks_like_id_number, mask_name, mask_phone, mask_ric, mask_ric_in_text


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("11010519491231002X", "110105********002X"),
        ("11010519491231002x", "110105********002X"),
        (" １１０１０５１９４９１２３１００２Ｘ ", "110105********002X"),
        ("110105491231002", "110105*****1002"),
        ("1101051949", "**********"),
        ("12345", "*****"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_ric(raw, masked):
    assert mask_ric(raw) == masked


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("张三", "张*"),
        ("李小明", "李**"),
        ("欧阳娜娜", "欧***"),
        ("阿依古丽·买买提", "阿*******"),
        (" 王 五 ", "王*"),
        ("张", "*"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_name(raw, masked):
    assert mask_name(raw) == masked


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("13812345678", "138****5678"),
        ("138 1234 5678", "138****5678"),
        ("+8613812345678", "+86*******5678"),
        ("0591-87654321", "059******4321"),
        ("87654321", "****4321"),
        ("12345", "*****"),
        (13812345678, "138****5678"),
        (None, ""),
    ],
)
def test_mask_phone(raw, masked):
    assert mask_phone(raw) == masked


@given(
    st.randoms(use_true_random=False),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2026, 6, 15)),
    st.sampled_from(["M", "F"]),
    st.sampled_from(sorted(PROVINCES)),
)
def test_mask_ric_never_reveals_the_middle(rng, birth_date, sex, province):
    number = generate_ric(rng, birth_date=birth_date, sex=sex, region=province + "0102")
    masked = mask_ric(number)
    assert masked == number[:6] + "*" * 8 + number[14:]
    assert f"{birth_date:%Y%m%d}" not in masked


@given(st.one_of(st.none(), st.text(), st.integers(), st.floats()))
def test_masks_never_raise_and_always_hide_something(value):
    for mask in (mask_ric, mask_phone, mask_name):
        masked = mask(value)
        assert isinstance(masked, str)
        if masked:
            assert "*" in masked


@given(st.text(min_size=1))
def test_mask_name_keeps_at_most_the_first_character(name):
    masked = mask_name(name)
    assert set(masked[1:]) <= {"*"}


# Separators and labels a person might type around an ID number (docs/access.md: no ID number in a URL).
_NOT_DIGITS = st.characters().filter(lambda c: not c.isdigit())
_NOISE = st.text(alphabet=_NOT_DIGITS, max_size=3)


@given(
    st.randoms(use_true_random=False),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2026, 6, 15)),
    st.integers(min_value=6, max_value=18),
    st.lists(_NOISE, min_size=19, max_size=19),
    st.booleans(),
)
def test_any_typed_form_of_six_or_more_id_digits_is_id_like(rng, birth_date, keep, noise, full_width):
    number = generate_ric(rng, birth_date=birth_date, sex="F", region="360499")[:keep]
    if full_width:
        number = number.translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"})
    typed = "".join(part + char for part, char in zip(noise, number, strict=False)) + noise[-1]
    assert looks_like_id_number(typed)
    # Shown back only masked: never the birth date.
    assert f"{birth_date:%Y%m%d}" not in mask_ric(typed) or keep < 14


@given(st.text(alphabet=_NOT_DIGITS), st.text(alphabet="0123456789", max_size=5))
def test_fewer_than_six_digits_is_not_id_like(text, digits):
    assert not looks_like_id_number(text + digits)


@given(
    seed=st.integers(min_value=0, max_value=2**32),
    birth=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 12, 31)),
    cut=st.integers(min_value=12, max_value=18),
)
def test_mask_ric_in_text_hides_every_id_number_of_a_message(seed, birth, cut):
    number = generate_ric(random.Random(seed), birth_date=birth, sex="F")[:cut]
    message = f"15 位旧身份证号码 {number[:15]} 已按国家标准升级为 18 位：{number}。"
    masked = mask_ric_in_text(message)
    assert number not in masked and number[:15] not in masked
    assert masked.startswith("15 位旧身份证号码 ") and "18 位" in masked
