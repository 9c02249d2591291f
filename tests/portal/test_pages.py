"""The public portal's pages: home, search, subject page, 双公示 with filters and pages, lists, guidance."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from tests.catalog.rule_set_support import rule_set_revise
from tests.factories import subject_create
from tests.portal.conftest import ingest, license_fields
from tests.subjects.factories import RIC, RIC_MASKED
from xinyong.catalog.spec import APPLIES_TO_PUBLISHED

pytestmark = pytest.mark.django_db

PAGES = [
    "portal:home",
    "portal:search",
    "portal:licenses",
    "portal:penalties",
    "portal:red_list",
    "portal:black_list",
    "portal:abnormal_list",
    "portal:guidance",
]


def html_of(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    return response.content.decode()


@pytest.mark.parametrize("name", PAGES)
def test_every_page_is_accessible_and_needs_no_inline_code(client, world, name):
    html = html_of(client, reverse(name))
    assert '<html lang="zh-Hans">' in html
    assert 'name="viewport"' in html
    assert 'href="#main"' in html and 'id="main"' in html
    assert "portal/portal.css" in html
    # A strict Content-Security-Policy: no inline scripts, style blocks or style attributes.
    assert "<script" not in html and "<style" not in html and "style=" not in html
    assert len(re.findall(r"<h1[ >]", html)) == 1


def test_home_has_search_and_recent_disclosures(client, world):
    html = html_of(client, reverse("portal:home"))
    assert 'role="search"' in html and 'for="home-q"' in html
    assert "最新行政许可公示" in html and "最新行政处罚公示" in html
    assert "甲市恒信商贸有限公司" in html  # its penalty
    assert "示范县城关镇李四便利店" in html  # its licence
    assert "信用修复与异议指南" in html


def test_search_finds_a_name_variant_and_links_the_subject(client, world):
    html = html_of(client, reverse("portal:search") + "?q=恒信商贸")
    assert "甲市恒信商贸有限公司" in html
    assert reverse("portal:subject", args=[world.company.pk]) in html
    assert "名称匹配" in html


def test_search_by_former_name_says_so(client, world):
    html = html_of(client, reverse("portal:search") + "?q=福州瑞丰电子")
    assert "福州瑞丰（福建）科技有限公司" in html
    assert "曾用名匹配：福州瑞丰电子有限公司" in html


def test_search_without_result_explains(client, world):
    html = html_of(client, reverse("portal:search") + "?q=完全不存在的名称乙丙丁")
    assert "没有找到" in html


def test_search_finds_a_person_only_by_full_id_and_only_with_a_public_record(client, world):
    html = html_of(client, reverse("portal:search") + f"?q={RIC}")
    assert reverse("portal:subject", args=[world.person.pk]) in html
    assert RIC not in html and RIC_MASKED in html
    assert "张**" in html and "张三丰" not in html
    # By name: never.
    assert reverse("portal:subject", args=[world.person.pk]) not in html_of(
        client, reverse("portal:search") + "?q=张三丰"
    )
    # A partial number finds nothing.
    assert reverse("portal:subject", args=[world.person.pk]) not in html_of(
        client, reverse("portal:search") + f"?q={RIC[:14]}"
    )
    # The other person has only a shared (not public) penalty: not found even by the full number.
    from tests.portal.conftest import OTHER_RIC

    html = html_of(client, reverse("portal:search") + f"?q={OTHER_RIC}")
    assert reverse("portal:subject", args=[world.other_person.pk]) not in html


def test_the_search_forms_post_so_an_id_number_stays_out_of_urls(client, world):
    for name in ("portal:home", "portal:search", "portal:guidance"):
        html = html_of(client, reverse(name))
        assert 'method="post"' in html and 'method="get"' not in html, name
    # A complete ID number is answered in place: no redirect, so it is in no URL, history or access log.
    response = client.post(reverse("portal:search"), {"q": f" {RIC.lower()} "})
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("portal:subject", args=[world.person.pk]) in html
    assert RIC not in html and RIC.lower() not in html and RIC_MASKED in html
    # Any other query goes to the shareable ?q= address (303: fetched with GET), which pages as before.
    response = client.post(reverse("portal:search"), {"q": "恒信商贸"})
    assert response.status_code == 303
    assert response["Location"] == reverse("portal:search") + "?q=%E6%81%92%E4%BF%A1%E5%95%86%E8%B4%B8"
    assert "甲市恒信商贸有限公司" in html_of(client, response["Location"])
    # Nor does a mistyped one (wrong check digit, hyphens): answered in place, echoed masked.
    for typo in (RIC[:-1] + ("1" if RIC[-1] != "1" else "2"), f"{RIC[:6]}-{RIC[6:14]}-{RIC[14:]}"):
        response = client.post(reverse("portal:search"), {"q": typo})
        assert response.status_code == 200, typo
        html = response.content.decode()
        assert typo not in html and RIC[:17] not in html and "没有找到" in html
    # No CSRF token is needed for this read-only form (the portal sets no cookies).
    csrf_client = client.__class__(enforce_csrf_checks=True)
    assert csrf_client.post(reverse("portal:search"), {"q": RIC}).status_code == 200
    assert client.put(reverse("portal:search")).status_code == 405


@pytest.mark.parametrize(
    "typed",
    [
        "身份证{ric}",  # with a label in front
        "{head}/{tail}",  # separators of any kind
        "{head},{tail}",
        "{head}",  # the address code alone (partial)
        "３６０４９９",  # full-width digits
        "恒信商贸 {head}",  # a name with a number
    ],
)
def test_a_query_that_may_hold_an_id_number_is_answered_in_place(client, world, typed):
    typed = typed.format(ric=RIC, head=RIC[:6], tail=RIC[6:])
    response = client.post(reverse("portal:search"), {"q": typed})
    assert response.status_code == 200, typed  # no redirect: the number reaches no address
    html = response.content.decode()
    assert typed not in html and RIC[6:14] not in html
    assert f'value="{typed}"' not in html


def test_an_organisation_code_still_finds_the_organisation_in_place(client, world):
    # Six digits or more, like any code: answered in place too.
    response = client.post(reverse("portal:search"), {"q": world.company.uscc})
    assert response.status_code == 200
    assert reverse("portal:subject", args=[world.company.pk]) in response.content.decode()


def test_search_results_are_paged(client, world, as_of):
    for i in range(25):
        ingest(
            "license",
            world.approval,
            subject_create(kind="organisation", name=f"乙市恒信商贸第{i}分店有限公司", uscc=_uscc(500 + i)),
            f"乙许〔2026〕{i}号",
            as_of - dt.timedelta(days=5),
            license_fields(f"乙市恒信商贸第{i}分店有限公司", _uscc(500 + i), f"乙许〔2026〕{i}号", as_of),
        )
    first = html_of(client, reverse("portal:search") + "?q=恒信商贸")
    assert 'rel="next"' in first and "第 1 页" in first
    second = html_of(client, reverse("portal:search") + "?q=恒信商贸&page=2")
    assert "第 2 页" in second and 'rel="prev"' in second


def _uscc(seed: int) -> str:
    from tests.subjects.factories import uscc

    return uscc(seed)


def test_subject_page_groups_public_information_by_category(client, world):
    html = html_of(client, reverse("portal:subject", args=[world.company.pk]))
    assert "<h1" in html and "甲市恒信商贸有限公司" in html
    assert world.company.uscc in html
    for label in ("行政管理信息", "经营（活动）异常名录（状态）信息", "严重失信主体名单信息"):
        assert label in html
    assert "甲市监罚〔2026〕1号" in html
    assert "未按照规定期限公示年度报告" in html
    assert "拒不履行生效法律文书" in html
    # Expired (2020) penalty: no longer public.
    assert "甲市监罚〔2020〕9号" not in html
    # The severity field is not public in the catalog; the field's label never shows.
    assert "失信严重程度" not in html
    # No linked person is registered for the company: the header names no 法定代表人（负责人）; the name the
    # penalty carries is one of the record's public fields.
    assert "法定代表人（负责人）" not in html
    assert "<dt>法定代表人</dt><dd>王五</dd>" in html


def test_subject_page_leaves_out_what_is_not_public(client, world):
    html = html_of(client, reverse("portal:subject", args=[world.tech.pk]))
    assert "甲审批许〔2026〕7号" in html  # licence
    assert "甲市监罚〔2026〕2号" not in html  # warning only: not published
    assert "甲市监罚〔2026〕3号" not in html  # revoked
    assert "福州瑞丰电子有限公司" in html  # former name
    assert "350100400012345" in html  # 工商注册号


def test_person_page_only_with_a_public_record_and_masked(client, world):
    html = html_of(client, reverse("portal:subject", args=[world.person.pk]))
    assert RIC not in html
    assert RIC_MASKED in html
    assert "张**" in html and "张三丰" not in html
    assert "诚信示范个人" in html
    # Only a shared penalty: no public page at all.
    html = html_of(client, reverse("portal:subject", args=[world.other_person.pk]), status=404)
    assert "赵六" not in html and "未找到" in html
    html_of(client, reverse("portal:subject", args=[999999]), status=404)


def test_subject_page_offers_the_public_report_only_when_reports_exist(client, world, monkeypatch):
    url = reverse("portal:subject", args=[world.company.pk])
    monkeypatch.setattr("xinyong.portal.views.optional_url", lambda name, *args: None)
    assert "信用信息报告" not in html_of(client, url)
    monkeypatch.setattr("xinyong.portal.views.optional_url", lambda name, *args: "/reports/public/")
    html = html_of(client, url)
    assert 'action="/reports/public/"' in html
    assert f'name="subject_id" value="{world.company.pk}"' in html
    assert "csrfmiddlewaretoken" in html


def test_penalties_page_lists_public_penalties_only(client, world):
    html = html_of(client, reverse("portal:penalties"))
    assert "甲市监罚〔2026〕1号" in html
    assert "罚款" in html
    for hidden in (
        "甲市监罚〔2026〕2号",
        "甲市监罚〔2026〕3号",
        "甲市监罚〔2020〕9号",
        "甲市监罚〔2026〕4号",
    ):
        assert hidden not in html


def test_licenses_page_filters(client, world, as_of):
    url = reverse("portal:licenses")
    html = html_of(client, url)
    assert "甲审批许〔2026〕7号" in html and "甲审批许〔2026〕8号" in html
    html = html_of(client, url + "?kind=特许")
    assert "甲审批许〔2026〕7号" in html and "甲审批许〔2026〕8号" not in html
    html = html_of(client, url + "?department=samr")
    assert "甲审批许〔2026〕7号" not in html and "没有符合条件的公示信息" in html
    html = html_of(client, url + "?department=approval")
    assert "甲审批许〔2026〕7号" in html
    day = as_of - dt.timedelta(days=20)  # the shop's licence; the other one is 3 days older
    html = html_of(client, url + f"?date_from={day.isoformat()}&date_to={day.isoformat()}")
    assert "甲审批许〔2026〕8号" in html and "甲审批许〔2026〕7号" not in html


def test_disclosure_filters_report_a_reversed_date_range(client, world):
    html = html_of(client, reverse("portal:penalties") + "?date_from=2026-06-01&date_to=2026-01-01")
    assert "起始日期不能晚于截止日期" in html
    assert "甲市监罚〔2026〕1号" in html  # the invalid filter is not applied


def test_penalty_kind_filter(client, world):
    html = html_of(client, reverse("portal:penalties") + "?kind=罚款")
    assert "甲市监罚〔2026〕1号" in html
    html = html_of(client, reverse("portal:penalties") + "?kind=责令关闭")
    assert "甲市监罚〔2026〕1号" not in html


def test_disclosures_are_paged_without_counting(client, world, as_of):
    for i in range(23):
        ingest(
            "license",
            world.approval,
            world.tech,
            f"甲审批许〔2025〕{i}号",
            as_of - dt.timedelta(days=30 + i),
            license_fields(world.tech.name, world.tech.uscc, f"甲审批许〔2025〕{i}号", as_of),
        )
    url = reverse("portal:licenses")
    first = html_of(client, url + "?kind=普通")
    assert 'rel="next"' in first and "page=2" in first and "kind=" in first
    second = html_of(client, url + "?kind=普通&page=2")
    assert 'rel="prev"' in second and 'rel="next"' not in second
    assert second.count("<tr>") - 1 == 4  # 24 普通 licences: 20 + 4
    assert html_of(client, url + "?page=abc").count("<tr>") > 1


@pytest.mark.parametrize(
    ("name", "present", "absent"),
    [
        ("portal:red_list", "诚信示范个人", "拒不履行生效法律文书"),
        ("portal:black_list", "拒不履行生效法律文书", "诚信示范个人"),
        ("portal:abnormal_list", "未按照规定期限公示年度报告", "诚信示范个人"),
    ],
)
def test_list_pages(client, world, name, present, absent):
    html = html_of(client, reverse(name))
    assert present in html and absent not in html


def test_red_list_masks_natural_persons(client, world):
    html = html_of(client, reverse("portal:red_list"))
    assert "张**" in html and "张三丰" not in html and RIC not in html and RIC_MASKED in html


def test_guidance_states_deadlines(client, world):
    html = html_of(client, reverse("portal:guidance"))
    for text in (
        "异议申诉",
        "信用修复",
        "谁认定、谁修复",
        "1 个工作日",
        "10 个工作日",
        "3 个工作日",
        "1 年",
        "3 年",
    ):
        assert text in html


def test_guidance_reads_deadlines_from_the_jurisdiction_profile(client, world, settings):
    """The guide states the deadlines of the profile the workflows count with: switch it and the page follows."""
    from xinyong.dueprocess.profiles.services import profiles_load

    profiles_load()
    html = html_of(client, reverse("portal:guidance"))
    assert "上海市社会信用条例" in html and "5 个工作日内作出处理决定" in html
    settings.DUEPROCESS_PROFILE = "credit_reporting"
    html = html_of(client, reverse("portal:guidance"))
    assert "征信业管理条例" in html and "20 日内作出处理决定" in html


def test_navigation_marks_the_current_page(client, world):
    html = html_of(client, reverse("portal:penalties"))
    assert f'<a href="{reverse("portal:penalties")}" aria-current="page">行政处罚</a>' in html
    html = html_of(client, reverse("portal:home"))
    assert '<a href="/" aria-current="page">首页</a>' in html


def test_a_subject_with_many_records_shows_the_newest(client, world, monkeypatch):
    monkeypatch.setattr("xinyong.portal.selectors.SUBJECT_RECORDS", 2)
    html = html_of(client, reverse("portal:subject", args=[world.company.pk]))
    assert "本页显示最近的 2 条" in html
    assert client.get(f"/api/public/subjects/{world.company.pk}").json()["truncated"] is True


def test_guidance_reads_periods_and_transition_from_the_rule_set(client, world):
    """The guide states what the window engine applies: edit the rule set and the page follows."""
    html = html_of(client, reverse("portal:guidance"))
    assert "2026年4月1日前作出的决定，适用决定作出时施行的规定" in html
    assert "国家发展改革委令第36号《信用修复管理办法》（2026年4月1日起施行）" in html

    def edit(rules: dict) -> None:
        rules["tiers"]["serious"]["min_months"] = 18
        rules["applies_to"] = APPLIES_TO_PUBLISHED
        rules["applies_to_basis"] = "市信用办决定"

    rule_set_revise("ndrc-36", edit)
    html = html_of(client, reverse("portal:guidance"))
    assert "<td>18 个月</td>" in html
    assert "2026年4月1日仍在公示的信息，也按上表期限" in html and "市信用办决定" in html
