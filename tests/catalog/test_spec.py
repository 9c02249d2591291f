"""Field specs, conditions, header normalisation and code lists (no database)."""

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from xinyong.catalog.spec import (
    CodeListView,
    FieldSpec,
    condition_issues,
    describe_condition,
    evaluate_condition,
    normalize_header,
    normalize_value,
    split_values,
)

PENALTY_KINDS = [
    "警告",
    "通报批评",
    "罚款",
    "没收违法所得",
    "没收非法财物",
    "暂扣许可证件",
    "降低资质等级",
    "吊销许可证件",
    "限制开展生产经营活动",
    "责令停产停业",
    "责令关闭",
    "限制从业",
    "行政拘留",
    "其他",
]

FINE = FieldSpec.from_dict(
    {
        "code": "CF_NR_FK",
        "name": "罚款金额（万元）",
        "type": "amount",
        "required_when": {"field": "CF_CFLB", "contains": "罚款"},
    }
)


@pytest.mark.parametrize(
    "kinds",
    [
        "警告;罚款",
        "警告；罚款",
        "警告、罚款",
        "警告,罚款",
        "警告，罚款",
        "警告 罚款",
        "罚款",
        " 罚款 ",
        ["警告", "罚款"],
    ],
)
def test_fine_amount_required_when_kinds_contain_fine(kinds):
    assert FINE.is_required({"CF_CFLB": kinds})


@pytest.mark.parametrize("kinds", ["警告", "", None, "通报批评;没收违法所得", "罚款金额", ["警告"]])
def test_fine_amount_not_required_without_fine(kinds):
    assert not FINE.is_required({"CF_CFLB": kinds})


def test_fine_amount_not_required_when_column_missing():
    assert not FINE.is_required({})


def test_required_field_is_always_required():
    spec = FieldSpec(code="CF_WSH", name="行政处罚决定书文号", required=True)
    assert spec.is_required({})


def test_resolver_maps_synonyms_before_comparing():
    spec = FieldSpec(
        code="CF_NR_ZKDX",
        name="暂扣或吊销证照名称及编号",
        required_when={"field": "CF_CFLB", "contains": ["暂扣许可证件", "吊销许可证件"]},
    )
    row = {"CF_CFLB": "罚款、吊销营业执照"}
    assert not spec.is_required(row)  # plain comparison: 吊销营业执照 is not the canonical value
    synonyms = {"吊销营业执照": "吊销许可证件"}
    assert spec.is_required(row, resolve=lambda field, value: synonyms.get(value, value))


@pytest.mark.parametrize(
    ("cond", "row", "expected"),
    [
        ({"field": "A", "present": True}, {"A": "x"}, True),
        ({"field": "A", "present": True}, {"A": "  "}, False),
        ({"field": "A", "present": False}, {}, True),
        ({"field": "A", "equals": "00000000000000000X"}, {"A": "０００００００００００００００００Ｘ"}, True),
        ({"field": "A", "in": ["法人及非法人组织", "个体工商户"]}, {"A": "个体工商户"}, True),
        ({"field": "A", "in": ["法人及非法人组织"]}, {"A": "自然人"}, False),
        ({"field": "A", "in": ["自然人"]}, {}, False),
        ({"field": "A", "contains_only": ["警告"]}, {"A": "警告"}, True),
        ({"field": "A", "contains_only": ["警告"]}, {"A": "警告;罚款"}, False),
        ({"field": "A", "contains_only": ["警告"]}, {"A": ""}, False),
        (
            {"all": [{"field": "A", "present": True}, {"field": "B", "equals": "1"}]},
            {"A": "x", "B": "1"},
            True,
        ),
        (
            {"all": [{"field": "A", "present": True}, {"field": "B", "equals": "1"}]},
            {"A": "x", "B": "2"},
            False,
        ),
        ({"any": [{"field": "A", "present": True}, {"field": "B", "equals": "1"}]}, {"B": "1"}, True),
        ({"not": {"field": "A", "present": True}}, {"A": ""}, True),
    ],
)
def test_condition_operators(cond, row, expected):
    assert evaluate_condition(cond, row) is expected


