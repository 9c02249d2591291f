"""Identifier checks: 统一社会信用代码 (USCC), 居民身份证号码 (RIC) and 组织机构代码.

Every check returns an :class:`IdResult` (``normalized``, ``errors``, ``warnings``). ``normalized`` is the
canonical form when the value is acceptable (no errors) and ``None`` otherwise; ``cleaned`` always holds the
input after :func:`normalize_code_input`, for display next to an error. Warnings never reject a value: they
flag it for review by an operator.

Each issue has a stable code and a zh-hans message (template in :data:`MESSAGES`; some messages append one
hint sentence specific to the input).

Errors
------
``excel_truncated``
    A USCC or RIC went through a spreadsheet cell formatted as a number. Detected (heuristic, see
    :func:`_excel_mangled`) when the input is a ``float`` (a RIC of at most 15 digits survives a float and is
    accepted), when the text is in scientific notation (``9.13501E+17``) or carries a decimal point
    (``913501001234567000.0``), or when the value is 18 digits ending in ``000`` *and* fails its check
    character (Excel keeps 15 significant digits, so the last three become zeros). A genuine all-digit code
    ending in ``000`` passes its check character and is accepted.
``uscc_empty``
    No USCC given.
``uscc_length``
    Not 18 characters (hint when it looks like a 15-digit 工商注册号 or a 9-character 组织机构代码).
``uscc_invalid_char``
    A character outside ``0123456789ABCDEFGHJKLMNPQRTUWXY`` (I, O, S, V, Z never occur); gives the position.
``uscc_division_format``
    Positions 3–8 (登记管理机关行政区划码) are not all digits.
``uscc_check_digit``
    Position 18 (the GB 32100 check character) is wrong. Positions 9–17 carry their own GB 11714 check,
    but a typing error in positions 1–8 or 18 leaves them untouched, so that check cannot tell such a typo
    from an early code: a record published under a code that does not exist misses the real subject, so
    the code is refused unless ``confirmed`` vouches for it (see ``uscc_check_digit_confirmed``). The
    message tells the department how to have a genuine early code confirmed (docs/identifiers.md).
``uscc_no_code_not_allowed``
    The no-code value ``00000000000000000X`` (or another 17-zero prefix) for a subject that is not a
    个体工商户, or whose kind is unknown.
``uscc_no_code_format``
    A 个体工商户 no-code value with 17 zeros but a last character other than ``X``.
``ric_empty`` / ``ric_length`` / ``ric_invalid_char``
    No 身份证 number; not 15 or 18 characters; a non-digit (only the last of 18 may be ``X``).
``ric_birth_date_invalid`` / ``ric_birth_date_too_early`` / ``ric_birth_date_future``
    Positions 7–14 are not a calendar date; the date is before 1900-01-01; the date is after ``as_of``.
``ric_check_digit``
    The ISO 7064 MOD 11-2 check character (position 18) is wrong.
``org_code_empty`` / ``org_code_length`` / ``org_code_invalid_char`` / ``org_code_check_digit``
    组织机构代码: none given; not 8 + 1 characters (``12345678-9`` or ``123456789``); a character other than
    digits and capital letters (check character: digit or ``X``); wrong GB 11714 check character.

Warnings
--------
``uscc_check_digit_confirmed``, ``uscc_check_digit_registered``
    Position 18 is wrong, but the caller's ``confirmed`` lookup vouches for the code: an operator confirmed
    it against the registration certificate (:data:`USCC_CONFIRMED_BY_OPERATOR`), or the registration
    authority itself reported it in a 登记注册 record (:data:`USCC_CONFIRMED_BY_REGISTRATION`). Some real
    early codes, issued before the standard settled, fail the check; they are accepted, flagged.
``uscc_org_code_check``
    Position 18 holds but positions 9–17 fail the GB 11714 check. Any single wrong character in positions
    1–17 breaks position 18 (31 is prime), so this is an issued code whose subject identifier is not a
    GB 11714 code, not a typing error; kept, flagged.
``uscc_no_code``
    The 个体工商户 no-code value ``00000000000000000X``: accepted, and the 工商注册号 becomes required.
``uscc_unknown_category``
    Positions 1–2 are not a pair of the GB 32100 category table (:data:`USCC_CATEGORIES`).
``uscc_kind_mismatch``
    The category contradicts the given subject kind (92 个体工商户 for an organisation, anything but 92 for a
    个体工商户, any USCC for a natural person).
``ric_upgraded_from_15``
    A legacy 15-digit number, upgraded to 18 digits (``19`` inserted after position 6, check computed).
``ric_unknown_region``
    Positions 1–2 are not a province-level code. Address codes are retired over time, so only the province
    is looked at and an unknown one is never an error.
"""

