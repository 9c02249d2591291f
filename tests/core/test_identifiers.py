"""Identifier checks: USCC, 身份证, 组织机构代码 (docs/identifiers.md)."""

import datetime as dt
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinyong.core import identifiers
from xinyong.core.codes import SubjectKind
from xinyong.core.identifiers import (
    ERROR_MESSAGES,
    MESSAGES,
    PROVINCES,
    USCC_ALPHABET,
    USCC_CATEGORIES,
    WARNING_MESSAGES,
    check_org_code,
    check_ric,
    check_uscc,
    generate_org_code,
    generate_ric,
    generate_uscc,
    normalize_code_input,
)

AS_OF = dt.date(2026, 6, 15)
ORG = SubjectKind.ORGANISATION
IB = SubjectKind.INDIVIDUAL_BUSINESS
PERSON = SubjectKind.NATURAL_PERSON


# Reference arithmetic written straight from the standards quoted in docs/identifiers.md, independent of the
# implementation under test.
def ref_uscc_check(body17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * pow(3, i, 31) for i, c in enumerate(body17))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def ref_org_check(body8: str) -> str:
    total = sum(int(c, 36) * w for c, w in zip(body8, [3, 7, 9, 10, 5, 8, 4, 2], strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def ref_ric_check(body17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(c) * w for c, w in zip(body17, weights, strict=True)) % 11]


def make_uscc(category: str, division: str, body8: str, *, pos17: str | None = None) -> str:
    """A USCC with a correct position 18 (position 17 correct unless given)."""
    body17 = category + division + body8 + (pos17 or ref_org_check(body8))
    return body17 + ref_uscc_check(body17)


def make_ric(body17: str) -> str:
    return body17 + ref_ric_check(body17)


def codes(result) -> set[str]:
    return set(result.codes)


# --- normalisation -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, ""),
        ("", ""),
        ("  91350100m000100y43 ", "91350100M000100Y43"),
        ("９１３５０１００Ｍ０００１００Ｙ４３", "91350100M000100Y43"),
        ("9135\u30000100 M000\u00a0100\tY43\n", "91350100M000100Y43"),
        ("\ufeff9135\u200b0100M000100Y43\u200d", "91350100M000100Y43"),
        ("１２３４５６７８－８", "12345678-8"),
        ("12345678\u20148", "12345678-8"),
        (110105491231002, "110105491231002"),
        (110105491231002.0, "110105491231002"),
        (9.13501001234567e17, "913501001234567000"),
        (float("nan"), ""),
        ("张三 ", "张三"),
    ],
)
def test_normalize_code_input(raw, expected):
    assert normalize_code_input(raw) == expected


@given(st.text())
def test_normalisation_is_idempotent(text):
    once = normalize_code_input(text)
    assert normalize_code_input(once) == once
    assert not any(c.isspace() for c in once)


# --- USCC ----------------------------------------------------------------------------------------------


def test_uscc_worked_example_from_the_standard():
    result = check_uscc("91350100M000100Y43")
    assert result.ok and not result.warnings
    assert result.normalized == "91350100M000100Y43"
    assert result.registration_authority == "9"
    assert result.category == "91"
    assert result.category_name == "企业"
    assert result.division_code == "350100"
    assert result.org_code == "M000100Y4"


def test_uscc_wrong_check_character_z_is_rejected_and_names_the_right_one():
    result = check_uscc("91350100M000100Y4Z")
    assert not result.ok
    assert result.normalized is None
    assert result.codes == ("uscc_invalid_char",)
    assert "第 18 位" in result.errors[0].message
    assert "应为 3" in result.errors[0].message


@pytest.mark.parametrize(
    "raw",
    [
        "９１３５０１００Ｍ０００１００Ｙ４３",
        " 9135 0100 M000 100Y 43 ",
        "91350100m000100y43",
        "\u30009135\u00a00100M000100Y43\u200b",
    ],
)
def test_uscc_messy_input_is_normalised(raw):
    result = check_uscc(raw)
    assert result.ok and not result.warnings
    assert result.normalized == "91350100M000100Y43"


