"""FollowTheMoney import: sanctions of legal entities become a mirrored black list through the loader and the
list sync; hostile or foreign files are refused with codes, whole or line by line."""

from __future__ import annotations

import io
import json
import random

import pytest
from django.core.management import CommandError, call_command

from tests.lists.ftm_support import AS_OF, DEBTORS, listed, lists_world, organisation
from tests.support import fast_password_hashing  # noqa: F401
from xinyong.accounts.models import AuditEntry, Department
from xinyong.core.identifiers import generate_uscc
from xinyong.lists.interop import ftm_import as importer
from xinyong.lists.interop.ftm import ftm_export_entities, ftm_export_lines
from xinyong.lists.interop.ftm_import import FtmImportError, ftm_import
from xinyong.lists.models import EntryOrigin, EntryState, ListEntry, ListType
from xinyong.records.models import CreditRecord
from xinyong.subjects.models import Subject

pytestmark = pytest.mark.django_db

USCC = generate_uscc(random.Random(101), category="91")


@pytest.fixture
def world(db):
    dept = lists_world()
    return {"dept": dept, "debtors": ListType.objects.get(code="court_dishonest_debtor")}


def company(entity_id="ext-co-1", name="乙市鑫源贸易有限公司", **props) -> dict:
    return {
        "id": entity_id,
        "schema": "Company",
        "properties": {"name": [name], "uscCode": [USCC], "jurisdiction": ["cn"], **props},
    }


def sanction(entity_id="ext-co-1", sanction_id="ext-s-1", **props) -> dict:
    base = {
        "entity": [entity_id],
        "authority": ["乙市中级人民法院"],
        "program": ["失信被执行人名单"],
        "reason": ["拒不履行生效判决"],
        "startDate": ["2026-02-10"],
        "authorityId": ["（2026）乙执77号"],
    }
    return {"id": sanction_id, "schema": "Sanction", "properties": {**base, **props}}


def lines(*entities) -> list[bytes]:
    return [json.dumps(e, ensure_ascii=False).encode() + b"\n" for e in entities]


def run(world, data, **kwargs):
    return ftm_import(lines=data, department=world["dept"], list_type=world["debtors"], as_of=AS_OF, **kwargs)


def test_sanctions_become_effective_entries_and_export_again(world):
    report = run(world, lines(company(), sanction()))
    assert (report.legal_entities, report.sanctions, report.created, report.refused) == (1, 1, 1, 0)
    assert report.entries_effective == 1
    subject = Subject.objects.get(uscc=USCC)
    entry = ListEntry.objects.get(subject=subject)
    assert entry.state == EntryState.EFFECTIVE and entry.list_type.code == "court_dishonest_debtor"
    assert entry.origin == EntryOrigin.FTM and entry.get_origin_display() == "FollowTheMoney 导入"
    assert report.batch_ref.startswith("ftm-") and entry.record.current_version.batch_ref == report.batch_ref
    assert entry.record.current_version.fields["SX_RDJG"] == "乙市中级人民法院"
    assert AuditEntry.objects.filter(action="import", detail__format="followthemoney").count() == 1
    # Round trip: the platform's export carries the same organisation and listing.
    exported = list(ftm_export_entities(as_of=AS_OF))
    entity, listing = exported
    assert entity["properties"]["uscCode"] == [USCC]
    assert entity["properties"]["name"] == ["乙市鑫源贸易有限公司"]
    props = listing["properties"]
    assert props["startDate"] == ["2026-02-10"] and props["endDate"] == ["2028-02-09"]
    assert props["authority"] == ["乙市中级人民法院"] and props["authorityId"] == ["（2026）乙执77号"]
    assert props["reason"] == ["拒不履行生效判决"] and props["program"] == [DEBTORS]


def test_importing_the_platforms_own_export_adds_no_record_and_no_entry(world):
    listed(
        department=world["dept"],
        subject=organisation(1, "甲市恒宏建筑工程有限公司"),
        document="（2026）甲执1号",
    )
    data = b"".join(ftm_export_lines(as_of=AS_OF)).splitlines(keepends=True)
    before = (CreditRecord.objects.count(), ListEntry.objects.count())
    report = run(world, data)
    # The same document of the same department: the known record (a new version, its fields as FtM has them).
    assert (report.sanctions, report.created, report.duplicate + report.new_version, report.refused) == (
        1,
        0,
        1,
        0,
    )
    assert report.entries_effective == 1
    assert (CreditRecord.objects.count(), ListEntry.objects.count()) == before