from __future__ import annotations

import datetime as dt
import math
import operator
import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from stdnum.cn import uscc as stdnum_uscc
from stdnum.iso7064 import mod_11_2

from xinyong.core.codes import SubjectKind
from xinyong.core.invisible import strip_invisible

__all__ = [
    "ERROR_MESSAGES",
    "MESSAGES",
    "PROVINCES",
    "USCC_ALPHABET",
    "USCC_AUTHORITIES",
    "USCC_CATEGORIES",
    "USCC_CONFIRMED_BY_OPERATOR",
    "USCC_CONFIRMED_BY_REGISTRATION",
    "USCC_NO_CODE",
    "UsccConfirmation",
    "UsccConfirmations",
    "WARNING_MESSAGES",
    "IdIssue",
    "IdResult",
    "OrgCodeResult",
    "RicResult",
    "UsccResult",
    "check_org_code",
    "check_ric",
    "check_uscc",
    "generate_org_code",
    "generate_ric",
    "generate_uscc",
    "normalize_code_input",
    "org_code_check_char",
]

# --- message table -------------------------------------------------------------------------------------

_REEXPORT_AS_TEXT = "请在电子表格中先将该列设置为“文本”格式，再从原始数据重新录入或导出。"

ERROR_MESSAGES: dict[str, str] = {
    "excel_truncated": (
        "{label}“{value}”已被电子表格当作数字处理（科学计数法或只保留 15 位有效数字），原值已无法恢复。"
        + _REEXPORT_AS_TEXT
    ),
    "uscc_empty": (
        "未填写统一社会信用代码。请填写 18 位统一社会信用代码；"
        "尚无统一社会信用代码的个体工商户填写 00000000000000000X，并同时填写工商注册号。"
    ),
    "uscc_length": "统一社会信用代码应为 18 位，实为 {length} 位（{value}）。请核对是否漏录或多录了字符。",
    "uscc_invalid_char": (
        "统一社会信用代码第 {position} 位的“{char}”不是有效字符：代码只由数字和大写字母组成，"
        "且不使用字母 I、O、S、V、Z。请对照原始证照更正。"
    ),
    "uscc_division_format": (
        "统一社会信用代码第 3–8 位是登记管理机关行政区划码，只能是数字，第 {position} 位却是“{char}”。"
        "请对照原始证照更正。"
    ),
    "uscc_check_digit": (
        "统一社会信用代码第 18 位校验码错误：按第 1–17 位计算应为 {expected}，实为 {actual}。"
        "代码中可能有录入错误（任何一位录错都会使校验码不符），请对照营业执照等登记证书核对全部 18 位后重新报送。"
        "如核对无误——少数早期赋予的代码不符合校验规则——请持登记证书（或加盖公章的复印件）联系平台运营单位"
        "（本级信用办）申请确认该代码；确认后原样重新报送即可入库（文件报送的，将退回文件中的该行重新上传）。"
    ),
    "uscc_no_code_not_allowed": (
        "占位码 {value} 只能用于尚无统一社会信用代码的个体工商户，当前行政相对人类别为“{kind}”。"
        "请填写该主体真实的统一社会信用代码；如确为个体工商户，请将类别标为个体工商户并填写工商注册号。"
    ),
    "uscc_no_code_format": (
        "个体工商户占位码应为 17 个 0 加大写字母 X（00000000000000000X），实为 {value}。"
        "请按此更正，并同时填写工商注册号。"
    ),
    "ric_empty": "未填写身份证号码。请填写 18 位居民身份证号码。",
    "ric_length": "身份证号码应为 18 位（旧证 15 位），实为 {length} 位（{value}）。请核对是否漏录或多录了数字。",
    "ric_invalid_char": (
        "身份证号码第 {position} 位的“{char}”不是有效字符：前 17 位只能是数字，第 18 位可以是数字或 X。"
        "请对照证件更正。"
    ),
    "ric_birth_date_invalid": "身份证号码第 7–14 位的出生日期“{value}”不是有效日期。请核对出生年月日。",
    "ric_birth_date_too_early": (
        "身份证号码中的出生日期 {birth_date} 早于 1900 年 1 月 1 日，不可能是有效号码。请核对第 7–14 位。"
    ),
    "ric_birth_date_future": (
        "身份证号码中的出生日期 {birth_date} 晚于当前日期 {as_of}。请核对第 7–14 位的出生年月日。"
    ),
    "ric_check_digit": (
        "身份证号码第 18 位校验码错误：应为 {expected}，实为 {actual}。号码中可能有录入错误，请对照证件核对全部数字。"
    ),
    "org_code_empty": "未填写组织机构代码。请按“12345678-9”的格式填写 9 位组织机构代码。",
    "org_code_length": (
        "组织机构代码应为 8 位本体代码加 1 位校验码（如 12345678-9），实为 {length} 位（{value}）。"
        "请核对是否漏录或多录了字符。"
    ),
    "org_code_invalid_char": (
        "组织机构代码第 {position} 位的“{char}”不是有效字符：前 8 位只能是数字或大写字母，"
        "第 9 位（校验码）只能是数字或 X。请对照原始证照更正。"
    ),
    "org_code_check_digit": (
        "组织机构代码校验码错误：应为 {expected}，实为 {actual}。代码中可能有录入错误，请核对原始证照。"
    ),
}

