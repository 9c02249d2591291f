"""The PDF: a real PDF, CJK fonts embedded (subsetted), the report's identity on every page."""

from __future__ import annotations

import re
import zlib

import pytest

from xinyong.reports import pdf as report_pdf
from xinyong.reports.models import ReportKind
from xinyong.reports.services import report_issue, report_qr_data_uri, report_render_html, report_render_pdf

pytestmark = pytest.mark.django_db

needs_fonts = pytest.mark.skipif(report_pdf.report_fonts() is None, reason="fonts-noto-cjk is not installed")


def pdf_objects(pdf: bytes) -> bytes:
    """The PDF's bytes with every Flate stream (object streams included) inflated, for searching."""
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n", pdf):
        try:
            parts.append(zlib.decompressobj().decompress(pdf[match.end() : match.end() + 50_000_000]))
        except zlib.error:
            continue
    return b"\n".join(parts)


def pdf_text_strings(blob: bytes) -> str:
    """Document info strings (title, author …) decoded from PDF literal or UTF-16 hex strings."""
    texts = []
    for hexa in re.findall(rb"<((?:FEFF|feff)[0-9A-Fa-f]+)>", blob):
        texts.append(bytes.fromhex(hexa.decode()).decode("utf-16-be", errors="replace"))
    for literal in re.findall(rb"\(([^()]*)\)", blob):
        texts.append(literal.decode("latin-1", errors="replace"))
    return "\n".join(texts)


@needs_fonts
def test_pdf_is_a_real_pdf_with_embedded_cjk_fonts(company, company_records, as_of):
    report = report_issue(subject=company, kind=ReportKind.PUBLIC, as_of=as_of, actor=None)
    pdf = report_render_pdf(report=report, site_url="https://credit.example.gov.cn")
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    blob = pdf_objects(pdf)
    # Embedded font programs (OpenType CFF) of the report family, regular and bold.
    assert len(re.findall(rb"/FontFile[23]?\b", blob)) >= 2
    base_fonts = set(re.findall(rb"/BaseFont\s*/([A-Z]{6}\+[^\s/<>\[\]]+)", blob))
    assert any(b"Xinyong-CJK" in name for name in base_fonts), base_fonts
    # Subset tags (ABCDEF+…): only the glyphs used are embedded, so the file stays small.
    assert len(pdf) < 2_000_000
    assert b"/ToUnicode" in blob  # text can be searched and copied
    info = pdf_text_strings(blob)
    assert report.number in info  # the document title carries the number
    assert "公共信用信息报告" in info


@needs_fonts
def test_every_page_prints_number_time_as_of_code_and_hash(company, company_records, as_of):
    report = report_issue(subject=company, kind=ReportKind.PUBLIC, as_of=as_of, actor=None)
    html = report_render_html(report=report, site_url="https://credit.example.gov.cn")
    running = re.search(r'<p class="report-running">(.*?)</p>', html).group(1)
    for value in (report.number, report.content["issued_at"], "2026-06-15", report.verification_code):
        assert value in running
    assert report.content_hash in re.search(r'<p class="report-running-hash">(.*?)</p>', html).group(1)
    # The print stylesheet copies both lines into every page's footer.
    css = (report_pdf.STATIC_DIR / "report-print.css").read_text()
    assert "string-set: report-running content(text)" in css
    assert "string-set: report-hash content(text)" in css
    assert "content: string(report-running)" in css and "string(report-hash)" in css


def test_qr_code_links_to_the_verification_page(company, catalog, as_of):
    report = report_issue(subject=company, kind=ReportKind.PUBLIC, as_of=as_of, actor=None)
    html = report_render_html(report=report, site_url="https://credit.example.gov.cn")
    url = f"https://credit.example.gov.cn/reports/verify/?number={report.number}&amp;code={report.verification_code}"
    assert url in html
    assert 'src="data:image/svg+xml' in html
    assert report_qr_data_uri(url="https://x.test/").startswith("data:image/svg+xml")


def test_font_face_points_at_the_system_font_files():
    fonts = report_pdf.ReportFonts(
        regular=report_pdf.Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
        bold=report_pdf.Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
    )
    css = report_pdf.font_face_css(fonts)
    assert 'src: url("file:///usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")' in css
    assert "font-weight: 700" in css
    assert 'font-family: "Xinyong CJK"' in css


def test_missing_fonts_give_a_clear_error(monkeypatch, company, catalog, as_of):
    report = report_issue(subject=company, kind=ReportKind.PUBLIC, as_of=as_of, actor=None)
    monkeypatch.setattr(report_pdf, "_renderer", None)
    monkeypatch.setattr(report_pdf, "report_fonts", lambda: None)
    with pytest.raises(report_pdf.ReportFontsMissing) as exc:
        report_render_pdf(report=report)
    assert exc.value.code == "report_fonts_missing"
    assert "fonts-noto-cjk" in exc.value.message


def test_system_check_warns_without_fonts(monkeypatch):
    from xinyong.reports import checks

    monkeypatch.setattr(checks, "report_fonts", lambda: None)
    warnings = checks.report_fonts_installed(None)
    assert [w.id for w in warnings] == ["reports.W001"]
    assert "fonts-noto-cjk" in warnings[0].hint
