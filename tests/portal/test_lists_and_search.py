"""Portal lists name the code they show and give their totals; a full name typed exactly is not told to be
“more complete”; dates are written in one style."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.factories import subject_create
from tests.portal.conftest import ORG
from tests.subjects.factories import RIC_MASKED, uscc
from xinyong.lists.services import list_entries_sync

pytestmark = pytest.mark.django_db


def html_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def header_cells(html: str) -> list[str]:
    return re.findall(r'<th scope="col">([^<]*)</th>', html)


def test_a_list_with_a_natural_person_names_the_id_number_column(client, world):
    html = html_of(client, reverse("portal:red_list"))
    assert "统一社会信用代码/身份证号码" in header_cells(html)
    assert f'data-label="身份证号码" class="mono">{RIC_MASKED}<' in html


def test_a_list_of_organisations_keeps_the_code_header(client, world):
    html = html_of(client, reverse("portal:black_list"))
    assert "统一社会信用代码" in header_cells(html)
    assert not any("身份证号码" in cell for cell in header_cells(html))


@pytest.mark.parametrize("name", ["portal:red_list", "portal:black_list", "portal:abnormal_list"])
def test_lists_show_their_totals(client, world, name):
    html = html_of(client, reverse(name))
    assert re.search(r"共 <strong>1</strong> 条", html)
    assert "共 1 条，" in html  # in the table's caption too


def test_list_totals_count_every_page(client, world, monkeypatch):
    monkeypatch.setattr("xinyong.portal.views.LIST_PAGE_SIZE", 1)
    from tests.portal.conftest import ingest

    record = ingest(
        "abnormal_operations",
        world.samr,
        world.tech,
        "甲市监异〔2026〕6号",
        world.as_of,
        {"YC_QYMC": world.tech.name, "YC_LRYY": "通过登记的住所无法联系", "YC_LRWSH": "甲市监异〔2026〕6号"},
    )
    list_entries_sync(record_ids=[record.pk], as_of=world.as_of)
    html = html_of(client, reverse("portal:abnormal_list"))
    assert re.search(r"共 <strong>2</strong> 条", html)
    assert html.count('class="mono"') == 1  # one row on the page, the total still counts both


@pytest.fixture
def many_similar_names(world):
    """More than a search page's worth of names close to 甲市恒信商贸有限公司."""
    for i in range(110):
        name = f"甲市恒信{chr(0x4E00 + 300 + i)}商贸有限公司"
        subject_create(kind=ORG, name=name, uscc=uscc(5000 + i))
    return world


def test_an_exact_full_name_is_not_told_to_be_more_complete(client, many_similar_names):
    html = html_of(client, reverse("portal:search") + "?q=甲市恒信商贸有限公司")
    assert "请输入更完整的名称" not in html
    assert "名称完全一致的主体列在首位" in html
    first = re.search(r'<li class="result">\s*<h3><a [^>]*>([^<]*)</a>', html)
    assert first.group(1) == "甲市恒信商贸有限公司"


def test_a_partial_name_with_too_many_hits_still_asks_for_more(client, many_similar_names):
    html = html_of(client, reverse("portal:search") + "?q=恒信商贸")
    assert "请输入更完整的名称" in html
    assert "名称完全一致" not in html


def test_portal_dates_have_one_style(client, world):
    html = html_of(client, reverse("portal:subject", args=[world.company.pk]))
    assert "年" not in re.sub(r"<[^>]+>", "", html).replace("年度报告", "")
    assert world.as_of.isoformat() in html