WARNING_MESSAGES: dict[str, str] = {
    "uscc_check_digit_confirmed": (
        "统一社会信用代码 {value} 的第 18 位校验码不符合国家标准（按规则应为 {expected}，实为 {actual}），"
        "平台运营单位已对照登记证书确认该代码真实有效。已接收，无需处理。"
    ),
    "uscc_check_digit_registered": (
        "统一社会信用代码 {value} 的第 18 位校验码不符合国家标准（按规则应为 {expected}，实为 {actual}），"
        "但登记机关在登记注册信息中报送了该代码。已接收，请确认与登记证书一致。"
    ),
    "uscc_org_code_check": (
        "统一社会信用代码第 18 位校验正确，但第 9–17 位不符合组织机构代码校验规则（第 17 位按规则应为 {expected}，"
        "实为 {actual}）。已接收，请对照原始证照核对该代码，如有录入错误请更正后重新报送。"
    ),
    "uscc_no_code": (
        "统一社会信用代码为个体工商户占位码 00000000000000000X，表示该个体工商户尚无统一社会信用代码。"
        "必须同时填写工商注册号。"
    ),
    "uscc_unknown_category": (
        "统一社会信用代码前两位“{category}”不在国家标准的登记管理部门和机构类别代码表中。已接收，请核对原始证照。"
    ),
    "uscc_kind_mismatch": (
        "统一社会信用代码前两位“{category}”表示{category_name}，与行政相对人类别“{kind}”不符。"
        "请核对行政相对人类别或代码。"
    ),
    "ric_upgraded_from_15": "15 位旧身份证号码 {value} 已按国家标准升级为 18 位：{upgraded}。",
    "ric_unknown_region": (
        "身份证号码前两位“{prefix}”不是省级行政区划代码。已接收，请对照证件核对号码前 6 位。"
    ),
}

#: Every issue code → its message template (errors first).
MESSAGES: dict[str, str] = {**ERROR_MESSAGES, **WARNING_MESSAGES}

# --- reference tables ----------------------------------------------------------------------------------

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_NO_CODE = "0" * 17 + "X"

#: What a ``confirmed`` lookup of :func:`check_uscc` answers for a code that fails its check character:
#: an operator confirmed it, or the registration authority reported it; ``None`` otherwise.
USCC_CONFIRMED_BY_OPERATOR = "operator"
USCC_CONFIRMED_BY_REGISTRATION = "registration"
UsccConfirmation = Callable[[str], str | None]
_CONFIRMED_WARNINGS = {
    USCC_CONFIRMED_BY_OPERATOR: "uscc_check_digit_confirmed",
    USCC_CONFIRMED_BY_REGISTRATION: "uscc_check_digit_registered",
}


