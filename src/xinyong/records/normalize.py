"""Normalisation of document numbers (文书号) for the dedupe key, and canonical content hashing."""

import datetime as dt
import decimal
import hashlib
import json
import unicodedata

from xinyong.core.invisible import strip_format_characters, strip_invisible

_OPEN = "〔【〖［[{｛〈<"
_CLOSE = "〕】〗］]}｝〉>"
_BRACKETS = str.maketrans(_OPEN + _CLOSE, "(" * len(_OPEN) + ")" * len(_CLOSE))


def normalize_document_number(value: str | None) -> str:
    """Dedupe form of a document number: width, brackets, invisible characters unified, upper-case.

    ``京市监罚〔2024〕12号``, ``京市监罚[2024]12号``, ``京市监罚（２０２４）１２号`` and the same text with a
    bidi mark, soft hyphen or zero-width space inside (``core.invisible``) are one document. The one
    function for every path that stores or finds a record: the bulk loader (also for form entries), API filters,
    searches. See docs/collection-dedupe.md.
    """
    text = value or ""
    if text.isascii():
        return strip_invisible(text).translate(_BRACKETS).upper()
    # Before NFKC too: an invisible character between a letter and its combining mark blocks composition.
    stripped = strip_invisible(text)
    text = unicodedata.normalize("NFKC", stripped)
    if text is not stripped:  # NFKC returns its argument when nothing changes (the usual case)
        text = strip_invisible(text)  # it turns compatibility spaces (U+00A0, U+2000 …) into U+0020
    return text.translate(_BRACKETS).upper()


def display_document_number(value: str) -> str:
    """The document number as stored and shown: as received, without format characters or outer spaces.

    A bidi override would show the number in another order than it is stored (see ``core.invisible``).
    """
    return strip_format_characters(value).strip()


_PRIMITIVES = frozenset({str, int, float, bool, type(None)})
_TEXT = frozenset({str})


def jsonable(value):
    """Field values as JSON-storable primitives (dates as ISO text, decimals as text)."""
    # Exact-type fast paths: this runs for every field of every row the bulk loader stores.
    kind = type(value)
    if kind in _PRIMITIVES:
        return value
    if kind is dict:
        # Validated rows: text keys and primitive values, which a copy keeps as they are.
        if _PRIMITIVES.issuperset(map(type, value.values())) and _TEXT.issuperset(map(type, value)):
            return dict(value)
        return {
            (k if type(k) is str else str(k)): (v if type(v) in _PRIMITIVES else jsonable(v))
            for k, v in value.items()
        }
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


# One encoder for every call: json.dumps with options builds a new one each time.
_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def canonical_json(value) -> str:
    """One text per content: sorted keys, no insignificant whitespace, UTF-8 characters kept."""
    return _CANONICAL.encode(jsonable(value))


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
