"""PDF output of credit reports with WeasyPrint, CJK fonts embedded.

The fonts come from the Debian package ``fonts-noto-cjk`` (Noto Sans CJK, regular and bold), declared with
``@font-face`` pointing at the installed files, so the PDF embeds them (subsetted to the glyphs used) and looks
the same on every reader, whatever fonts it has. The files are font collections whose first face is the
Japanese one; the document's ``lang="zh-Hans"`` makes HarfBuzz apply the fonts' localised forms (``locl``), so
every character is drawn in its simplified-Chinese (GB) form.

Speed (a report must render in at most 1.5 s with a couple of hundred records): the font configuration and
the parsed stylesheets are built once per process (loading the 20 MB collections is the slow part), record
tables use ``table-layout: fixed`` (automatic table layout measures every CJK line break of every cell on
every page) and the stylesheet avoids costly selectors. ``bench/report_pdf.py`` measures it.
"""

from __future__ import annotations

import atexit
import shutil
import subprocess
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from xinyong.core.errors import CodedError

FONT_FAMILY = "Xinyong CJK"
# Debian's fonts-noto-cjk locations; other systems are asked through fontconfig (fc-match).
FONT_CANDIDATES = {
    "regular": (
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    ),
    "bold": (
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
        "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc",
        "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Bold.ttc",
    ),
}
FC_MATCH_PATTERNS = {"regular": "Noto Sans CJK SC:style=Regular", "bold": "Noto Sans CJK SC:style=Bold"}
STATIC_DIR = Path(__file__).resolve().parent / "static" / "reports"
STYLESHEETS = ("report.css", "report-print.css")


class ReportFontsMissing(CodedError):
    status = 503

    def __init__(self) -> None:
        super().__init__(
            "report_fonts_missing",
            "服务器未安装中文字体（Debian 软件包 fonts-noto-cjk），暂时无法生成 PDF 报告：请系统管理员安装后重试",
        )


@dataclass(frozen=True)
class ReportFonts:
    regular: Path
    bold: Path | None


def _fc_match(pattern: str) -> Path | None:
    if shutil.which("fc-match") is None:
        return None
    try:
        found = subprocess.run(
            ["fc-match", "-f", "%{file}", pattern], capture_output=True, text=True, timeout=5, check=False
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    path = Path(found) if found else None
    return path if path is not None and "CJK" in path.name and path.is_file() else None


@lru_cache(maxsize=1)
def report_fonts() -> ReportFonts | None:
    """The CJK font files reports embed, or ``None`` when fonts-noto-cjk is not installed."""
    found: dict[str, Path | None] = {}
    for weight, candidates in FONT_CANDIDATES.items():
        path = next((Path(p) for p in candidates if Path(p).is_file()), None)
        found[weight] = path or _fc_match(FC_MATCH_PATTERNS[weight])
    if found["regular"] is None:
        return None
    return ReportFonts(regular=found["regular"], bold=found["bold"])


def font_face_css(fonts: ReportFonts) -> str:
    """``@font-face`` rules for the report font family, pointing at the installed font files."""
    rules = [
        f'@font-face {{ font-family: "{FONT_FAMILY}"; src: url("{fonts.regular.as_uri()}"); font-weight: 400; }}'
    ]
    if fonts.bold is not None:
        rules.append(
            f'@font-face {{ font-family: "{FONT_FAMILY}"; src: url("{fonts.bold.as_uri()}"); font-weight: 700; }}'
        )
    rules.append(f'html {{ font-family: "{FONT_FAMILY}", sans-serif; }}')
    return "\n".join(rules)


class _Renderer:
    """WeasyPrint with the font configuration and stylesheets loaded once per process."""

    def __init__(self) -> None:
        # Imported here: WeasyPrint (and its Pango binding) loads only in processes that render PDFs.
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        fonts = report_fonts()
        if fonts is None:
            raise ReportFontsMissing()
        self.font_config = FontConfiguration()
        self.stylesheets = [CSS(string=font_face_css(fonts), font_config=self.font_config)]
        for name in STYLESHEETS:
            self.stylesheets.append(CSS(filename=str(STATIC_DIR / name), font_config=self.font_config))

    def render(self, html: str) -> bytes:
        from weasyprint import HTML

        document = HTML(string=html, base_url=str(STATIC_DIR)).render(
            stylesheets=self.stylesheets, font_config=self.font_config
        )
        return document.write_pdf()


_renderer: _Renderer | None = None
# Pango and fontconfig are not safe to drive from several threads at once: one render at a time per process.
_lock = threading.Lock()


def _release() -> None:
    # Drop the renderer while the interpreter is still whole (its font configuration cleans up temp files).
    global _renderer
    with _lock:
        _renderer = None


atexit.register(_release)


def html_to_pdf(html: str) -> bytes:
    """Render a report document (HTML) to PDF bytes with the embedded CJK fonts."""
    global _renderer
    with _lock:
        if _renderer is None:
            _renderer = _Renderer()
        return _renderer.render(html)