@dataclass(frozen=True)
class UsccConfirmations:
    """A ``confirmed`` lookup for :func:`check_uscc` from a snapshot of the confirmed codes.

    ``codes`` maps a code to how it was confirmed; ``registration_authority`` vouches for every code, for
    the subject of a 登记注册 record submitted by its registration authority. A batch reads the snapshot
    once (it is plain data, so it also travels to the process that validates a large file).
    """

    codes: Mapping[str, str] = field(default_factory=dict)
    registration_authority: bool = False

    def __call__(self, code: str) -> str | None:
        found = self.codes.get(code)
        if found is None and self.registration_authority:
            return USCC_CONFIRMED_BY_REGISTRATION
        return found

    def without_registration(self) -> UsccConfirmations:
        """The same codes, for USCC fields other than the subject's (a department's own code …)."""
        return UsccConfirmations(codes=self.codes) if self.registration_authority else self


#: GB 32100-2015 position 1: 登记管理部门.
USCC_AUTHORITIES: dict[str, str] = {
    "1": "机构编制",
    "2": "外交",
    "3": "司法行政",
    "4": "文化",
    "5": "民政",
    "6": "旅游",
    "7": "宗教",
    "8": "工会",
    "9": "市场监管（工商）",
    "A": "中央军委改革和编制办公室",
    "N": "农业",
    "Y": "其他",
}

#: GB 32100-2015 positions 1–2: 登记管理部门 + 机构类别.
USCC_CATEGORIES: dict[str, str] = {
    "11": "机关",
    "12": "事业单位",
    "13": "中央编办直接管理机构编制的群众团体",
    "19": "其他（机构编制）",
    "21": "外国常驻新闻机构",
    "29": "其他（外交）",
    "31": "律师执业机构",
    "32": "公证处",
    "33": "基层法律服务所",
    "34": "司法鉴定机构",
    "35": "仲裁委员会",
    "39": "其他（司法行政）",
    "41": "外国在华文化中心",
    "49": "其他（文化）",
    "51": "社会团体",
    "52": "民办非企业单位",
    "53": "基金会",
    "59": "其他（民政）",
    "61": "外国旅游部门常驻代表机构",
    "62": "港澳台地区旅游部门常驻内地（大陆）代表机构",
    "69": "其他（旅游）",
    "71": "宗教活动场所",
    "72": "宗教院校",
    "79": "其他（宗教）",
    "81": "基层工会",
    "89": "其他（工会）",
    "91": "企业",
    "92": "个体工商户",
    "93": "农民专业合作社",
    "A1": "军队事业单位",
    "A9": "其他（军队）",
    "N1": "组级集体经济组织",
    "N2": "村级集体经济组织",
    "N3": "乡镇级集体经济组织",
    "N9": "其他（农业）",
    "Y1": "其他",
}

_INDIVIDUAL_BUSINESS_CATEGORY = "92"

#: GB/T 2260 province-level codes (positions 1–2 of a 身份证 number).
PROVINCES: dict[str, str] = {
    "11": "北京市",
    "12": "天津市",
    "13": "河北省",
    "14": "山西省",
    "15": "内蒙古自治区",
    "21": "辽宁省",
    "22": "吉林省",
    "23": "黑龙江省",
    "31": "上海市",
    "32": "江苏省",
    "33": "浙江省",
    "34": "安徽省",
    "35": "福建省",
    "36": "江西省",
    "37": "山东省",
    "41": "河南省",
    "42": "湖北省",
    "43": "湖南省",
    "44": "广东省",
    "45": "广西壮族自治区",
    "46": "海南省",
    "50": "重庆市",
    "51": "四川省",
    "52": "贵州省",
    "53": "云南省",
    "54": "西藏自治区",
    "61": "陕西省",
    "62": "甘肃省",
    "63": "青海省",
    "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区",
    "71": "台湾省",
    "81": "香港特别行政区",
    "82": "澳门特别行政区",
}

_RIC_MIN_BIRTH_DATE = dt.date(1900, 1, 1)
_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ORG_CODE_BODY = re.compile(r"[0-9A-Z]")

# Spreadsheet renderings of a number: scientific notation (one digit before the point, a short exponent:
# "9.13501E+17"), or digits with a decimal point. A real code may hold an "E" between digits
# ("913501000413E39010"), which is not a number.
_NUMERIC_TEXT = re.compile(r"[+-]?\d(\.\d*)?E[+-]?\d{1,3}|\d+\.\d*")

# --- result types --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IdIssue:
    """One problem found in an identifier: a stable machine code and a zh-hans message."""

    code: str
    message: str


