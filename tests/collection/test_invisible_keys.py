"""Invisible characters (bidi marks, soft hyphen, zero-width …) in a document number or identifier do not
make a second record: every channel finds the record already stored, and one record is published."""

from __future__ import annotations

import pytest

from tests.collection.batch_support import (
    AS_OF,
    RECEIVED,
    assert_counts_add_up,
    confirm_and_load,
    org_uscc,
    penalty_row,
    upload_penalties,
    write_csv,
)
from xinyong.catalog.selectors import catalog_item_current_version, catalog_version_schema
from xinyong.collection.entry import record_submit_form
from xinyong.records.models import CreditRecord
from xinyong.records.selectors import records_public
from xinyong.subjects.models import Subject

pytestmark = pytest.mark.django_db

NUMBER = "甲市监罚〔2026〕77号"

# What a copy from a web page, PDF or word processor leaves in a value: every kind the tests found.
INVISIBLES = {
    "LRM": "\u200e",
    "RLM": "\u200f",
    "ALM": "\u061c",
    "LRE": "\u202a",
    "RLE": "\u202b",
    "PDF": "\u202c",
    "LRO": "\u202d",
    "RLO": "\u202e",
    "LRI": "\u2066",
    "RLI": "\u2067",
    "FSI": "\u2068",
    "PDI": "\u2069",
    "soft hyphen": "\u00ad",
    "zero-width space": "\u200b",
    "ZWNJ": "\u200c",
    "ZWJ": "\u200d",
    "word joiner": "\u2060",
    "function application": "\u2061",
    "invisible times": "\u2062",
    "invisible separator": "\u2063",
    "invisible plus": "\u2064",
    "BOM": "\ufeff",
    "Mongolian vowel separator": "\u180e",
    "Hangul choseong filler": "\u115f",
    "Hangul jungseong filler": "\u1160",
    "Hangul filler": "\u3164",
    "half-width Hangul filler": "\uffa0",
    "combining grapheme joiner": "\u034f",
    "variation selector 1": "\ufe00",
    "variation selector 16": "\ufe0f",
    "variation selector 17": "\U000e0100",
    "tag letter": "\U000e0041",
    "interlinear annotation anchor": "\ufff9",
    "braille blank": "\u2800",
    "no-break space": "\u00a0",
    "ideographic space": "\u3000",
    "narrow no-break space": "\u202f",
    "null": "\x00",
}


def _variants() -> list[str]:
    """The document number with each invisible character at the start, inside and at the end."""
    out = []
    for index, char in enumerate(INVISIBLES.values()):
        where = index % 3
        if where == 0:
            out.append(char + NUMBER)
        elif where == 1:
            out.append(NUMBER[:4] + char + NUMBER[4:])
        else:
            out.append(NUMBER + char)
    return out


def _load(path, *, department, actor):
    return confirm_and_load(
        upload_penalties(path, department=department, actor=actor, allow_duplicate=True), actor
    )


def test_a_file_with_invisible_characters_in_the_document_number_stores_one_record(
    catalog, officer_a, dept_a, tmp_path
):
    variants = _variants()
    rows = [penalty_row(1, 行政处罚决定书文号=NUMBER)] + [
        penalty_row(1, 行政处罚决定书文号=variant) for variant in variants
    ]
    batch = _load(write_csv(tmp_path / "variants.csv", rows), department=dept_a, actor=officer_a)
    assert_counts_add_up(batch)
    assert (batch.created, batch.new_version, batch.duplicate, batch.rejected) == (1, 0, len(variants), 0)
    record = CreditRecord.objects.get(department=dept_a)
    assert record.document_number == NUMBER and record.duplicate_count == len(variants)
    assert records_public(as_of=AS_OF).count() == 1


def test_a_later_file_with_a_bidi_mark_finds_the_stored_record(catalog, officer_a, dept_a, tmp_path):
    first = _load(
        write_csv(tmp_path / "first.csv", [penalty_row(1, 行政处罚决定书文号=NUMBER)]),
        department=dept_a,
        actor=officer_a,
    )
    assert first.created == 1
    again = _load(
        write_csv(
            tmp_path / "again.csv",
            [penalty_row(1, 行政处罚决定书文号="\u202b" + NUMBER[:6] + "\u200f" + NUMBER[6:] + "\u202c")],
        ),
        department=dept_a,
        actor=officer_a,
    )
    assert (again.created, again.duplicate) == (0, 1)
    assert records_public(as_of=AS_OF).count() == 1


def test_the_form_finds_the_uploaded_record_despite_invisible_characters(
    catalog, officer_a, dept_a, tmp_path
):
    _load(
        write_csv(tmp_path / "first.csv", [penalty_row(1, 行政处罚决定书文号=NUMBER)]),
        department=dept_a,
        actor=officer_a,
    )
    schema = catalog_version_schema(version=catalog_item_current_version(code="penalty"))
    by_name = {spec.name: spec.code for spec in schema.fields}
    row = penalty_row(1, 行政处罚决定书文号=NUMBER[:3] + "\u00ad\u2066" + NUMBER[3:] + "\u2069")
    result = record_submit_form(
        department=dept_a,
        item_code="penalty",
        values={by_name[header]: value for header, value in row.items()},
        actor=officer_a,
        as_of=AS_OF,
        received_at=RECEIVED,
    )
    assert result.ok and result.outcome == "duplicate"
    assert CreditRecord.objects.filter(department=dept_a).count() == 1


def test_invisible_characters_in_the_uscc_and_name_find_the_same_subject(
    catalog, officer_a, dept_a, tmp_path
):
    code = org_uscc(1)
    rows = [
        penalty_row(1),
        penalty_row(
            2,
            行政相对人名称="甲市第\u200b1贸易\u00ad有限公司\u200e",
            统一社会信用代码=code[:9] + "\u2060\u202d" + code[9:] + "\ufeff",
        ),
    ]
    batch = _load(write_csv(tmp_path / "ids.csv", rows), department=dept_a, actor=officer_a)
    assert (batch.created, batch.rejected) == (2, 0)
    assert Subject.objects.count() == 1
    assert Subject.objects.get().uscc == code


def test_a_document_number_of_invisible_characters_only_is_rejected_with_a_code(
    catalog, officer_a, dept_a, tmp_path
):
    rows = [penalty_row(1, 行政处罚决定书文号="\u200e\u00ad\u2066")]
    batch = _load(write_csv(tmp_path / "empty.csv", rows), department=dept_a, actor=officer_a)
    assert (batch.created, batch.rejected) == (0, 1)
    issue = batch.rejected_rows.get().errors[0]
    assert issue["code"] == "document_number_required"
    assert "文书号不能为空" in issue["message"]
    assert not CreditRecord.objects.exists()
