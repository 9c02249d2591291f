"""What a report shows: sections, public vs authorised version, masking of personal data."""

from __future__ import annotations

import json

import pytest

from tests.reports.conftest import COMPANY_NAME, OTHER_RIC, PERSON_NAME
from tests.subjects.factories import RIC
from xinyong.reports.content import SECTIONS
from xinyong.reports.models import ReportKind
from xinyong.reports.services import report_issue, report_render_html

pytestmark = pytest.mark.django_db

SECTION_TITLES = [
    "基础信息",
    "行政管理信息",
    "严重失信主体名单",
    "经营异常名录",
    "信用承诺",
    "信用评价",
    "守信激励",
    "其他",
]


def _section(content, code):
    return next(s for s in content["sections"] if s["code"] == code)


def _documents(content) -> set[str]:
    return {row["document_number"] for s in content["sections"] for g in s["groups"] for row in g["rows"]}


def test_sections_follow_the_national_report(company, company_records, as_of):
    report = report_issue(subject=company, kind=ReportKind.PUBLIC, as_of=as_of, actor=None)
    content = report.content
    assert [s["title"] for s in content["sections"]] == SECTION_TITLES
    assert [s["number"] for s in content["sections"]] == list("一二三四五六七八")
    assert len(SECTIONS) == 8
    administrative = _section(content, "administrative")
    assert [g["title"] for g in administrative["groups"]][:2] == ["行政许可", "行政处罚"]
    assert administrative["groups"][0]["rows"][0]["document_number"] == "甲市监许〔2026〕1号"
    assert administrative["groups"][1]["rows"][0]["document_number"] == "甲市监罚〔2026〕8号"
    assert _section(content, "honour")["groups"][0]["rows"][0]["document_number"] == "甲市监〔2026〕荣1号"
    assert _section(content, "abnormal")["count"] == 1
    assert _section(content, "serious_dishonesty")["count"] == 0
    assert ["行政管理信息", 2] in content["summary"]
    assert content["subject"]["name"] == COMPANY_NAME
    assert ["法定代表人", "李四"] in content["subject"]["details"]
    assert content["as_of"] == "2026-06-15"
    assert content["number"] == report.number


def test_evaluation_section_says_plainly_no_evaluation_was_run(company, company_records, as_of):
    report = report_issue(subject=company, kind=ReportKind.PUBLIC, as_of=as_of, actor=None)
    evaluation = _section(report.content, "evaluation")
    assert "尚未开展公共信用综合评价" in evaluation["note"]
    assert evaluation["count"] == 0
    text = json.dumps(report.content, ensure_ascii=False)
    for invented in ("A级", "AAA", "信用等级：", "优秀", "评分"):
        assert invented not in text
    html = report_render_html(report=report)
    assert "本平台尚未开展公共信用综合评价" in html


def test_public_version_shows_only_the_public_set(company, company_records, shared_record, as_of):
    report = report_issue(subject=company, kind=ReportKind.PUBLIC, as_of=as_of, actor=None)
    shown = _documents(report.content)
    assert "甲市监罚〔2026〕8号" in shown
    # Expired window, revoked decision, shared-only item: not public.
    assert "甲市监罚〔2023〕1号" not in shown
    assert "甲市监罚〔2026〕9号" not in shown
    assert "甲市监查〔2026〕5号" not in shown
    assert report.record_count == 4


def test_public_version_leaves_out_fields_the_catalog_keeps_private(company, company_records, as_of):
    report = report_issue(subject=company, kind=ReportKind.PUBLIC, as_of=as_of, actor=None)
    penalty = _section(report.content, "administrative")["groups"][1]["rows"][0]
    labels = [label for label, _ in penalty["details"]]
    assert "处罚内容" in labels
    assert "违法事实" in labels
    # 失信严重程度 and 当前状态 are public: false in the catalog.
    assert "失信严重程度" not in labels and "当前状态" not in labels
    assert "severity" not in penalty
    assert penalty["publish_until"] == "2027-05-19"