@dataclass
class IdResult:
    """Outcome of an identifier check."""

    normalized: str | None
    errors: list[IdIssue] = field(default_factory=list)
    warnings: list[IdIssue] = field(default_factory=list)
    cleaned: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def codes(self) -> tuple[str, ...]:
        """Codes of all issues, errors first."""
        return tuple(issue.code for issue in [*self.errors, *self.warnings])

    def has(self, code: str) -> bool:
        return code in self.codes


@dataclass
class UsccResult(IdResult):
    registration_authority: str | None = None
    registration_authority_name: str | None = None
    category: str | None = None
    category_name: str | None = None
    division_code: str | None = None
    org_code: str | None = None
    is_no_code: bool = False


@dataclass
class RicResult(IdResult):
    birth_date: dt.date | None = None
    sex: str | None = None  # "M" / "F"
    province: str | None = None
    upgraded_from_15: bool = False


@dataclass
class OrgCodeResult(IdResult):
    @property
    def display(self) -> str | None:
        """The printed form ``12345678-9``."""
        return f"{self.normalized[:8]}-{self.normalized[8]}" if self.normalized else None


def _issue(code: str, *, hint: str = "", **params: object) -> IdIssue:
    return IdIssue(code, MESSAGES[code].format(**params) + hint)


# --- normalisation -------------------------------------------------------------------------------------

_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63"), "-")
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_ASCII_UPPER = {code: code - 32 for code in range(ord("a"), ord("z") + 1)}
_TRANSLATION = {**_DASHES, **_FULL_WIDTH}


def _float_text(value: float) -> str:
    """The digits a spreadsheet shows for a float cell (shortest round-trip form, no exponent)."""
    if not math.isfinite(value):
        return ""
    number = Decimal(repr(value))
    if number == number.to_integral_value():
        return format(number.to_integral_value(), "f")
    return format(number, "f")


def normalize_code_input(value: object) -> str:
    """Clean a typed or imported code: drop whitespace and invisible characters (``core.invisible``),
    full-width → half-width, upper-case ASCII."""
    if value is None:
        return ""
    text = _float_text(value) if isinstance(value, float) else str(value)
    if text.isascii():
        # ASCII's only invisible characters are whitespace and controls, and the translation tables change
        # only its lower-case letters: the general steps below give the same text.
        return ("".join(text.split()) if text.isprintable() else strip_invisible(text)).upper()
    # Whitespace of any kind (U+3000, NBSP …), bidi marks, zero-width and other invisible characters.
    text = strip_invisible(text)
    # Upper-case only ASCII letters: other scripts keep their length and stay visible in error messages.
    return text.translate(_TRANSLATION).translate(_ASCII_UPPER)


def _excel_mangled(value: object, cleaned: str, *, check_fails: bool, allow_short_float: bool) -> bool:
    """Whether a USCC / RIC value looks like a spreadsheet number rather than the typed code."""
    if isinstance(value, float):
        # A float holds 15 significant digits exactly: enough for a legacy 15-digit RIC, never for 18.
        return not (allow_short_float and value.is_integer() and abs(value) < 1e15)
    if _NUMERIC_TEXT.fullmatch(cleaned):
        return True
    return check_fails and len(cleaned) == 18 and cleaned.isdigit() and cleaned.endswith("000")


def _first_invalid(text: str, allowed: str, *, offset: int = 0) -> tuple[int, str] | None:
    for index, char in enumerate(text):
        if char not in allowed:
            return index + 1 + offset, char
    return None


# --- 组织机构代码 (GB 11714) -----------------------------------------------------------------------------


_USCC_SHAPE = re.compile(r"[0-9A-HJ-NP-RTUWXY]{2}[0-9]{6}[0-9A-HJ-NP-RTUWXY]{10}")
_USCC_VALUES = {ch: i for i, ch in enumerate(USCC_ALPHABET)}
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_BASE36_VALUES = {ch: i for i, ch in enumerate(_BASE36)}


_RIC_FAST_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_RIC_FAST_CHECK = "10X98765432"


def ric_check_chars_ok(code: str, *, as_of: dt.date) -> bool:
    """A fast test on bulk paths: ``code`` is 18 characters that form a valid 身份证 number (ISO 7064 MOD 11-2
    check character, a birth date between 1900-01-01 and ``as_of``). About one such number in 341 also passes
    ``uscc_check_chars_ok``: callers must treat those as possibly personal (never log them in full)."""
    if len(code) != 18:
        return False
    body = code[:17]
    if not body.isdigit() or not body.isascii():
        return False
    if _RIC_FAST_CHECK[sum(map(operator.mul, map(int, body), _RIC_FAST_WEIGHTS)) % 11] != code[17]:
        return False
    try:
        born = dt.date(int(code[6:10]), int(code[10:12]), int(code[12:14]))
    except ValueError:
        return False
    return _RIC_MIN_BIRTH_DATE <= born <= as_of


