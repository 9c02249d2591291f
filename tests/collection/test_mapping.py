"""Column mapping: by code, Chinese header, synonym, legacy name and the saved mapping; per-row application."""

from __future__ import annotations

import pytest

from tests.collection.schema_support import AS_OF, schema
from xinyong.collection.mapping import ColumnMatch, mapping_apply, mapping_suggest

PENALTY = schema("penalty")


def by_header(proposal) -> dict[str, tuple[str | None, str]]:
    return {c.header: (c.field_code, c.via) for c in proposal.columns}


@pytest.mark.parametrize(
    ("header", "field", "via"),
    [
        ("CF_WSH", "CF_WSH", "code"),
        ("cf_wsh", "CF_WSH", "code"),
        ("ＣＦ＿ＷＳＨ", "CF_WSH", "code"),
        (" Cf_Nr_Fk ", "CF_NR_FK", "code"),
        ("行政处罚决定书文号", "CF_WSH", "header"),
        ("罚款金额（万元）", "CF_NR_FK", "header"),
        ("罚款金额(万元)", "CF_NR_FK", "header"),
        ("*行政相对人名称", "CF_XDR_MC", "header"),
        ("处罚决定书文号", "CF_WSH", "synonym"),
        ("罚款金额", "CF_NR_FK", "synonym"),
        ("法人及其他组织", None, ""),
        ("CF_CFMC", "CF_WFXW", "legacy"),
        ("CF_XDR_SFZ", "CF_XDR_ZJHM", "legacy"),
        ("cf_xzjg", "CF_CFJG", "legacy"),
        ("行政相对人-名称", "CF_XDR_MC", "header"),  # two-row XLSX header, read as a whole
        ("行政相对人代码-统一社会信用代码", "CF_XDR_SHXYM", "header"),  # then by its lower part
        ("处罚内容-罚款金额", "CF_NR_FK", "synonym"),
        ("序号", None, ""),
        ("", None, ""),
    ],
)
def test_automatic_matching(header, field, via):
    proposal = mapping_suggest(headers=[header], item_version=PENALTY)
    assert proposal.columns == [ColumnMatch(0, header, field, via)]


def test_ignored_legacy_columns_carry_a_note():
    proposal = mapping_suggest(headers=["DFBM", "SJC", "CF_WSH"], item_version=PENALTY)
    dfbm, sjc, _ = proposal.columns
    assert dfbm.field_code is None and "地方编码" not in dfbm.note and "行政区划" in dfbm.note
    assert "接收时间" in sjc.note


def test_saved_mapping_takes_precedence():
    headers = ["文书编号", "处罚决定书文号", "备注说明", "CF_XDR_MC"]
    saved = {"文书编号": "CF_WSH", "处罚决定书文号": "", "备注说明": "BZ", "CF_XDR_MC": "NO_SUCH_FIELD"}
    proposal = mapping_suggest(headers=headers, item_version=PENALTY, saved=saved)
    assert by_header(proposal) == {
        "文书编号": ("CF_WSH", "saved"),
        "处罚决定书文号": (None, "saved"),  # the officer left it out last time
        "备注说明": ("BZ", "saved"),
        "CF_XDR_MC": ("CF_XDR_MC", "code"),  # a saved field the catalog no longer has is ignored
    }
    assert proposal.duplicates == []


def test_saved_mapping_matches_headers_loosely():
    proposal = mapping_suggest(headers=["文书编号 "], item_version=PENALTY, saved={"文书编号": "CF_WSH"})
    assert proposal.columns[0].field_code == "CF_WSH"


def test_missing_required_fields_are_listed():
    proposal = mapping_suggest(headers=["CF_WSH", "行政相对人名称"], item_version=PENALTY)
    assert "CF_JDRQ" in proposal.missing_required
    assert "CF_WSH" not in proposal.missing_required
    # Conditional fields are not "missing" before a row says they are needed.
    assert "CF_NR_FK" not in proposal.missing_required
    assert "CF_XDR_SHXYM" not in proposal.missing_required
    # 数据来源单位 is filled from the uploading department.
    assert "CF_SJLY" not in proposal.missing_required
    assert proposal.platform_filled == ["CF_SJLY", "CF_SJLYDM"]


def test_a_field_fed_by_two_columns_is_a_duplicate():
    proposal = mapping_suggest(headers=["CF_WSH", "处罚决定书文号", "备注"], item_version=PENALTY)
    assert proposal.duplicates == ["CF_WSH"]