def test_uscc_real_code_is_valid():
    assert check_uscc("91110000600037341L").ok


def test_uscc_empty():
    for raw in (None, "", "   ", "\u3000"):
        result = check_uscc(raw)
        assert result.codes == ("uscc_empty",)
        assert "00000000000000000X" in result.errors[0].message


def test_uscc_length_with_hints():
    short = check_uscc("91350100M000100Y4")
    assert short.codes == ("uscc_length",)
    assert "实为 17 位" in short.errors[0].message
    registration_number = check_uscc("350100000012345")
    assert "工商注册号" in registration_number.errors[0].message
    org_code = check_uscc("D2143569-X")
    assert "组织机构代码" in org_code.errors[0].message


@pytest.mark.parametrize(
    ("position", "char"), [(9, "I"), (10, "O"), (11, "S"), (12, "V"), (13, "Z"), (1, "中")]
)
def test_uscc_letters_outside_the_alphabet(position, char):
    code = list("91350100M000100Y43")
    code[position - 1] = char
    result = check_uscc("".join(code))
    assert result.codes == ("uscc_invalid_char",)
    assert f"第 {position} 位" in result.errors[0].message
    assert f"“{char}”" in result.errors[0].message


def test_uscc_invalid_letter_o_suggests_digit_zero():
    result = check_uscc("913501OOM000100Y43")
    assert "数字“0”" in result.errors[0].message


def test_uscc_division_must_be_digits():
    result = check_uscc(make_uscc("91", "3501A0", "M000100Y"))
    assert result.codes == ("uscc_division_format",)
    assert "第 7 位" in result.errors[0].message


def test_uscc_wrong_position_18_is_rejected_even_when_positions_9_to_17_check():
    # Position 17 (GB 11714) holds, position 18 does not: a typo in position 18 looks exactly like this.
    result = check_uscc("91350100M000100Y44")
    assert not result.ok and result.normalized is None
    assert result.codes == ("uscc_check_digit",)
    message = result.errors[0].message
    assert "应为 3，实为 4" in message
    # The department learns how to have a genuine early code confirmed.
    assert "申请确认" in message and "登记证书" in message and "信用办" in message


def test_uscc_typo_in_the_division_is_rejected():
    # 91350100M000100Y43 with position 5 mistyped: positions 9–17 still pass their own check.
    result = check_uscc("91350200M000100Y43")
    assert result.codes == ("uscc_check_digit",)


def test_uscc_confirmed_by_an_operator_is_accepted_with_a_warning():
    confirmed = {"91350100M000100Y44": identifiers.USCC_CONFIRMED_BY_OPERATOR}
    result = check_uscc("91350100m000100y44", confirmed=confirmed.get)
    assert result.ok and result.normalized == "91350100M000100Y44"
    assert result.codes == ("uscc_check_digit_confirmed",)
    assert "应为 3，实为 4" in result.warnings[0].message and "确认该代码" in result.warnings[0].message


def test_uscc_reported_by_the_registration_authority_is_accepted_with_a_warning():
    confirmed = {"91350100M000100Y44": identifiers.USCC_CONFIRMED_BY_REGISTRATION}
    result = check_uscc("91350100M000100Y44", confirmed=confirmed.get)
    assert result.ok and result.codes == ("uscc_check_digit_registered",)
    assert "登记机关" in result.warnings[0].message


def test_uscc_confirmation_is_asked_only_for_a_wrong_check_character():
    asked: list[str] = []

    def confirmed(code: str) -> str | None:
        asked.append(code)
        return identifiers.USCC_CONFIRMED_BY_OPERATOR

    assert check_uscc("91350100M000100Y43", confirmed=confirmed).codes == ()
    assert check_uscc("913501OOM000100Y43", confirmed=confirmed).codes == ("uscc_invalid_char",)
    assert asked == []