def uscc_check_chars_ok(code: str) -> bool:
    """A fast test for the common case on bulk paths: ``code`` is already 18 characters of the USCC alphabets
    in the right places and both check characters (GB 32100 and the embedded GB 11714 organisation code) are
    right. No normalisation and no reasons: ``check_uscc`` gives those for anything else."""
    if len(code) != 18 or not _USCC_SHAPE.fullmatch(code):
        return False
    # The shape admits only characters of both alphabets: the sums need no further checks.
    total = sum(map(operator.mul, map(_USCC_VALUES.__getitem__, code[:17]), _USCC_WEIGHTS))
    if USCC_ALPHABET[-total % 31] != code[17]:
        return False
    check = 11 - sum(map(operator.mul, map(_BASE36_VALUES.__getitem__, code[8:16]), _ORG_CODE_WEIGHTS)) % 11
    return ("X" if check == 10 else "0" if check == 11 else str(check)) == code[16]


def org_code_check_char(body: str) -> str:
    """GB 11714 check character of an 8-character body (python-stdnum has no GB 11714 module)."""
    total = sum(_BASE36.index(char) * weight for char, weight in zip(body, _ORG_CODE_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def check_org_code(value: object) -> OrgCodeResult:
    """Check a 组织机构代码 (GB 11714), with or without the hyphen before the check character."""
    cleaned = normalize_code_input(value)
    result = OrgCodeResult(normalized=None, cleaned=cleaned)
    if not cleaned:
        result.errors.append(_issue("org_code_empty"))
        return result
    # The printed form puts a hyphen before the check character.
    code = cleaned[:-2] + cleaned[-1] if cleaned[-2:-1] == "-" else cleaned
    if len(code) != 9:
        hint = ""
        if isinstance(value, int | float) and len(code) < 9:
            hint = "该值可能被电子表格当作数字而丢失了开头的 0。" + _REEXPORT_AS_TEXT
        result.errors.append(_issue("org_code_length", hint=hint, length=len(code), value=cleaned))
        return result
    invalid = _first_invalid(code[:8], _BASE36) or _first_invalid(code[8], "0123456789X", offset=8)
    if invalid:
        result.errors.append(_issue("org_code_invalid_char", position=invalid[0], char=invalid[1]))
        return result
    expected = org_code_check_char(code[:8])
    if code[8] != expected:
        result.errors.append(_issue("org_code_check_digit", expected=expected, actual=code[8]))
        return result
    result.normalized = code
    return result


# --- 统一社会信用代码 (GB 32100) ---------------------------------------------------------------------------

_USCC_CONFUSABLE = {"O": "0", "I": "1", "Z": "2", "S": "5"}


def _uscc_length_hint(code: str) -> str:
    if len(code) == 15 and code.isdigit():
        return "15 位数字通常是工商注册号，请填入“工商注册号”一栏。"
    if len(code) in (9, 10) and check_org_code(code).ok:
        return "这是组织机构代码，请填入“组织机构代码”一栏。"
    return ""


def _uscc_char_hint(code: str, position: int, char: str) -> str:
    if position == 18 and len(code) == 18 and code[2:8].isdigit():
        # Only the check character is wrong: tell the user what it should be.
        return f"按校验规则，第 18 位应为 {stdnum_uscc.calc_check_digit(code[:17])}。"
    if char in _USCC_CONFUSABLE:
        return f"注意字母“{char}”常被误录，此处可能应为数字“{_USCC_CONFUSABLE[char]}”。"
    return ""


def _kind_label(subject_kind: str | None) -> str:
    return str(SubjectKind(subject_kind).label) if subject_kind else "未指定"


def _check_uscc_no_code(result: UsccResult, subject_kind: str | None) -> UsccResult:
    code = result.cleaned
    if subject_kind != SubjectKind.INDIVIDUAL_BUSINESS:
        result.errors.append(_issue("uscc_no_code_not_allowed", value=code, kind=_kind_label(subject_kind)))
    elif code != USCC_NO_CODE:
        result.errors.append(_issue("uscc_no_code_format", value=code))
    else:
        result.normalized = code
        result.is_no_code = True
        result.warnings.append(_issue("uscc_no_code"))
    return result


def check_uscc(
    value: object, *, subject_kind: str | None = None, confirmed: UsccConfirmation | None = None
) -> UsccResult:
    """Check a 统一社会信用代码 (GB 32100-2015) with the real-life exceptions of docs/identifiers.md.

    ``confirmed`` is asked only about a well-formed code whose check character is wrong; it answers
    :data:`USCC_CONFIRMED_BY_OPERATOR`, :data:`USCC_CONFIRMED_BY_REGISTRATION` or ``None`` (this module
    knows no database: the subjects app keeps the confirmed codes).
    """
    if subject_kind is not None:
        subject_kind = SubjectKind(subject_kind)  # a wrong kind is a programming error: ValueError
    cleaned = normalize_code_input(value)
    result = UsccResult(normalized=None, cleaned=cleaned)
    if not cleaned:
        result.errors.append(_issue("uscc_empty"))
        return result
    if _excel_mangled(value, cleaned, check_fails=False, allow_short_float=False):
        result.errors.append(_issue("excel_truncated", label="统一社会信用代码", value=cleaned))
        return result
    if len(cleaned) == 18 and cleaned.startswith("0" * 17):
        return _check_uscc_no_code(result, subject_kind)

    if len(cleaned) != 18:
        result.errors.append(
            _issue("uscc_length", hint=_uscc_length_hint(cleaned), length=len(cleaned), value=cleaned)
        )
    invalid = _first_invalid(cleaned, USCC_ALPHABET)
    if invalid:
        position, char = invalid
        result.errors.append(
            _issue(
                "uscc_invalid_char",
                hint=_uscc_char_hint(cleaned, position, char),
                position=position,
                char=char,
            )
        )
    elif len(cleaned) == 18 and (bad := _first_invalid(cleaned[2:8], "0123456789", offset=2)):
        result.errors.append(_issue("uscc_division_format", position=bad[0], char=bad[1]))
    if result.errors:
        return result

    expected18 = stdnum_uscc.calc_check_digit(cleaned[:17])
    expected17 = org_code_check_char(cleaned[8:16])
    if cleaned[17] != expected18:
        # Whatever positions 9–17 say: see ``uscc_check_digit`` in the module docstring. A confirmed code
        # is real, so it is asked about before the spreadsheet heuristic.
        vouched = confirmed(cleaned) if confirmed is not None else None
        if vouched not in _CONFIRMED_WARNINGS:
            if _excel_mangled(value, cleaned, check_fails=True, allow_short_float=False):
                result.errors.append(_issue("excel_truncated", label="统一社会信用代码", value=cleaned))
            else:
                result.errors.append(_issue("uscc_check_digit", expected=expected18, actual=cleaned[17]))
            return result
        result.warnings.append(
            _issue(_CONFIRMED_WARNINGS[vouched], value=cleaned, expected=expected18, actual=cleaned[17])
        )
    elif cleaned[16] != expected17:
        result.warnings.append(_issue("uscc_org_code_check", expected=expected17, actual=cleaned[16]))

    result.normalized = cleaned
    result.registration_authority = cleaned[0]
    result.registration_authority_name = USCC_AUTHORITIES.get(cleaned[0])
    result.category = cleaned[:2]
    result.category_name = USCC_CATEGORIES.get(result.category)
    result.division_code = cleaned[2:8]
    result.org_code = cleaned[8:17]
    if result.category_name is None:
        result.warnings.append(_issue("uscc_unknown_category", category=result.category))
    elif subject_kind is not None and _kind_contradicts(result.category, subject_kind):
        result.warnings.append(
            _issue(
                "uscc_kind_mismatch",
                category=result.category,
                category_name=result.category_name,
                kind=_kind_label(subject_kind),
            )
        )
    return result


def _kind_contradicts(category: str, subject_kind: str) -> bool:
    if subject_kind == SubjectKind.INDIVIDUAL_BUSINESS:
        return category != _INDIVIDUAL_BUSINESS_CATEGORY
    if subject_kind == SubjectKind.ORGANISATION:
        return category == _INDIVIDUAL_BUSINESS_CATEGORY
    return True  # a natural person has no USCC


# --- 居民身份证号码 (GB 11643-1999) ------------------------------------------------------------------------


def _ric_check_char(body17: str) -> str:
    return mod_11_2.calc_check_digit(body17)


def check_ric(value: object, *, as_of: dt.date | None = None) -> RicResult:
    """Check a 居民身份证号码 (GB 11643-1999); a legacy 15-digit number is upgraded to 18 digits."""
    if as_of is None:
        from django.utils import timezone

        as_of = timezone.localdate()
    cleaned = normalize_code_input(value)
    result = RicResult(normalized=None, cleaned=cleaned)
    if not cleaned:
        result.errors.append(_issue("ric_empty"))
        return result
    if _excel_mangled(value, cleaned, check_fails=False, allow_short_float=True):
        result.errors.append(_issue("excel_truncated", label="身份证号码", value=cleaned))
        return result
    if len(cleaned) not in (15, 18):
        result.errors.append(_issue("ric_length", length=len(cleaned), value=cleaned))
        return result
    if len(cleaned) == 18:
        invalid = _first_invalid(cleaned[:17], "0123456789") or _first_invalid(
            cleaned[17], "0123456789X", offset=17
        )
    else:
        invalid = _first_invalid(cleaned, "0123456789")
    if invalid:
        result.errors.append(_issue("ric_invalid_char", position=invalid[0], char=invalid[1]))
    if result.errors:
        return result

    if len(cleaned) == 15:
        body17 = cleaned[:6] + "19" + cleaned[6:]
        number = body17 + _ric_check_char(body17)
        result.upgraded_from_15 = True
        result.warnings.append(_issue("ric_upgraded_from_15", value=cleaned, upgraded=number))
    else:
        number = cleaned
        expected = _ric_check_char(number[:17])
        if number[17] != expected:
            if _excel_mangled(value, cleaned, check_fails=True, allow_short_float=True):
                result.errors.append(_issue("excel_truncated", label="身份证号码", value=cleaned))
                return result
            result.errors.append(_issue("ric_check_digit", expected=expected, actual=number[17]))

    try:
        birth_date = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        result.errors.append(_issue("ric_birth_date_invalid", value=number[6:14]))
    else:
        if birth_date < _RIC_MIN_BIRTH_DATE:
            result.errors.append(_issue("ric_birth_date_too_early", birth_date=birth_date.isoformat()))
        elif birth_date > as_of:
            result.errors.append(
                _issue("ric_birth_date_future", birth_date=birth_date.isoformat(), as_of=as_of.isoformat())
            )
        result.birth_date = birth_date
    if result.errors:
        return result

    result.normalized = number
    result.sex = "M" if int(number[16]) % 2 else "F"
    result.province = PROVINCES.get(number[:2])
    if result.province is None:
        result.warnings.append(_issue("ric_unknown_region", prefix=number[:2]))
    return result


# --- deterministic generators (demo data, tests) -------------------------------------------------------


def generate_uscc(rng: random.Random, *, category: str = "91", division: str = "350100") -> str:
    """A valid USCC with a random subject identifier, drawn only from ``rng``."""
    if len(category) != 2 or any(c not in USCC_ALPHABET for c in category):
        raise ValueError(f"invalid USCC category {category!r}")
    if len(division) != 6 or not division.isdigit():
        raise ValueError(f"invalid division code {division!r}")
    body = "".join(rng.choice(USCC_ALPHABET) for _ in range(8))
    body17 = category + division + body + org_code_check_char(body)
    return body17 + stdnum_uscc.calc_check_digit(body17)


def generate_ric(rng: random.Random, *, birth_date: dt.date, sex: str, region: str = "110105") -> str:
    """A valid 18-digit 身份证 number; the sequence code is drawn from ``rng`` (odd for "M", even for "F")."""
    if sex not in ("M", "F"):
        raise ValueError(f"sex must be 'M' or 'F', not {sex!r}")
    if len(region) != 6 or not region.isdigit():
        raise ValueError(f"invalid region code {region!r}")
    sequence = rng.randrange(1 if sex == "M" else 2, 1000, 2)
    body17 = f"{region}{birth_date:%Y%m%d}{sequence:03d}"
    return body17 + _ric_check_char(body17)


def generate_org_code(rng: random.Random) -> str:
    """A valid 组织机构代码 (9 characters, no hyphen) drawn only from ``rng``."""
    # Letters limited to the USCC alphabet so that the code can also appear inside a USCC.
    body = "".join(rng.choice(USCC_ALPHABET) for _ in range(8))
    return body + org_code_check_char(body)
