"""One code of a batch check: a 统一社会信用代码 or a 身份证 number, cleaned and validated, fast.

A batch holds up to a million codes, so the common case — a clean 18-character ASCII code whose check
character is right — is decided here with a few arithmetic operations; anything else (full-width
characters, spaces, a wrong check character, a spreadsheet number such as ``9.1E+17``) goes through
``xinyong.core.identifiers`` for the precise zh-hans message of the row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from operator import mul

from xinyong.core.identifiers import (
    USCC_ALPHABET,
    check_ric,
    check_uscc,
    normalize_code_input,
    ric_check_chars_ok,
    uscc_check_chars_ok,
)
from xinyong.core.masking import mask_ric, mask_ric_in_text

__all__ = ["CodeResult", "code_classify", "code_display"]

USCC = "uscc"
RIC = "ric"

_USCC_VALUES = {ch: i for i, ch in enumerate(USCC_ALPHABET)}
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_DIGITS = frozenset("0123456789")


@dataclass(frozen=True, slots=True)
class CodeResult:
    """A code as the batch uses it: ``code`` and ``kind`` when valid, else ``error_code``/``message``."""

    code: str
    kind: str
    error_code: str = ""
    message: str = ""
    # A USCC already as the check's parser wants it (``uscc_check_chars_ok``): the check skips parsing it.
    well_formed: bool = False

    @property
    def ok(self) -> bool:
        return not self.error_code


def _uscc_ok(code: str) -> bool:
    try:
        total = sum(map(mul, map(_USCC_VALUES.__getitem__, code[:17]), _USCC_WEIGHTS))
    except KeyError:
        return False
    if not code[2:8].isdigit():
        return False
    return USCC_ALPHABET[(31 - total % 31) % 31] == code[17]


def code_classify(value: object, *, as_of: dt.date) -> CodeResult:
    """Clean and validate one input value; a 15-digit 身份证 number is upgraded to 18 digits."""
    if value.__class__ is str and len(value) == 18 and value.isascii() and value.isalnum():
        code = value.upper()
    else:
        code = normalize_code_input(value)
        if isinstance(value, float | int) and not isinstance(value, bool):
            # A spreadsheet number: let the identifier checks name it (excel_truncated).
            return _slow(value, code, as_of=as_of)
    if len(code) == 18:
        if ric_check_chars_ok(code, as_of=as_of):
            return CodeResult(code, RIC)
        if uscc_check_chars_ok(code):
            return CodeResult(code, USCC, well_formed=True)
        if _uscc_ok(code):
            return CodeResult(code, USCC)
    return _slow(value, code, as_of=as_of)


def _looks_like_ric(code: str) -> bool:
    return len(code) in (15, 18) and all(c in _DIGITS for c in code[:-1]) and code[-1:] in "0123456789X"


def _slow(value: object, code: str, *, as_of: dt.date) -> CodeResult:
    if not code:
        return CodeResult("", "", "code_empty", "代码为空")
    ric = check_ric(value, as_of=as_of) if _looks_like_ric(code) else None
    if ric is not None and ric.ok:
        return CodeResult(ric.normalized or code, RIC)
    uscc = check_uscc(value)
    if uscc.ok:
        return CodeResult(uscc.normalized or code, USCC)
    # Report the problem of the kind the code most resembles.
    issue = (ric if ric is not None and code.isdigit() else uscc).errors[0]
    # The identifier messages speak to a department submitting data; the first sentence says what is wrong.
    message = issue.message if issue.code == "excel_truncated" else issue.message.split("。", 1)[0] + "。"
    return CodeResult(code, "", issue.code, mask_ric_in_text(message))


def code_display(code: str, kind: str) -> str:
    """The code as a result file shows it: 身份证 numbers masked, anything else as read (bounded)."""
    if kind == RIC:
        return mask_ric(code)
    if kind == USCC:
        return code
    if len(code) >= 15 and code[:14].isdigit():
        return mask_ric(code)  # an invalid number that may still be someone's 身份证 number
    return code[:40]