def test_lines_not_of_an_organisations_listing_are_refused_with_codes(world):
    shop_uscc = generate_uscc(random.Random(5), category="92")
    data = lines(
        {
            "id": "p-1",
            "schema": "Person",
            "properties": {"name": ["张三"], "idNumber": ["11010519491231002X"]},
        },
        sanction("p-1", "s-p"),
        company("shop-1", "乙市张三便利店", uscCode=[shop_uscc]),
        sanction("shop-1", "s-shop"),
        {"id": "nocode", "schema": "Company", "properties": {"name": ["乙市无码有限公司"]}},
        sanction("nocode", "s-nocode"),
        company("odd", "乙市怪异有限公司", secretField=["x"]),
        {"id": "bad id!", "schema": "Company", "properties": {"name": ["x"]}},
        sanction("ext-co-1", "s-nodate", startDate=["2026"]),
        sanction("ext-co-1", "s-order", startDate=["2026-03-01"], endDate=["2026-01-01"]),
        {"id": "vessel", "schema": "Vessel", "properties": {"name": ["x"]}},
        company(),
        sanction(),
    )
    report = run(world, data)
    codes = [issue.code for issue in report.issues]
    assert codes == [
        "ftm_person_refused",
        "ftm_property_unknown",
        "ftm_id_invalid",
        "ftm_schema_unsupported",
        "ftm_entity_missing",
        "ftm_individual_business_refused",
        "ftm_uscc_missing",
        "ftm_start_missing",
        "ftm_dates_order",
    ]
    assert report.created == 1 and report.refused == 9
    assert not Subject.objects.filter(name__contains="张三").exists()
    assert list(ListEntry.objects.values_list("subject__uscc", flat=True)) == [USCC]


def test_invisible_characters_in_codes_are_dropped(world):
    hidden = USCC[:5] + "\u200b" + USCC[5:] + "\ufeff"
    report = run(world, lines(company(uscCode=[hidden]), sanction()))
    assert report.created == 1 and Subject.objects.filter(uscc=USCC).exists()


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ([b"not json at all\n"], "ftm_not_json_lines"),
        ([json.dumps(company(), ensure_ascii=False).encode("gb18030")], "ftm_encoding"),
        ([b"[" * 50 + b"]" * 50 + b"\n"], "ftm_too_deep"),
        ([b'{"id": "' + b"a" * 300_000 + b'"}\n'], "ftm_line_too_long"),
    ],
)
def test_a_file_that_is_not_ftm_json_lines_is_refused_whole(world, data, code):
    with pytest.raises(FtmImportError) as refused:
        run(world, [*lines(company(), sanction()), *data])
    assert refused.value.code == code
    assert not CreditRecord.objects.exists() and not Subject.objects.exists()


def test_bounded_entity_count(world, monkeypatch):
    monkeypatch.setattr(importer, "MAX_ENTITIES", 1)
    with pytest.raises(FtmImportError) as refused:
        run(world, lines(company(), sanction()))
    assert refused.value.code == "ftm_too_many_entities"


def test_only_a_mirrored_black_list_of_a_source_department(world):
    for code in ("electronic_certification", "environment_violation"):
        with pytest.raises(FtmImportError) as refused:
            ftm_import(
                lines=[], department=world["dept"], list_type=ListType.objects.get(code=code), as_of=AS_OF
            )
        assert refused.value.code == "ftm_list_type_invalid"
    stats = Department.objects.create(code="stats", name="甲市统计局")
    with pytest.raises(FtmImportError) as refused:
        ftm_import(lines=[], department=stats, list_type=world["debtors"], as_of=AS_OF)
    assert refused.value.code == "ftm_department_not_source"


def test_commands_export_and_import(world, tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_bytes(
        b"".join(lines(company(), sanction(), {"id": "p", "schema": "Person", "properties": {}}))
    )
    out = io.StringIO()
    call_command(
        "ftm", "import", str(source), "--department", "court", "--list-type", "court_dishonest_debtor",
        "--as-of", AS_OF.isoformat(), stdout=out,
    )  # fmt: skip
    assert "新增记录 1 条" in out.getvalue() and "ftm_person_refused" in out.getvalue()
    exported = tmp_path / "out.jsonl"
    call_command("ftm", "export", "--out", str(exported), "--as-of", AS_OF.isoformat(), stdout=io.StringIO())
    rows = [json.loads(line) for line in exported.read_text(encoding="utf-8").splitlines()]
    assert [r["schema"] for r in rows] == ["Company", "Sanction"]
    source.write_bytes(b"\xff\xfe broken")
    with pytest.raises(CommandError) as refused:
        call_command(
            "ftm", "import", str(source), "--department", "court", "--list-type", "court_dishonest_debtor",
            stdout=io.StringIO(),
        )  # fmt: skip
    assert "ftm_encoding" in str(refused.value) and refused.value.returncode == 2
