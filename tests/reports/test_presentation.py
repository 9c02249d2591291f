"""How a report reads: 基础信息 shows the registry, no doubled punctuation, the header's items never split."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest

from tests.factories import subject_create
from tests.reports.conftest import add_record, penalty_fields
from tests.subjects.factories import uscc
from xinyong.core.codes import SubjectKind
from xinyong.reports import pdf as report_pdf
from xinyong.reports.models import ReportKind
from xinyong.reports.services import report_issue, report_render_html, report_render_pdf

pytestmark = pytest.mark.django_db

needs_fonts = pytest.mark.skipif(report_pdf.report_fonts() is None, reason="fonts-noto-cjk is not installed")

COMPANY = "乙市某某建材有限公司"


def section_html(html: str, title: str) -> str:
    """The HTML of one numbered section (from its heading to the next section)."""
    start = html.index(f"、{title}</h2>")
    end = html.find('<section class="report-section"', start)
    return html[start : end if end != -1 else len(html)]


@pytest.fixture
def registered_nowhere(catalog, samr):
    """A company the registry knows by name and code only; its penalty names the legal representative."""
    subject = subject_create(kind=SubjectKind.ORGANISATION, name=COMPANY, uscc=uscc(7))
    fields = penalty_fields(
        subject,
        "乙市监罚〔2026〕3号",
        facts="经查，当事人未按规定公示年度报告。以上事实有现场检查笔录等证据证实。",
        content="罚款人民币五千元。",
    )
    fields["CF_FRDB"] = "王五"
    add_record(
        catalog["penalty"],
        subject,
        samr,
        "乙市监罚〔2026〕3号",
        fields,
        severity="general",
        publish_from=dt.date(2026, 5, 20),
        publish_until=dt.date(2027, 5, 19),
    )
    return subject


def test_basic_information_shows_what_the_registry_knows(registered_nowhere, as_of):
    report = report_issue(subject=registered_nowhere, kind=ReportKind.PUBLIC, as_of=as_of, actor=None)
    basic = section_html(report_render_html(report=report), "基础信息")
    assert "未查询到相关信息" not in basic
    assert COMPANY in basic
    assert registered_nowhere.uscc in basic
    assert "法人及非法人组织" in basic
    # No linked person in the registry: the representative named by the newest record.
    assert re.search(r"法定代表人（负责人）</th><td>王五<", basic)


def test_basic_information_keeps_linked_persons_and_former_names(company, company_records, as_of):
    from xinyong.subjects.models import AliasKind, SubjectAlias

    SubjectAlias.objects.create(subject=company, kind=AliasKind.FORMER_NAME, value="甲市某某电子有限公司")
    report = report_issue(subject=company, kind=ReportKind.PUBLIC, as_of=as_of, actor=None)
    basic = section_html(report_render_html(report=report), "基础信息")
    assert re.search(r"法定代表人</th><td>李四<", basic)
    assert re.search(r"曾用名</th><td>甲市某某电子有限公司<", basic)
    assert "未查询到相关信息" not in basic


def test_record_text_never_doubles_punctuation(registered_nowhere, as_of):
    report = report_issue(subject=registered_nowhere, kind=ReportKind.PUBLIC, as_of=as_of, actor=None)
    html = report_render_html(report=report)
    assert "证据证实；" in html
    for doubled in ("。；", "。。", "；；", "；。"):
        assert doubled not in html


@needs_fonts
def test_pdf_header_keeps_the_verification_code_on_the_line_of_its_label(registered_nowhere, as_of):
    pypdf = pytest.importorskip("pypdf")
    report = report_issue(subject=registered_nowhere, kind=ReportKind.PUBLIC, as_of=as_of, actor=None)
    pdf = report_render_pdf(report=report, site_url="https://credit.example.gov.cn")
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    lines = [line for line in text.splitlines() if "验证码" in line]
    assert lines, text[:500]
    assert all(f"验证码：{report.verification_code}" in line.replace(" ", "") for line in lines), lines
    assert any(f"报告编号：{report.number}" in line for line in text.splitlines())
