"""The basis of a publication window is shown with the rule set's legal citation, not its internal code."""

import datetime as dt

import pytest
from django.template import Context, Template

from xinyong.catalog.services import catalog_load_fixtures
from xinyong.records.presenters import window_basis_display

pytestmark = pytest.mark.django_db


@pytest.fixture
def rule_sets():
    catalog_load_fixtures(as_of=dt.date(2019, 1, 1))


def test_rule_set_code_is_replaced_by_its_legal_basis(rule_sets):
    shown = window_basis_display(rule="ndrc-36 v1 严重")
    assert shown == "国家发展改革委令第36号《信用修复管理办法》 严重"
    assert window_basis_display(rule="ndrc-527 v1 一般（多种处罚取最长期限）").startswith(
        "发改办财金〔2019〕527号 一般"
    )


@pytest.mark.parametrize("rule", ["长期公示", "有效期内公示（至 2030-01-01）", "", "ndrc-99 v1 一般", "x vz"])
def test_other_bases_are_shown_as_they_are(rule_sets, rule):
    assert window_basis_display(rule=rule) == rule


def test_template_filter(rule_sets):
    html = Template("{% load records %}{{ rule|window_basis }}").render(Context({"rule": "ndrc-58 v1 一般"}))
    assert "第58号" in html and "ndrc" not in html
