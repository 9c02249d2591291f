"""Invisible characters in keys and identifiers (文书号, 统一社会信用代码, 身份证号码, 注册号, names).

A value copied from a web page, a PDF or a word processor can carry characters that show nothing: bidi
marks (LRM U+200E, RLM U+200F, ALM U+061C), bidi embeddings, overrides and isolates (U+202A–U+202E,
U+2066–U+2069), the soft hyphen (U+00AD), zero-width space / joiners (U+200B–U+200D), the word joiner
(U+2060), the byte-order mark (U+FEFF), Hangul fillers (U+115F, U+1160, U+3164, U+FFA0), the combining
grapheme joiner (U+034F), variation selectors (U+FE00–U+FE0F, U+E0100–U+E01EF), tag characters … Two
values that look the same must give the same key, or one decision becomes two published records.

What is removed from a key, and why:

- every **format character** (Unicode general category ``Cf``): they only steer rendering, never add a
  visible letter;
- every **Default_Ignorable_Code_Point** (Unicode ``DerivedCoreProperties.txt``, UAX #44 §5.3): the
  standard's own list of code points that a renderer shows as nothing when it does not support them. It
  adds what ``Cf`` misses: the Hangul fillers, the combining grapheme joiner, variation selectors,
  Mongolian free variation selectors and the reserved ranges kept for future ignorables;
- every **control character** (``Cc``) and every **White_Space** character (U+3000 ideographic space,
  no-break space …): keys never contained spaces;
- U+2800 BRAILLE PATTERN BLANK, which renders as an empty cell and is a common stand-in for a space.

The properties come from the ``regex`` package (its Unicode database is kept current), not from a list
written here. Visible characters are never removed: a combining accent, a private-use character or a
replacement character stays and makes the key differ, as it makes the value look different.
"""

import functools
import re

import regex

# Key form: everything invisible, whitespace included.
_INVISIBLE = regex.compile(r"[\p{White_Space}\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}\u2800]+")
# Display form: the invisible characters that are not layout (spaces, line ends stay as received).
_FORMAT = regex.compile(r"[\p{Cf}\p{Default_Ignorable_Code_Point}\u2800]+")

# ASCII: whitespace and control characters are its only invisible ones (str.split() drops the whitespace).
_ASCII_INVISIBLE = dict.fromkeys([*range(0x21), 0x7F])
# Fast path: most values hold nothing to remove. str.isprintable() is false for every control, format,
# separator (other than the ASCII space) and unassigned code point; what it accepts of the removed set is
# the ASCII space and these default-ignorable combining marks, letters and symbol. A test checks the list
# against the properties.
_PRINTABLE_IGNORABLE = re.compile(
    "[ \u034f\u115f\u1160\u17b4\u17b5\u180b-\u180d\u180f\u2800\u3164\ufe00-\ufe0f\uffa0\U000e0100-\U000e01ef]"
)


def _clean(text: str) -> bool:
    """Whether a non-ASCII text certainly holds no invisible character (quick check)."""
    return text.isprintable() and _PRINTABLE_IGNORABLE.search(text) is None


def strip_invisible(text: str) -> str:
    """``text`` without whitespace, control, format and default-ignorable characters (key form)."""
    if text.isascii():
        if not text.isprintable():  # control characters (rare): a slower table lookup per character
            text = text.translate(_ASCII_INVISIBLE)
        return "".join(text.split())
    if _clean(text):
        return text
    return _INVISIBLE.sub("", text)


def strip_format_characters(text: str) -> str:
    """``text`` without format and default-ignorable characters, spaces kept (display form).

    For values shown to people (a document number on the public portal): a bidi override would display
    the characters in another order than they are stored, and nothing invisible belongs in them.
    """
    if text.isascii() or _clean(text):
        return text
    return _FORMAT.sub("", text)


def is_invisible(char: str) -> bool:
    """Whether one character is removed from keys by :func:`strip_invisible`."""
    return _INVISIBLE.fullmatch(char) is not None


@functools.cache
def invisible_ranges() -> list[tuple[int, int]]:
    """The code points :func:`strip_invisible` removes, as inclusive ranges (for SQL patterns; slow)."""
    ranges: list[list[int]] = []
    for code in range(0x110000):
        if 0xD800 <= code <= 0xDFFF or not is_invisible(chr(code)):
            continue
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return [(first, last) for first, last in ranges]


def invisible_sql_pattern() -> str:
    """A regular expression matching a text that holds an invisible character, for PostgreSQL and SQLite.

    Both read ``\\u200b`` and ``\\U000e0001``-style escapes inside a bracket expression (PostgreSQL's advanced
    regular expressions; Django's SQLite REGEXP is Python's ``re``).
    """

    def escape(code: int) -> str:
        return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"

    return (
        "["
        + "".join(escape(a) if a == b else f"{escape(a)}-{escape(b)}" for a, b in invisible_ranges())
        + "]"
    )