def test_authorised_version_adds_shared_records_but_not_expired_or_revoked(
    company, company_records, shared_record, operator, authorisation, as_of
):
    report = report_issue(
        subject=company, kind=ReportKind.AUTHORISED, as_of=as_of, actor=operator, authorisation=authorisation
    )
    shown = _documents(report.content)
    assert "甲市监查〔2026〕5号" in shown
    assert "甲市监罚〔2026〕8号" in shown
    assert "甲市监罚〔2023〕1号" not in shown
    assert "甲市监罚〔2026〕9号" not in shown
    shared_row = next(
        row
        for s in report.content["sections"]
        for g in s["groups"]
        for row in g["rows"]
        if row["document_number"] == "甲市监查〔2026〕5号"
    )
    assert shared_row["scope"] == "政务共享"
    penalty = _section(report.content, "administrative")["groups"][1]["rows"][0]
    # The catalog's non-public fields are shown in the authorised version (the tier once, from its field).
    assert ["失信严重程度", "一般"] in penalty["details"]
    assert "severity" not in penalty
    assert report.content["authorisation"]["purpose"] == "政府采购投标资格审查"
    assert report.content["kind_label"] == "授权版"
    assert any("授权版" in line for line in report.content["statements"])


def test_person_public_report_masks_name_and_every_id_number(person, person_records, as_of):
    report = report_issue(subject=person, kind=ReportKind.PUBLIC, as_of=as_of, actor=None)
    text = json.dumps(report.content, ensure_ascii=False)
    html = report_render_html(report=report)
    for output in (text, html):
        assert RIC not in output
        assert RIC.lower() not in output
        assert OTHER_RIC not in output
        assert PERSON_NAME not in output
    assert "110105********002X" in text
    assert report.content["subject"]["name"] == "张**"
    # The penalty of a natural person is shared only (catalog natural_person_scope): not in the public version.
    assert "甲市监罚〔2026〕20号" not in _documents(report.content)
    assert "甲市〔2026〕荣2号" in _documents(report.content)


def test_person_authorised_report_never_prints_a_full_id_number(person, person_records, operator, as_of):
    from tests.reports.conftest import make_authorisation

    authorisation = make_authorisation(person, actor=operator)
    report = report_issue(
        subject=person, kind=ReportKind.AUTHORISED, as_of=as_of, actor=operator, authorisation=authorisation
    )
    text = json.dumps(report.content, ensure_ascii=False) + report_render_html(report=report)
    assert RIC not in text and OTHER_RIC not in text
    assert "甲市监罚〔2026〕20号" in _documents(report.content)
    # The authorised version names the person in full: the person authorised it.
    assert report.content["subject"]["name"] == PERSON_NAME


def test_empty_report_says_no_information_was_found(company, catalog, as_of):
    report = report_issue(subject=company, kind=ReportKind.PUBLIC, as_of=as_of, actor=None)
    assert report.record_count == 0
    html = report_render_html(report=report)
    assert html.count("未查询到相关信息") >= 7


def test_a_disputed_record_carries_its_objection_mark(company, company_records, operator, as_of):
    """异议标注: while an objection is open, the report says so beside the record (docs/objections.md)."""
    from xinyong.records.services import record_mark_disputed

    penalty = company_records["penalty"]
    record_mark_disputed(record=penalty, disputed=True, actor=operator, reason="异议 YY001", on_date=as_of)
    report = report_issue(subject=company, kind=ReportKind.PUBLIC, as_of=as_of, actor=None)
    rows = [row for s in report.content["sections"] for g in s["groups"] for row in g["rows"]]
    marked = [row["document_number"] for row in rows if row.get("disputed")]
    assert marked == [penalty.document_number]
    assert "【异议标注：当事人已提出异议，正在核实处理】" in report_render_html(report=report)