@given(
    seed=st.integers(0, 10**6),
    position=st.sampled_from([*range(8), 17]),
    char=st.sampled_from(identifiers.USCC_ALPHABET),
    confirm=st.booleans(),
)
def test_every_substitution_in_positions_1_to_8_or_18_is_rejected_unless_confirmed(
    seed, position, char, confirm
):
    """Positions 9–17 are untouched, so their own check still holds: only position 18 can tell."""
    code = identifiers.generate_uscc(random.Random(seed))
    if code[position] == char or (2 <= position < 8 and not char.isdigit()):
        char = USCC_ALPHABET_DIGIT_SWAP[code[position]]  # a different digit (positions 3–8 are digits)
    changed = code[:position] + char + code[position + 1 :]
    assert changed != code
    confirmations = {changed: identifiers.USCC_CONFIRMED_BY_OPERATOR} if confirm else {}
    result = check_uscc(changed, confirmed=confirmations.get)
    if confirm:
        assert result.ok and "uscc_check_digit_confirmed" in result.codes
    else:
        # An all-digit code ending in 000 reads as a spreadsheet number: rejected as such.
        assert not result.ok and result.codes[0] in ("uscc_check_digit", "excel_truncated")
    # The original code is not confirmed by confirming the typo.
    assert check_uscc(code, confirmed=confirmations.get).codes == ()


# A digit other than the given character (a digit or a letter), for substitutions.
USCC_ALPHABET_DIGIT_SWAP = {c: "1" if c == "0" else "0" for c in identifiers.USCC_ALPHABET}


def test_uscc_position_17_failing_alone_is_a_warning():
    code = make_uscc("91", "350100", "M000100Y", pos17="5")
    result = check_uscc(code)
    assert result.ok
    assert result.codes == ("uscc_org_code_check",)


class TestExcelTruncation:
    @pytest.mark.parametrize(
        "raw",
        [
            9.13501001234567e17,
            913501001234567000.0,
            "9.13501E+17",
            "9.13501e+17",
            "9.13501001234567E17",
            "913501001234567000.0",
            "913501001234567000",
            913501001234567000,
        ],
    )
    def test_spreadsheet_numbers_are_reported(self, raw):
        result = check_uscc(raw)
        assert result.codes == ("excel_truncated",)
        assert "文本" in result.errors[0].message

    def test_float_input_is_always_reported(self):
        assert check_uscc(12345.0).codes == ("excel_truncated",)

    def test_genuine_all_digit_code_with_trailing_zeros_is_kept(self):
        code = make_uscc("91", "350100", "00011500")
        assert code == "913501000001150000"
        result = check_uscc(code)
        assert result.ok and not result.warnings

    def test_genuine_all_digit_code_as_integer_is_kept(self):
        assert check_uscc(913501000001150000).ok

    def test_all_digit_code_without_trailing_zeros_is_an_ordinary_check_error(self):
        assert "excel_truncated" not in codes(check_uscc("913501000001150001"))

    @pytest.mark.parametrize("code", ["913501000413E39010", make_uscc("91", "350100", "1E234567")])
    def test_a_letter_e_between_digits_is_not_scientific_notation(self, code):
        # Only an "E" between digits: a valid code, not a spreadsheet's 9.13501E+17.
        result = check_uscc(code)
        assert "excel_truncated" not in codes(result)
        assert result.ok, result.errors


class TestNoCode:
    def test_individual_business_no_code_is_accepted_with_a_warning(self):
        result = check_uscc("00000000000000000x", subject_kind=IB)
        assert result.ok
        assert result.normalized == "00000000000000000X"
        assert result.is_no_code
        assert result.codes == ("uscc_no_code",)
        assert "工商注册号" in result.warnings[0].message

    @pytest.mark.parametrize("kind", [ORG, PERSON, None])
    def test_no_code_is_refused_for_other_kinds(self, kind):
        result = check_uscc("00000000000000000X", subject_kind=kind)
        assert not result.ok
        assert result.codes == ("uscc_no_code_not_allowed",)
        assert ("未指定" if kind is None else kind.label) in result.errors[0].message

    def test_no_code_accepts_the_plain_string_kind(self):
        assert check_uscc("00000000000000000X", subject_kind="individual_business").ok

    def test_eighteen_zeros_is_not_a_no_code(self):
        result = check_uscc("000000000000000000", subject_kind=IB)
        assert result.codes == ("uscc_no_code_format",)
        assert not check_uscc("000000000000000000", subject_kind=ORG).ok


