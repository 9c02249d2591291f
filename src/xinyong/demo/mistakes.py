"""Typical mistakes departments make in their files (a mistyped check character, a code Excel turned into a
number, an impossible date, an empty required field, a fine in 元), for the demo's rejected rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from xinyong.core.codes import SubjectKind
from xinyong.core.identifiers import check_ric, check_uscc
from xinyong.demo.decisions import DecisionGenerator, DemoRow, Stream, decision_samples, yuan
from xinyong.demo.people import DemoSubject


def _bad_check_digit(uscc: str) -> str:
    """The USCC with one mistyped character: both its check characters then fail (uscc_check_digit)."""
    for position in range(9, 16):
        for ch in "0123456789":
            candidate = uscc[:position] + ch + uscc[position + 1 :]
            if candidate != uscc and any(e.code == "uscc_check_digit" for e in check_uscc(candidate).errors):
                return candidate
    raise AssertionError(f"no single-character typo of {uscc} fails both checks")


def _bad_ric(ric: str) -> str:
    wrong = str((int(ric[16]) + 1) % 10)
    candidate = ric[:16] + wrong + ric[17]
    assert not check_ric(candidate).ok
    return candidate


def _excel_number(uscc: str) -> str:
    """How a spreadsheet shows an 18-digit code typed as a number: 9.13604E+17."""
    return f"{uscc[0]}.{uscc[1:6]}E+17"


def faulty_rows(
    gen: DecisionGenerator, stream: Stream, people: list[DemoSubject], *, day: dt.date, spreadsheet: bool
) -> list[DemoRow]:
    """New decisions of the stream's department, each with one mistake departments typically make.

    ``spreadsheet``: the file is an XLSX, where a mangled code is a number cell, not text.
    """
    rng = gen.rng
    p = "XK" if stream.item == "license" else "CF"
    uscc, ric = f"{p}_XDR_SHXYM", f"{p}_XDR_ZJHM"
    samples = decision_samples(rng, people, stream.department, stream.item, count=60)

    def fresh(accept: Callable[[Any, DemoSubject], bool], *, fined: bool = False) -> dict[str, Any] | None:
        for pair in [pair for pair in samples if accept(*pair)]:
            samples.remove(pair)
            for _ in range(10):  # the sanctions are drawn: a fine is not certain
                row = gen.row(stream, *pair, gen.before(day, rng.randint(1, 5)))
                if not fined or "CF_NR_FK" in row.fields:
                    rows.append(row)
                    return row.fields
        return None

    rows: list[DemoRow] = []
    organisation = lambda kind, s: s.kind == SubjectKind.ORGANISATION  # noqa: E731
    if (fields := fresh(organisation)) is not None:
        fields[uscc] = _bad_check_digit(fields[uscc])
    if (fields := fresh(organisation)) is not None:
        fields[uscc] = float(_excel_number(fields[uscc])) if spreadsheet else _excel_number(fields[uscc])
    if (fields := fresh(lambda kind, s: True)) is not None:
        fields[f"{p}_JDRQ"] = "2023-13-01"
    if (fields := fresh(lambda kind, s: True)) is not None:
        fields["CF_YJ" if p == "CF" else "XK_NR"] = ""  # 处罚依据 / 许可内容 left empty
    if p == "CF" and (fields := fresh(lambda kind, s: bool(kind.fines), fined=True)) is not None:
        fields["CF_NR_FK"] = f"{yuan(fields['CF_NR_FK']).replace(',', '')}元"  # 元 instead of 万元
    if (fields := fresh(lambda kind, s: s.kind == SubjectKind.NATURAL_PERSON)) is not None:
        fields[ric] = _bad_ric(fields[ric])
    return rows
