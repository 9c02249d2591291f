"""System check: credit report PDFs need the CJK fonts of Debian's fonts-noto-cjk."""

from __future__ import annotations

from django.core.checks import Warning, register

from xinyong.reports.pdf import report_fonts


@register()
def report_fonts_installed(app_configs, **kwargs):
    """Warn (the platform runs, but PDF reports cannot be made) when the CJK fonts are missing."""
    if report_fonts() is not None:
        return []
    return [
        Warning(
            "未找到中文字体（Noto Sans CJK），无法生成 PDF 信用报告",
            hint="请安装 Debian 软件包 fonts-noto-cjk（apt-get install fonts-noto-cjk）",
            id="reports.W001",
        )
    ]