class TestCategory:
    def test_unknown_pair_is_a_warning(self):
        result = check_uscc(make_uscc("94", "350100", "M000100Y"))
        assert result.ok
        assert result.codes == ("uscc_unknown_category",)
        assert result.category_name is None

    def test_unknown_authority_is_a_warning(self):
        assert check_uscc(make_uscc("B1", "350100", "M000100Y")).codes == ("uscc_unknown_category",)

    def test_table_covers_every_department(self):
        authorities = {pair[0] for pair in USCC_CATEGORIES}
        assert authorities == set("123456789ANY")
        assert USCC_CATEGORIES["92"] == "个体工商户"
        assert USCC_CATEGORIES["53"] == "基金会"

    @pytest.mark.parametrize(
        ("category", "kind", "mismatch"),
        [
            ("91", ORG, False),
            ("92", IB, False),
            ("12", ORG, False),
            ("92", ORG, True),
            ("91", IB, True),
            ("93", IB, True),
            ("91", PERSON, True),
            ("92", None, False),
        ],
    )
    def test_kind_mismatch(self, category, kind, mismatch):
        result = check_uscc(make_uscc(category, "350100", "M000100Y"), subject_kind=kind)
        assert result.ok
        assert result.has("uscc_kind_mismatch") is mismatch
        if mismatch:
            assert kind.label in result.warnings[0].message

    def test_unknown_subject_kind_is_a_programming_error(self):
        with pytest.raises(ValueError):
            check_uscc("91350100M000100Y43", subject_kind="company")


# --- 身份证 --------------------------------------------------------------------------------------------


def test_ric_standard_example():
    result = check_ric("11010519491231002X", as_of=AS_OF)
    assert result.ok and not result.warnings
    assert result.birth_date == dt.date(1949, 12, 31)
    assert result.sex == "F"
    assert result.province == "北京市"
    assert not result.upgraded_from_15


def test_ric_lower_case_x_and_full_width():
    assert check_ric("11010519491231002x", as_of=AS_OF).normalized == "11010519491231002X"
    assert check_ric("１１０１０５１９４９１２３１００２ｘ", as_of=AS_OF).normalized == "11010519491231002X"


def test_ric_default_as_of_is_today():
    assert check_ric("11010519491231002X").ok


def test_ric_empty():
    assert check_ric(" ", as_of=AS_OF).codes == ("ric_empty",)


@pytest.mark.parametrize("raw", ["1101051949123100", "11010519491231002X1", "1"])
def test_ric_length(raw):
    assert check_ric(raw, as_of=AS_OF).codes == ("ric_length",)


@pytest.mark.parametrize(
    ("raw", "position"),
    [
        ("1101051949123100X2", 17),
        ("11010519491231002Y", 18),
        ("11010549123100X", 15),
        ("11010A194912310020", 6),
    ],
)
def test_ric_invalid_char(raw, position):
    result = check_ric(raw, as_of=AS_OF)
    assert result.codes == ("ric_invalid_char",)
    assert f"第 {position} 位" in result.errors[0].message


def test_ric_check_digit():
    result = check_ric("110105194912310021", as_of=AS_OF)
    assert result.codes == ("ric_check_digit",)
    assert "应为 X，实为 1" in result.errors[0].message


@pytest.mark.parametrize(
    ("birth", "valid"),
    [("20000229", True), ("20240229", True), ("19000229", False), ("20230229", False), ("19491301", False)],
)
def test_ric_feb_29_and_impossible_dates(birth, valid):
    result = check_ric(make_ric(f"110105{birth}002"), as_of=AS_OF)
    assert result.ok is valid
    if not valid:
        assert result.codes == ("ric_birth_date_invalid",)
        assert birth in result.errors[0].message


def test_ric_birth_date_too_early():
    result = check_ric(make_ric("110105189912310013"[:17]), as_of=AS_OF)
    assert result.codes == ("ric_birth_date_too_early",)


