"""Template helpers of the console: durations, percentages, names, SVG bar charts."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from xinyong.console.templatetags.console import bar_chart, display_name, duration, percent


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, ""), (0, "0 秒"), (8.4, "8 秒"), (200, "3 分 20 秒"), (3900, "约 1 小时 5 分"), (-5, "0 秒")],
)
def test_duration(seconds, text):
    assert duration(seconds) == text


@pytest.mark.parametrize(("rate", "text"), [(None, "—"), (0, "0.0%"), (0.5714, "57.1%"), (1, "100.0%")])
def test_percent(rate, text):
    assert percent(rate) == text


def test_display_name_puts_the_family_name_first():
    person = SimpleNamespace(last_name="李", first_name="明", get_username=lambda: "li")
    nameless = SimpleNamespace(last_name="", first_name="", get_username=lambda: "officer")
    assert display_name(person) == "李明"
    assert display_name(nameless) == "officer"


def test_bar_chart_scales_to_the_largest_value_and_escapes_labels():
    svg = str(bar_chart([("甲局", 50, "50"), ("<乙局>", 100, "100")], title="报送量", unit=" 行"))
    assert svg.startswith('<svg class="chart" width="100%"')
    assert 'width="50.0%"' in svg and 'width="100.0%"' in svg
    assert "&lt;乙局&gt;" in svg and "<乙局>" not in svg
    assert "<title" in svg and "甲局：50 行；&lt;乙局&gt;：100 行" in svg


def test_bar_chart_with_a_fixed_scale_and_no_rows():
    svg = str(bar_chart([("甲局", 12.5, "12.5")], title="入库率", unit="%", maximum=100))
    assert 'width="12.5%"' in svg
    empty = str(bar_chart([], title="空"))
    assert "所选期间没有数据" in empty
