"""Chinese name normalisation for exact lookups of subjects.

The same organisation reaches the platform spelt in many ways: full-width or half-width letters and
brackets (``某某（北京）有限公司`` / ``某某(北京)有限公司``), stray spaces from spreadsheets, traditional
characters from older systems (``臺灣`` / ``台湾``), curly or straight quotes. ``normalize_name`` maps all of
them to one lookup key; it is stored on the subject (``name_normalized``, indexed) and on former-name
aliases, so a lookup is one indexed equality and can be done set-based for a whole batch.

The key is for matching only and is never displayed: the name as received stays on the subject.
"""

import functools
import re
import unicodedata

import opencc
from pypinyin.pinyin_dict import pinyin_dict

from xinyong.core.invisible import strip_invisible

# After NFKC, full-width （） already are (); the others have no compatibility mapping.
_OPEN_BRACKETS = "【〔〖［｛[{〈<"
_CLOSE_BRACKETS = "】〕〗］｝]}〉>"
_BRACKETS = str.maketrans(
    _OPEN_BRACKETS + _CLOSE_BRACKETS, "(" * len(_OPEN_BRACKETS) + ")" * len(_CLOSE_BRACKETS)
)

# Punctuation that differs between sources without changing which subject is meant: quotes, middle
# dots in transliterated names (阿卜杜·热合曼 / 阿卜杜•热合曼 / 阿卜杜热合曼), full stops, commas.
_DROPPED = re.compile(r"[\"'“”‘’「」『』《》·・•‧∙⋅.。,，、;；:：!！?？]")
# Dash variants become one ASCII hyphen.
_DASHES = re.compile(r"[‐‑‒–—―−﹣-]+")


@functools.lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    # Building the converter loads its dictionaries; do it once per process.
    return opencc.OpenCC("t2s")


def _normalize_once(name: str) -> str:
    # Whitespace and invisible characters (bidi marks, zero-width, soft hyphen … see core.invisible), before
    # NFKC (they block composition) and after it (it makes spaces of compatibility spaces).
    text = strip_invisible(unicodedata.normalize("NFKC", strip_invisible(name)))
    text = text.translate(_BRACKETS)
    text = _DROPPED.sub("", text)
    text = _DASHES.sub("-", text)
    text = _t2s().convert(text)
    return text.upper()


def normalize_name(name: str | None) -> str:
    """Return the lookup key of a subject name (width, brackets, whitespace, script, punctuation unified)."""
    if not name:
        return ""
    text = name
    # The steps interact on rare characters (upper-casing can yield a compatibility character that NFKC
    # changes again), so repeat until stable; real names settle after one pass.
    for _ in range(4):
        again = _normalize_once(text)
        if again == text:
            break
        text = again
    return text


@functools.lru_cache(maxsize=32768)
def syllable(char: str) -> str:
    """The toneless reading of a Chinese character (its first, most common one: 行 → ``xing``), or the
    character itself when it has none (letters, digits, rare characters).

    Used for homophone-tolerant search keys: 鑫/新/欣 all read ``xin``. ü is folded to u (绿 → ``lu``).
    """
    readings = pinyin_dict.get(ord(char)) if len(char) == 1 else None
    if not readings:
        return char
    first = readings.split(",", 1)[0]
    return "".join(c for c in unicodedata.normalize("NFD", first) if not unicodedata.combining(c))