def test_ric_birth_date_in_the_future_relative_to_as_of(as_of):
    tomorrow = as_of + dt.timedelta(days=1)
    born_tomorrow = generate_ric(random.Random(1), birth_date=tomorrow, sex="M")
    result = check_ric(born_tomorrow, as_of=as_of)
    assert result.codes == ("ric_birth_date_future",)
    assert tomorrow.isoformat() in result.errors[0].message
    assert check_ric(born_tomorrow, as_of=tomorrow).ok


def test_ric_wrong_check_and_wrong_date_are_both_reported():
    assert codes(check_ric("110105194902290021", as_of=AS_OF)) == {
        "ric_check_digit",
        "ric_birth_date_invalid",
    }


def test_ric_upgraded_from_15_digits():
    result = check_ric("110105491231002", as_of=AS_OF)
    assert result.ok
    assert result.normalized == "11010519491231002X"
    assert result.upgraded_from_15
    assert result.codes == ("ric_upgraded_from_15",)
    assert "11010519491231002X" in result.warnings[0].message


def test_ric_legacy_number_from_a_numeric_cell_is_exact():
    result = check_ric(110105491231002.0, as_of=AS_OF)
    assert result.normalized == "11010519491231002X"


@pytest.mark.parametrize(
    "raw", [1.10105194912310e17, "1.10105E+17", "110105194912310000", "110105194912310000.0"]
)
def test_ric_excel_truncated(raw):
    result = check_ric(raw, as_of=AS_OF)
    assert result.codes == ("excel_truncated",)
    assert "身份证号码" in result.errors[0].message


def test_ric_unknown_region_is_only_a_warning():
    result = check_ric(make_ric("99010519491231002"), as_of=AS_OF)
    assert result.ok
    assert result.codes == ("ric_unknown_region",)
    assert result.province is None


def test_ric_retired_address_code_is_accepted():
    # 110102 (西城区) absorbed 110104 (宣武区) in 2010; old numbers stay valid.
    assert check_ric(make_ric("11010419800101001"), as_of=AS_OF).ok


def test_ric_province_table():
    assert len(PROVINCES) == 34
    assert PROVINCES["35"] == "福建省"
    assert min(PROVINCES) == "11" and max(PROVINCES) == "82"


# --- 组织机构代码 ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["12345678-8", "123456788", "１２３４５６７８－８", " 12345678 - 8 "])
def test_org_code_with_or_without_hyphen(raw):
    result = check_org_code(raw)
    assert result.ok
    assert result.normalized == "123456788"
    assert result.display == "12345678-8"


def test_org_code_check_character_x():
    assert check_org_code("d2143569-x").normalized == "D2143569X"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "org_code_empty"),
        ("1234567-8", "org_code_length"),
        ("123456789-0", "org_code_length"),
        ("1234-5678-8", "org_code_length"),
        ("1234567_-8", "org_code_invalid_char"),
        ("12345678-A", "org_code_invalid_char"),
        ("12345678-9", "org_code_check_digit"),
    ],
)
def test_org_code_errors(raw, code):
    assert check_org_code(raw).codes == (code,)


def test_org_code_check_digit_message():
    assert "应为 8，实为 9" in check_org_code("12345678-9").errors[0].message


def test_org_code_lost_leading_zero_hint():
    result = check_org_code(12345678)
    assert result.codes == ("org_code_length",)
    assert "开头的 0" in result.errors[0].message


# --- the message table ---------------------------------------------------------------------------------