def test_legacy_penalty_kind_pair_is_joined_not_duplicated():
    headers = ["CF_CFLB1", "CF_CFLB2", "CF_WSH"]
    proposal = mapping_suggest(headers=headers, item_version=PENALTY)
    assert by_header(proposal)["CF_CFLB1"] == ("CF_CFLB", "legacy")
    assert by_header(proposal)["CF_CFLB2"] == ("CF_CFLB", "legacy")
    assert proposal.duplicates == []
    row = mapping_apply(headers=headers, mapping=proposal.as_mapping(), schema=PENALTY)
    assert row(["警告", "罚款", "甲1号"]) == {"CF_CFLB": "警告；罚款", "CF_WSH": "甲1号"}
    assert row(["", "罚款", "甲2号"]) == {"CF_CFLB": "罚款", "CF_WSH": "甲2号"}
    assert row(["", " ", "甲3号"]) == {"CF_CFLB": None, "CF_WSH": "甲3号"}


def test_as_mapping_round_trips_through_saved():
    headers = ["CF_WSH", "序号", "罚款金额"]
    first = mapping_suggest(headers=headers, item_version=PENALTY)
    stored = first.as_mapping()
    assert stored == {"CF_WSH": "CF_WSH", "序号": "", "罚款金额": "CF_NR_FK"}
    again = mapping_suggest(headers=headers, item_version=PENALTY, saved=stored)
    assert [c.field_code for c in again.columns] == ["CF_WSH", None, "CF_NR_FK"]
    assert {c.via for c in again.columns} == {"saved"}


def test_license_item_maps_its_own_codes():
    proposal = mapping_suggest(
        headers=["XK_WSH", "许可决定日期", "XK_XMMC", "CF_WSH"], item_version=schema("license")
    )
    assert [c.field_code for c in proposal.columns] == ["XK_WSH", "XK_JDRQ", "XK_XKWS", None]


# ---------------------------------------------------------------------------------------------------
# Applying a mapping to rows


def test_apply_picks_mapped_columns_only():
    headers = ["序号", "CF_WSH", "行政相对人名称", "罚款金额"]
    mapping = {"序号": "", "CF_WSH": "CF_WSH", "行政相对人名称": "CF_XDR_MC", "罚款金额": "CF_NR_FK"}
    row = mapping_apply(headers=headers, mapping=mapping)
    assert row([1, "甲1号", "某某有限公司", 0.5]) == {
        "CF_WSH": "甲1号",
        "CF_XDR_MC": "某某有限公司",
        "CF_NR_FK": 0.5,
    }
    assert row([2, "甲2号"]) == {"CF_WSH": "甲2号"}  # short rows: the missing cells are simply absent
    assert row.columns == {"CF_WSH": "CF_WSH", "CF_XDR_MC": "行政相对人名称", "CF_NR_FK": "罚款金额"}


def test_apply_reports_cells_beyond_the_headers():
    row = mapping_apply(headers=["CF_WSH"], mapping={"CF_WSH": "CF_WSH"})
    assert row.extra_cells(["甲1号"]) == []
    assert row.extra_cells(["甲1号", "", "多出"]) == [(2, "多出")]


def test_duplicate_column_first_non_empty_value_wins():
    headers = ["CF_WSH", "处罚决定书文号"]
    row = mapping_apply(
        headers=headers, mapping={"CF_WSH": "CF_WSH", "处罚决定书文号": "CF_WSH"}, schema=PENALTY
    )
    assert row(["", "甲2号"]) == {"CF_WSH": "甲2号"}
    assert row(["甲1号", "甲2号"]) == {"CF_WSH": "甲1号"}


def test_json_keys_seen_late_are_mapped_by_the_catalog():
    headers = ["CF_WSH"]
    row = mapping_apply(headers=headers, mapping={"CF_WSH": "CF_WSH"}, schema=PENALTY)
    headers.extend(["CF_NR_FK", "不认识的键"])  # the reader appends keys first seen after its scan
    assert row(["甲1号", "0.5", "x"]) == {"CF_WSH": "甲1号", "CF_NR_FK": "0.5"}
    assert row.extra_cells(["甲1号", "0.5", "x"]) == []


def test_columns_the_officer_left_out_stay_out():
    headers = ["CF_WSH", "罚款金额"]
    row = mapping_apply(headers=headers, mapping={"CF_WSH": "CF_WSH"}, schema=PENALTY)
    assert row(["甲1号", "0.5"]) == {"CF_WSH": "甲1号"}


def test_with_a_stored_catalog_version(db):
    from xinyong.catalog.selectors import catalog_item_current_version
    from xinyong.catalog.services import catalog_load_fixtures

    catalog_load_fixtures(as_of=AS_OF)
    version = catalog_item_current_version(code="penalty")
    proposal = mapping_suggest(headers=["CF_WSH", "处罚种类", "CF_XDR_GSDJ"], item_version=version)
    assert by_header(proposal) == {
        "CF_WSH": ("CF_WSH", "code"),
        "处罚种类": ("CF_CFLB", "synonym"),
        "CF_XDR_GSDJ": ("CF_XDR_GSZC", "legacy"),
    }
