"""Date parsing for collection (docs/dual-disclosure.md): every accepted form, clear codes for the rest."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinyong.core.dates import (
    DATE_FORMS,
    LONG_TERM,
    DateParseError,
    excel_serial,
    format_date,
    parse_date_value,
)

MAY_DAY = dt.date(2023, 5, 1)


@pytest.mark.parametrize(
    "value",
    [
        "2023-05-01",
        "2023/05/01",
        "2023/5/1",
        "2023-5-1",
        "20230501",
        "2023年5月1日",
        "2023年05月01日",
        "2023 年 5 月 1 日",
        " 2023-05-01 ",
        "２０２３－０５－０１",  # full-width digits and hyphen
        "２０２３年５月１日",
        "2023-05-01 08:30:00",
        "2023-05-01T08:30",
        "2023/05/01 00:00:00.000",
        "45047",  # serial number that went through a CSV
        45047,
        45047.0,
        45047.75,  # a time of day is dropped
        Decimal("45047"),
        20230501,  # YYYYMMDD typed into a number cell
        20230501.0,
        dt.date(2023, 5, 1),
        dt.datetime(2023, 5, 1, 23, 59),
    ],
)
def test_accepted_forms(value):
    assert parse_date_value(value) == MAY_DAY


def test_long_term_date_is_an_ordinary_date():
    assert parse_date_value("2099/12/31") == LONG_TERM
    assert parse_date_value("2099年12月31日") == LONG_TERM


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("2023-13-01", "date_invalid"),
        ("2023-02-29", "date_invalid"),
        ("2023/02/30", "date_invalid"),
        ("20230230", "date_invalid"),
        ("2023年13月1日", "date_invalid"),
        (20231301, "date_invalid"),
        ("23/5/1", "date_format"),
        ("2023.05.01", "date_format"),
        ("2023-05", "date_format"),
        ("2023-05-01-", "date_format"),
        ("2023/05-01", "date_format"),
        ("五月一日", "date_format"),
        ("May 1, 2023", "date_format"),
        ("01/05/2023", "date_format"),
        ("2023年5月1", "date_format"),
        ("长期", "date_format"),
        (True, "date_format"),
        ([2023, 5, 1], "date_format"),
        ("", "date_empty"),
        ("   ", "date_empty"),
        (None, "date_empty"),
        (0, "date_serial_range"),
        (-1, "date_serial_range"),
        (60, "date_serial_range"),  # Excel's fictitious 1900-02-29
        (3_000_000, "date_serial_range"),
        (float("nan"), "date_serial_range"),
        (float("inf"), "date_serial_range"),
    ],
)
def test_rejected_values_have_a_code_and_a_chinese_hint(value, code):
    with pytest.raises(DateParseError) as info:
        parse_date_value(value)
    assert info.value.code == code
    assert "2023-05-01" in info.value.message
    assert "2023年5月1日" in info.value.message


@pytest.mark.parametrize(
    ("serial", "expected"),
    [
        (1, dt.date(1900, 1, 1)),
        (59, dt.date(1900, 2, 28)),
        (61, dt.date(1900, 3, 1)),
        (36526, dt.date(2000, 1, 1)),
        (45047, dt.date(2023, 5, 1)),
        (73415, dt.date(2100, 12, 31)),
    ],
)
def test_excel_serials_follow_the_1900_date_system(serial, expected):
    assert parse_date_value(serial) == expected
    assert excel_serial(expected) == serial


def test_message_quotes_the_value():
    with pytest.raises(DateParseError) as info:
        parse_date_value("2023-13-01")
    assert "“2023-13-01”" in info.value.message


any_day = st.dates(min_value=dt.date(1000, 1, 1), max_value=dt.date(9999, 12, 31))
excel_day = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(9999, 12, 31))


@given(day=any_day, form=st.sampled_from(DATE_FORMS))
def test_every_textual_form_round_trips(day, form):
    assert parse_date_value(format_date(day, form)) == day


@given(day=excel_day, fraction=st.floats(min_value=0, max_value=0.999, allow_nan=False))
def test_excel_serial_round_trips(day, fraction):
    serial = excel_serial(day)
    assert parse_date_value(serial) == day
    assert parse_date_value(serial + fraction) == day


@given(day=st.dates(min_value=dt.date(1927, 5, 19), max_value=dt.date(2173, 10, 13)))
def test_five_digit_serial_text_round_trips(day):
    assert parse_date_value(str(excel_serial(day))) == day


@given(day=any_day, form=st.sampled_from(DATE_FORMS))
def test_full_width_forms_round_trip(day, form):
    text = format_date(day, form)
    full = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)
    assert parse_date_value(full) == day


@given(text=st.text(max_size=12))
def test_anything_else_parses_or_raises_a_date_error(text):
    try:
        result = parse_date_value(text)
    except DateParseError as exc:
        assert exc.code in ("date_empty", "date_format", "date_invalid", "date_serial_range")
    else:
        assert isinstance(result, dt.date)