EVERY_CODE_EXAMPLE = [
    (check_uscc, "9.13501E+17", {}),
    (check_uscc, "", {}),
    (check_uscc, "91350100M000100Y4", {}),
    (check_uscc, "91350100M000100YO3", {}),
    (check_uscc, "913501A0M000100Y43", {}),
    (check_uscc, "91350100M000100Y54", {}),
    (check_uscc, "00000000000000000X", {"subject_kind": ORG}),
    (check_uscc, "000000000000000001", {"subject_kind": IB}),
    (check_uscc, "91350100M000100Y44", {"confirmed": {"91350100M000100Y44": "operator"}.get}),
    (check_uscc, "91350100M000100Y44", {"confirmed": {"91350100M000100Y44": "registration"}.get}),
    (check_uscc, make_uscc("91", "350100", "M000100Y", pos17="5"), {}),
    (check_uscc, "00000000000000000X", {"subject_kind": IB}),
    (check_uscc, make_uscc("94", "350100", "M000100Y"), {}),
    (check_uscc, "91350100M000100Y43", {"subject_kind": IB}),
    (check_ric, "", {"as_of": AS_OF}),
    (check_ric, "1234", {"as_of": AS_OF}),
    (check_ric, "1101051949123100A2", {"as_of": AS_OF}),
    (check_ric, make_ric("11010519491331002"), {"as_of": AS_OF}),
    (check_ric, make_ric("11010518991231002"), {"as_of": AS_OF}),
    (check_ric, make_ric("11010520991231002"), {"as_of": AS_OF}),
    (check_ric, "110105194912310021", {"as_of": AS_OF}),
    (check_ric, "110105491231002", {"as_of": AS_OF}),
    (check_ric, make_ric("99010519491231002"), {"as_of": AS_OF}),
    (check_org_code, "", {}),
    (check_org_code, "1234567", {}),
    (check_org_code, "1234567?8", {}),
    (check_org_code, "123456789", {}),
]


def test_every_code_is_reachable_documented_and_classified():
    seen: set[str] = set()
    for check, raw, kwargs in EVERY_CODE_EXAMPLE:
        result = check(raw, **kwargs)
        seen |= codes(result)
        assert {i.code for i in result.errors} <= set(ERROR_MESSAGES)
        assert {i.code for i in result.warnings} <= set(WARNING_MESSAGES)
    assert seen == set(MESSAGES)
    assert not set(ERROR_MESSAGES) & set(WARNING_MESSAGES)
    for code in MESSAGES:
        assert f"``{code}``" in identifiers.__doc__


def test_every_error_message_says_how_to_fix():
    for check, raw, kwargs in EVERY_CODE_EXAMPLE:
        for issue in check(raw, **kwargs).errors:
            assert "请" in issue.message, issue


def test_issue_is_immutable():
    issue = check_uscc("").errors[0]
    with pytest.raises(AttributeError):
        issue.code = "other"


# --- property tests ------------------------------------------------------------------------------------

uscc_bodies = st.text(alphabet=USCC_ALPHABET, min_size=8, max_size=8)
divisions = st.text(alphabet="0123456789", min_size=6, max_size=6)
categories = st.sampled_from(sorted(USCC_CATEGORIES))


@st.composite
def valid_usccs(draw) -> str:
    return make_uscc(draw(categories), draw(divisions), draw(uscc_bodies))


@given(valid_usccs())
def test_valid_uscc_is_always_ok_and_normalisation_is_idempotent(code):
    result = check_uscc(code)
    assert result.ok and not result.warnings
    assert result.normalized == code
    assert check_uscc(result.normalized).normalized == code
    assert check_uscc(" " + code.lower() + "\u3000").normalized == code


@given(valid_usccs(), st.characters())
def test_any_substitution_in_position_18_is_never_silently_accepted(code, char):
    if normalize_code_input(char) == code[17]:
        return
    result = check_uscc(code[:17] + char)
    assert result.errors or result.warnings


@given(valid_usccs(), st.integers(min_value=0, max_value=16), st.sampled_from(USCC_ALPHABET))
def test_any_substitution_in_positions_1_to_17_is_never_silently_accepted(code, index, char):
    if code[index] == char:
        return
    result = check_uscc(code[:index] + char + code[index + 1 :])
    assert result.errors or result.warnings


@given(st.randoms(use_true_random=False), categories, divisions)
def test_generate_uscc_makes_valid_codes(rng, category, division):
    code = generate_uscc(rng, category=category, division=division)
    result = check_uscc(code)
    assert result.ok and not result.warnings
    assert result.category == category and result.division_code == division
    assert check_org_code(result.org_code).ok


