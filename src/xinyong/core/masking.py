"""Display masks for personal data (default public channel, docs/identifiers.md and docs/access.md).

Pure functions: they never raise, whatever they are given, and they never reveal more than the rule keeps.
A value too short for the rule is masked completely. Masks keep the length of the value.
"""

from __future__ import annotations

import re

from xinyong.core.identifiers import normalize_code_input

MASK_CHAR = "*"
# A run of digits long enough to be all or most of a 身份证 number (18 digits, the last possibly X).
_ID_RUN = re.compile(r"(?<![0-9A-Za-z])[0-9]{12,}[0-9Xx]?(?![0-9A-Za-z])")


def _keep_ends(text: str, *, head: int, tail: int) -> str:
    """Keep ``head`` leading and ``tail`` trailing characters; mask everything if that would reveal it all."""
    if len(text) <= head + tail:
        return MASK_CHAR * len(text)
    return text[:head] + MASK_CHAR * (len(text) - head - tail) + text[len(text) - tail :]


def mask_ric(value: object) -> str:
    """身份证 number: keep the first 6 (address code) and the last 4 characters (``110105********002X``)."""
    text = normalize_code_input(value)
    if len(text) < 15:
        # Not a 15- or 18-digit number: keeping 6 + 4 would show (nearly) all of it.
        return MASK_CHAR * len(text)
    return _keep_ends(text, head=6, tail=4)


def mask_ric_in_text(text: str) -> str:
    """``text`` (a message about a 身份证 number) with every run of 12 or more digits masked by :func:`mask_ric`."""
    return _ID_RUN.sub(lambda found: mask_ric(found.group(0)), text)


def mask_name(name: object) -> str:
    """Name of a natural person: keep the first character, mask the rest (张三 → 张*, 欧阳娜娜 → 欧***)."""
    text = "".join(str(name).split()) if name is not None else ""
    if len(text) < 2:
        return MASK_CHAR * len(text)
    return text[0] + MASK_CHAR * (len(text) - 1)


def mask_phone(value: object) -> str:
    """Phone number: a mobile keeps 3 + 4 (138****5678); a shorter number keeps only its last 4."""
    text = normalize_code_input(value)
    if len(text) >= 11:
        return _keep_ends(text, head=3, tail=4)
    if len(text) >= 8:
        return _keep_ends(text, head=0, tail=4)
    return MASK_CHAR * len(text)


# A typed query with this many digits or more may carry a 身份证 number, whole or in part (the 6-digit address
# code alone already narrows a person down): such a query is kept out of URLs and echoed masked. Digits of
# any script count (full-width ０-９ too) and separators do not matter (``360499/1990…``, ``360499,…``,
# ``身份证360499…``), so no way of typing a number slips through. Codes of organisations (USCC, 注册号) have as
# many digits and are treated the same way: cheap, and it keeps the rule simple. docs/access.md.
ID_LIKE_MIN_DIGITS = 6


def looks_like_id_number(text: object) -> bool:
    """Might ``text`` carry a 身份证 number, whole or in part? (``ID_LIKE_MIN_DIGITS`` digits or more)."""
    if text is None:
        return False
    return sum(1 for ch in str(text) if ch.isdigit()) >= ID_LIKE_MIN_DIGITS