@pytest.mark.parametrize(
    ("cond", "fragment"),
    [
        ({"field": "NOPE", "present": True}, "不存在的字段“NOPE”"),
        ({"field": "A", "matches": "罚款"}, "运算符"),
        ({"field": "A", "in": "罚款"}, "非空列表"),
        ({"field": "A", "present": "yes"}, "true 或 false"),
        ({"field": "A", "equals": "x", "in": ["x"]}, "运算符"),
        ("row['A'] == 'x'", "映射"),
        ({"all": []}, "非空列表"),
        ({"any": [{"field": "Z", "present": True}]}, "不存在的字段“Z”"),
    ],
)
def test_condition_issues(cond, fragment):
    issues = condition_issues(cond, {"A", "B"})
    assert any(fragment in i for i in issues), issues


def test_valid_condition_has_no_issues():
    assert condition_issues({"field": "A", "contains": ["罚款"]}, {"A"}) == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("行政相对人名称", "行政相对人名称"),
        (" 行政相对人名称 ", "行政相对人名称"),
        ("*行政相对人名称", "行政相对人名称"),
        ("行政 相对人\u3000名称", "行政相对人名称"),
        ("罚款金额（万元）", "罚款金额万元"),
        ("罚款金额(万元)", "罚款金额万元"),
        ("罚款金额【万元】：", "罚款金额万元"),
        ("cf_xdr_mc", "CFXDRMC"),
        ("ＣＦ＿ＸＤＲ＿ＭＣ", "CFXDRMC"),
        ("CF_XDR_MC", "CFXDRMC"),
        (None, ""),
    ],
)
def test_normalize_header(raw, expected):
    assert normalize_header(raw) == expected


@given(st.text(max_size=30))
@example("A´")
def test_normalize_header_is_idempotent(text):
    once = normalize_header(text)
    assert normalize_header(once) == once


@given(
    st.lists(st.sampled_from(PENALTY_KINDS), min_size=1, max_size=5, unique=True),
    st.sampled_from([";", "；", "、", ",", "，", " ", "|", " ; "]),
)
def test_multi_value_split_and_fine_requirement(kinds, separator):
    cell = separator.join(kinds)
    assert split_values(cell) == kinds
    assert FINE.is_required({"CF_CFLB": cell}) is ("罚款" in kinds)


def test_field_spec_round_trip_fills_defaults():
    spec = FieldSpec.from_dict({"code": "BZ", "name": "备注"})
    data = spec.to_dict()
    assert data["type"] == "text"
    assert data["public"] is True and data["personal"] is False
    assert FieldSpec.from_dict(data) == spec
    assert spec.headers == ("BZ", "备注")


def test_code_list_lookup():
    cl = CodeListView.build(
        "current_status",
        "当前状态",
        [
            {"value": "有效", "code": "valid", "synonyms": ["正常"], "legacy_values": ["0"]},
            {"value": "无效", "code": "invalid", "synonyms": ["撤销"], "legacy_values": ["1"]},
        ],
    )
    assert cl.canonical("有效") == "有效"
    assert cl.canonical(" 正常 ") == "有效"
    assert cl.canonical("invalid") == "无效"
    assert cl.canonical("0") is None  # legacy values only from legacy columns
    assert cl.canonical("0", legacy=True) == "有效"
    assert cl.canonical("１", legacy=True) == "无效"  # full-width digit
    assert cl.canonical("作废") is None
    assert cl.code_for("撤销") == "invalid"
    assert cl.values == ("有效", "无效")


@pytest.mark.parametrize(
    ("cond", "text"),
    [
        ({"field": "CF_CFLB", "contains": "罚款"}, "CF_CFLB 含“罚款”"),
        (
            {"field": "CF_CFLB", "contains": ["没收违法所得", "没收非法财物"]},
            "CF_CFLB 含“没收违法所得”或“没收非法财物”",
        ),
        ({"field": "XK_XDR_LB", "in": ["法人及非法人组织"]}, "XK_XDR_LB 为“法人及非法人组织”之一"),
        ({"field": "A", "present": True}, "A 已填写"),
        (
            {"all": [{"field": "A", "equals": "1"}, {"not": {"field": "B", "present": True}}]},
            "（A 为“1” 且 非B 已填写）",
        ),
    ],
)
def test_describe_condition(cond, text):
    assert describe_condition(cond) == text


@given(st.text(max_size=30))
def test_normalize_value_is_idempotent(text):
    once = normalize_value(text)
    assert normalize_value(once) == once