def test_generators_are_deterministic():
    assert generate_uscc(random.Random(7)) == generate_uscc(random.Random(7))
    birth = dt.date(1990, 5, 17)
    assert generate_ric(random.Random(7), birth_date=birth, sex="F") == generate_ric(
        random.Random(7), birth_date=birth, sex="F"
    )
    assert generate_org_code(random.Random(7)) == generate_org_code(random.Random(7))


@pytest.mark.parametrize(
    ("function", "kwargs"),
    [
        (generate_uscc, {"category": "9"}),
        (generate_uscc, {"category": "9O"}),
        (generate_uscc, {"division": "35010"}),
        (generate_ric, {"birth_date": dt.date(1990, 1, 1), "sex": "male"}),
        (generate_ric, {"birth_date": dt.date(1990, 1, 1), "sex": "M", "region": "11A105"}),
    ],
)
def test_generators_reject_bad_arguments(function, kwargs):
    with pytest.raises(ValueError):
        function(random.Random(0), **kwargs)


@given(st.randoms(use_true_random=False))
def test_generate_org_code_makes_valid_codes(rng):
    assert check_org_code(generate_org_code(rng)).ok


regions = st.builds(
    lambda province, rest: province + rest,
    st.sampled_from(sorted(PROVINCES)),
    st.text(alphabet="0123456789", min_size=4, max_size=4),
)


@given(
    st.randoms(use_true_random=False),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=AS_OF),
    st.sampled_from(["M", "F"]),
    regions,
)
def test_valid_ric_is_always_ok(rng, birth_date, sex, region):
    number = generate_ric(rng, birth_date=birth_date, sex=sex, region=region)
    assert number[17] == ref_ric_check(number[:17])
    result = check_ric(number, as_of=AS_OF)
    assert result.ok and not result.warnings
    assert result.normalized == number
    assert (result.birth_date, result.sex) == (birth_date, sex)


@given(
    st.randoms(use_true_random=False),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(1999, 12, 31)),
    st.sampled_from(["M", "F"]),
    regions,
)
def test_15_digit_upgrade_round_trips(rng, birth_date, sex, region):
    number = generate_ric(rng, birth_date=birth_date, sex=sex, region=region)
    legacy = number[:6] + number[8:17]
    result = check_ric(legacy, as_of=AS_OF)
    assert result.ok
    assert result.normalized == number
    assert result.upgraded_from_15
    assert (result.birth_date, result.sex) == (birth_date, sex)


@given(st.text(alphabet="0123456789", min_size=17, max_size=17), st.sampled_from("0123456789X"))
def test_ric_with_wrong_check_character_is_never_ok(body17, check):
    if check == ref_ric_check(body17):
        return
    assert not check_ric(body17 + check, as_of=AS_OF).ok


@given(st.one_of(st.none(), st.text(), st.integers(), st.floats()))
def test_checks_never_raise(value):
    for result in (check_uscc(value), check_ric(value, as_of=AS_OF), check_org_code(value)):
        assert result.ok == (not result.errors)
        assert (result.normalized is None) == (not result.ok)


@given(
    seed=st.integers(0, 10**6), position=st.integers(0, 17), char=st.sampled_from(identifiers.USCC_ALPHABET)
)
def test_the_fast_uscc_test_agrees_with_check_uscc(seed, position, char):
    """uscc_check_chars_ok (bulk paths) accepts exactly the codes whose shape and both check characters
    check_uscc finds right."""
    code = identifiers.generate_uscc(random.Random(seed))
    assert identifiers.uscc_check_chars_ok(code)
    changed = code[:position] + char + code[position + 1 :]
    result = identifiers.check_uscc(changed)
    shape_and_checks = {
        "uscc_division_format",
        "uscc_check_digit",
        "uscc_org_code_check",
    }
    found = {issue.code for issue in (*result.errors, *result.warnings)}
    assert identifiers.uscc_check_chars_ok(changed) == (
        result.normalized == changed and not found & shape_and_checks
    )
