"""Selectors for the collection step: header index, current version, required fields through code lists."""

import datetime as dt

import pytest

from xinyong.accounts.models import Department
from xinyong.catalog.models import CatalogItemVersion
from xinyong.catalog.selectors import (
    catalog_header_index,
    catalog_ignored_headers,
    catalog_item_current_version,
    catalog_legacy_headers,
    catalog_resolve_header,
    catalog_version_schema,
    catalog_version_source_departments,
    catalog_version_unknown_departments,
    code_list_view,
)
from xinyong.catalog.spec import normalize_header


@pytest.fixture
def penalty(loaded) -> CatalogItemVersion:
    return catalog_item_current_version(code="penalty")


@pytest.fixture
def license_(loaded) -> CatalogItemVersion:
    return catalog_item_current_version(code="license")


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("CF_WSH", "CF_WSH"),
        ("cf_wsh", "CF_WSH"),
        ("ＣＦ＿ＷＳＨ", "CF_WSH"),
        ("行政处罚决定书文号", "CF_WSH"),
        (" 行政处罚决定书文号 ", "CF_WSH"),
        ("*行政处罚决定书文号", "CF_WSH"),
        ("处罚决定书文号", "CF_WSH"),
        ("决定文书号", "CF_WSH"),
        ("文书号", "CF_WSH"),
        ("罚款金额（万元）", "CF_NR_FK"),
        ("罚款金额(万元)", "CF_NR_FK"),
        ("罚款金额", "CF_NR_FK"),
        ("没收违法所得、没收非法财物的金额（万元）", "CF_NR_WFFF"),
        ("没收违法所得,没收非法财物的金额(万元)", "CF_NR_WFFF"),
        ("行政相对人代码_1(统一社会信用代码)", "CF_XDR_SHXYM"),
        ("行政相对人代码_5（居民身份证号）", "CF_XDR_ZJHM"),
        ("处罚类别1", "CF_CFLB"),
        ("处罚结果", "CF_NR"),
        ("处罚事由", "CF_SY"),
    ],
)
def test_header_index_resolves_headers_and_synonyms(penalty, header, field):
    assert catalog_header_index(version=penalty)[normalize_header(header)] == field
    assert catalog_resolve_header(version=penalty, header=header) == field


# The 2016 field set (docs/dual-disclosure.md): legacy column code → the modern field it is stored in.
PENALTY_LEGACY = {
    "CF_CFMC": "CF_WFXW",
    "CF_AJMC": "CF_WFXW",
    "CF_CFLB1": "CF_CFLB",
    "CF_CFLB2": "CF_CFLB",
    "CF_XDR_ZDM": "CF_XDR_ZZJG",
    "CF_XDR_GSDJ": "CF_XDR_GSZC",
    "CF_XDR_SFZ": "CF_XDR_ZJHM",
    "CF_FR": "CF_FRDB",
    "CF_JG": "CF_NR",
    "CF_XZJG": "CF_CFJG",
    "CF_JZQ": "CF_YXQ",
    "CF_JZRQ": "CF_YXQ",
    # Unchanged codes of the 2016 set map to themselves.
    "CF_WSH": "CF_WSH",
    "CF_SY": "CF_SY",
    "CF_YJ": "CF_YJ",
    "CF_XDR_MC": "CF_XDR_MC",
    "CF_XDR_SHXYM": "CF_XDR_SHXYM",
    "CF_XDR_SWDJ": "CF_XDR_SWDJ",
    "CF_JDRQ": "CF_JDRQ",
    "CF_ZT": "CF_ZT",
    "BZ": "BZ",
}
LICENSE_LEGACY = {
    "XK_XDR": "XK_XDR_MC",
    "XK_XDR_ZDM": "XK_XDR_ZZJG",
    "XK_XDR_GSDJ": "XK_XDR_GSZC",
    "XK_XDR_SFZ": "XK_XDR_ZJHM",
    "XK_FR": "XK_FRDB",
    "XK_XMMC": "XK_XKWS",
    "XK_SPLB": "XK_XKLB",
    "XK_JZQ": "XK_YXQZI",
    "XK_XZJG": "XK_XKJG",
    "XK_ZT": "XK_ZT",
    "XK_WSH": "XK_WSH",
    "XK_NR": "XK_NR",
    "XK_JDRQ": "XK_JDRQ",
}


def test_legacy_penalty_codes(penalty):
    index = catalog_header_index(version=penalty)
    for legacy, modern in PENALTY_LEGACY.items():
        assert index[normalize_header(legacy)] == modern, legacy
    assert catalog_legacy_headers(version=penalty)[normalize_header("cf_cflb2")] == "CF_CFLB"


def test_legacy_license_codes(license_):
    index = catalog_header_index(version=license_)
    for legacy, modern in LICENSE_LEGACY.items():
        assert index[normalize_header(legacy)] == modern, legacy


def test_ignored_legacy_columns_are_known_but_not_mapped(penalty):
    ignored = catalog_ignored_headers(version=penalty)
    for header in ("DFBM", "地方编码", "SJC", "数据更新时间戳", "CF_SYFW"):
        assert normalize_header(header) in ignored
        assert catalog_resolve_header(version=penalty, header=header) is None
    assert "接收时间" in ignored[normalize_header("SJC")]


