"""How deep a JSON text nests, found without parsing it.

``json.loads`` recurses once per level: a body of 100,000 ``[`` raises ``RecursionError`` (a server error,
not a refusal), and a depth just under the recursion limit builds a structure whose size grows with the
square of the depth in some parsers. Checking the depth first, on the text, keeps both out.
"""

from __future__ import annotations

import re

# A JSON string (escapes included) or a bracket: brackets inside strings are skipped with their string.
_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')
_STRING_OR_BRACKET_BYTES = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')
_OPENING = frozenset({"[", "{", b"[", b"{"})


def json_depth_exceeds(text: str | bytes, max_depth: int) -> bool:
    """True when the JSON ``text`` nests arrays and objects more than ``max_depth`` levels deep.

    Linear in the length of the text and without recursion; text that is not valid JSON is measured by its
    brackets all the same (the parser then reports what else is wrong).
    """
    if isinstance(text, bytes):
        if text.count(b"[") + text.count(b"{") <= max_depth:
            return False
        pattern = _STRING_OR_BRACKET_BYTES
    else:
        if text.count("[") + text.count("{") <= max_depth:
            return False
        pattern = _STRING_OR_BRACKET
    depth = 0
    for match in pattern.finditer(text):
        token = match[0]
        if len(token) != 1:
            continue  # a string
        if token in _OPENING:
            depth += 1
            if depth > max_depth:
                return True
        else:
            depth -= 1
    return False