@pytest.mark.parametrize("header", ["", "处罚金额（元）", "XK_WSH", "行政许可决定文书号", "CF_UNKNOWN"])
def test_unknown_headers_do_not_resolve(penalty, header):
    assert catalog_resolve_header(version=penalty, header=header) is None


def test_legacy_id_column_implies_id_card(penalty):
    schema = catalog_version_schema(version=penalty)
    assert {"column": "CF_XDR_SFZ", "set": {"CF_XDR_ZJLX": "身份证"}} in schema.legacy_defaults


def test_current_version_and_lookup_errors(loaded):
    version = catalog_item_current_version(code="penalty")
    assert version.item.code == "penalty" and version.number == 1
    with pytest.raises(CatalogItemVersion.DoesNotExist) as exc:
        catalog_item_current_version(code="nope")
    assert "nope" in str(exc.value)
    with pytest.raises(CatalogItemVersion.DoesNotExist):
        catalog_item_current_version(code="penalty", on=dt.date(2020, 1, 1))


def test_schema_required_fields_through_code_lists(penalty):
    schema = catalog_version_schema(version=penalty)
    # Old wording 法人及其他组织 is a synonym of 法人及非法人组织; the machine code works as well.
    for kind in ("法人及非法人组织", "法人及其他组织", "organisation"):
        assert schema.is_required("CF_XDR_SHXYM", {"CF_XDR_LB": kind})
        assert schema.is_required("CF_FRDB", {"CF_XDR_LB": kind})
    assert schema.is_required("CF_XDR_SHXYM", {"CF_XDR_LB": "个体户"})
    assert not schema.is_required("CF_FRDB", {"CF_XDR_LB": "个体工商户"})
    assert schema.is_required("CF_XDR_ZJHM", {"CF_XDR_LB": "个人"})
    # 吊销营业执照 is 吊销许可证件 under the old wording of the law.
    assert schema.is_required("CF_NR_ZKDX", {"CF_CFLB": "罚款；吊销营业执照"})
    assert schema.is_required("CF_XDR_GSZC", {"CF_XDR_SHXYM": "00000000000000000X"})
    assert schema.is_required(
        "CF_XDR_GSZC", {"CF_XDR_SHXYM": " ０００００００００００００００００ｘ "}
    )  # full-width, lower-case
    assert not schema.is_required("CF_XDR_GSZC", {"CF_XDR_SHXYM": "91350100M000100Y43"})


def test_missing_required_on_a_realistic_row(penalty):
    schema = catalog_version_schema(version=penalty)
    row = {
        "CF_XDR_MC": "福州某某贸易有限公司",
        "CF_XDR_LB": "法人及非法人组织",
        "CF_XDR_SHXYM": "91350100M000100Y43",
        "CF_WSH": "榕市监罚〔2026〕12号",
        "CF_WFXW": "销售过期食品",
        "CF_SY": "当事人销售超过保质期的食品",
        "CF_YJ": "《中华人民共和国食品安全法》第一百二十四条",
        "CF_CFLB": "警告、罚款",
        "CF_NR": "警告并处罚款五千元",
        "CF_JDRQ": "2026/05/20",
        "CF_YXQ": "2027/05/20",
        "CF_CFJG": "福州市市场监督管理局",
        "CF_CFJGDM": "11350100MB0000000X",
        "CF_SJLY": "福州市市场监督管理局",
        "CF_SJLYDM": "11350100MB0000000X",
    }
    assert [f.code for f in schema.missing_required(row)] == ["CF_FRDB", "CF_NR_FK"]
    row.update(CF_FRDB="张三", CF_NR_FK="0.5")
    assert schema.missing_required(row) == []


def test_canonical_values(penalty):
    schema = catalog_version_schema(version=penalty)
    assert schema.canonical_value("CF_XDR_LB", "法人和其他组织") == "法人及非法人组织"
    assert schema.canonical_value("CF_XDR_ZJLX", "台胞证") == "台湾居民来往大陆通行证"
    assert schema.canonical_value("CF_ZT", "1") is None
    assert schema.canonical_value("CF_ZT", "1", legacy=True) == "无效"
    assert schema.canonical_value("CF_WSH", " 榕市监罚 12 号 ") == "榕市监罚12号"
    assert code_list_view(code="subject_kind").code_for("个体户") == "individual_business"


def test_source_departments_resolve_lazily(loaded):
    version = catalog_item_current_version(code="abnormal_operations")
    assert version.source_departments == ["samr"]
    assert list(catalog_version_source_departments(version=version)) == []
    assert catalog_version_unknown_departments(version=version) == ["samr"]
    dept = Department.objects.create(code="samr", name="市市场监督管理局")
    assert list(catalog_version_source_departments(version=version)) == [dept]
    assert catalog_version_unknown_departments(version=version) == []
    assert catalog_item_current_version(code="penalty").source_departments == []  # every department


def test_a_version_accepts_its_source_departments_or_every_department_when_none_is_named(loaded):
    samr = Department.objects.create(code="samr", name="市市场监督管理局")
    tax = Department.objects.create(code="tax", name="市税务局")
    named = catalog_item_current_version(code="abnormal_operations")
    assert named.accepts_from(samr)
    assert not named.accepts_from(tax)
    open_to_all = catalog_item_current_version(code="penalty")
    assert open_to_all.accepts_from(samr) and open_to_all.accepts_from(tax)
