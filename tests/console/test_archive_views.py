"""信用档案 screens: the role matrix, the purpose step and its audit entries, what the page marks (scopes, expired,
revoked, versions, timeline, view log), department limits, pagination, the CSV export and no full 身份证 number."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from tests.factories import record_ingest_row, subject_create
from tests.subjects.factories import RIC, RIC_MASKED, item_version, received
from xinyong.accounts.models import AuditEntry
from xinyong.core.codes import SubjectKind
from xinyong.core.identifiers import check_ric, generate_uscc
from xinyong.records.models import Channel
from xinyong.records.services import record_change_status

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 15)
ID_LIKE = re.compile(r"(?<![0-9A-Za-z])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])")
ALLOWED = ["operator", "auditor", "reviewer", "data_officer", "superuser"]
REFUSED = ["window_clerk", "no_role"]


def full_ids(html: str) -> list[str]:
    return [c for c in ID_LIKE.findall(html) if check_ric(c, as_of=TODAY).ok]


@pytest.fixture
def items(db):
    return {
        "public": item_version("arch-penalty", scope="public", natural_person_scope="shared"),
        "shared": item_version("arch-inspection", scope="shared"),
        "authorised": item_version("arch-contract", scope="authorised"),
    }


@pytest.fixture
def company(db):
    import random

    uscc = generate_uscc(random.Random(7), category="91")
    return subject_create(kind=SubjectKind.ORGANISATION, name="甲市档案测试有限公司", uscc=uscc)


@pytest.fixture
def person(db):
    return subject_create(kind=SubjectKind.NATURAL_PERSON, name="王五", ric=RIC)


def ingest(item, department, number, subject, **overrides):
    values = {
        "item_version": item,
        "department": department,
        "document_number": number,
        "subject": subject,
        "decision_date": dt.date(2026, 5, 20),
        "fields": {"CF_XDR_MC": subject.name, "CF_WSH": number, "CF_NR": "罚款人民币五千元"},
        "severity": "general",
        "channel": Channel.FILE,
        "received_at": received(),
    }
    values.update(overrides)
    return record_ingest_row(**values).record


@pytest.fixture
def archive(items, dept_a, dept_b, company, person, users):
    """Records of the company in both departments (every scope, one expired, one revoked) and of a person."""
    records = {
        "a-public": ingest(
            items["public"],
            dept_a,
            "甲罚〔2026〕1号",
            company,
            publish_from=dt.date(2026, 5, 27),
            publish_until=dt.date(2027, 5, 19),
        ),
        "a-expired": ingest(
            items["public"],
            dept_a,
            "甲罚〔2022〕7号",
            company,
            decision_date=dt.date(2022, 3, 1),
            publish_from=dt.date(2022, 3, 8),
            publish_until=dt.date(2025, 2, 28),
        ),
        "a-authorised": ingest(items["authorised"], dept_a, "甲授〔2026〕1号", company),
        "b-shared": ingest(items["shared"], dept_b, "乙查〔2026〕1号", company),
        "b-authorised": ingest(items["authorised"], dept_b, "乙授〔2026〕1号", company),
        "b-revoked": ingest(items["public"], dept_b, "乙罚〔2026〕2号", company),
        "a-person": ingest(
            items["authorised"],
            dept_a,
            "甲授〔2026〕2号",
            person,
            fields={"CF_XDR_MC": person.name, "CF_XDR_ZJHM": RIC, "CF_NR": f"证件号码{RIC}"},
        ),
    }
    record_change_status(
        record=records["b-revoked"],
        status="revoked",
        actor=users["data_officer_b"],
        reason="复议撤销",
        as_of=TODAY,
    )
    ingest(items["shared"], dept_b, "乙查〔2026〕1号", company, fields={"CF_NR": "更正：责令改正"})
    return records


def archive_url(subject, **params):
    query = {"purpose": "credit_check", "as_of": TODAY.isoformat(), **params}
    return reverse("console:archive_subject", args=[subject.pk]), query


def open_archive(client, subject, **params):
    url, query = archive_url(subject, **params)
    return client.get(url, query)


def views_of(subject, action="view"):
    return AuditEntry.objects.filter(object_type="subjects.subject", object_id=str(subject.pk), action=action)


# ---------------------------------------------------------------------------------------------------
# Access


@pytest.mark.parametrize("role", ALLOWED)
def test_archive_roles_open_every_step(login, archive, company, role):
    client = login(role)
    assert client.get(reverse("console:archive_search"), {"q": company.uscc}).status_code == 200
    assert client.get(reverse("console:archive_purpose", args=[company.pk])).status_code == 200
    assert open_archive(client, company).status_code == 200
    url, query = archive_url(company)
    export = client.get(reverse("console:archive_export", args=[company.pk]), query)
    assert export.status_code == 200


@pytest.mark.parametrize("role", REFUSED)
def test_window_clerks_and_users_without_role_get_403(login, archive, company, role):
    client = login(role)
    urls = [
        reverse("console:archive_search"),
        reverse("console:archive_purpose", args=[company.pk]),
        archive_url(company)[0] + "?purpose=credit_check",
        reverse("console:archive_export", args=[company.pk]) + "?purpose=credit_check",
    ]
    for url in urls:
        assert client.get(url).status_code == 403, url
    assert not views_of(company).filter(outcome="success").exists()


def test_anonymous_users_go_to_the_login_page(client, archive, company):
    response = open_archive(client, company)
    assert response.status_code == 302 and reverse("console:login") in response["Location"]


def test_menu_has_the_archive_for_archive_roles_only(login, archive):
    assert "信用档案" in login("reviewer").get(reverse("console:home")).content.decode()
    assert "信用档案" not in login("window_clerk").get(reverse("console:home")).content.decode()


# ---------------------------------------------------------------------------------------------------
# Purpose


def test_archive_without_purpose_returns_to_the_form_with_a_coded_error(login, archive, company):
    client = login("operator")
    response = client.get(archive_url(company)[0])
    assert response.status_code == 400
    html = response.content.decode()
    assert "purpose_required" in html and "查询事由" in html
    assert "甲罚〔2026〕1号" not in html
    other = open_archive(client, company, purpose="other", purpose_note="")
    assert other.status_code == 400 and "purpose_note_required" in other.content.decode()
    assert not views_of(company).exists()


def test_purpose_page_offers_the_fixed_list(login, archive, company):
    html = login("auditor").get(reverse("console:archive_purpose", args=[company.pk])).content.decode()
    for label in (
        "行政审批",
        "日常监管",
        "执法检查",
        "信用核查",
        "异议处理",
        "信用修复",
        "审计检查",
        "其他（须说明）",
    ):
        assert label in html
    assert '<label for="id_purpose">' in html


def test_each_view_is_audited_with_the_purpose(login, archive, company, users):
    client = login("reviewer")
    response = open_archive(client, company, purpose="other", purpose_note="核对投诉材料")
    assert response.status_code == 200
    entry = views_of(company).get()
    assert entry.actor_user == users["reviewer"] and entry.purpose == "其他：核对投诉材料"
    assert entry.detail["via"] == "console" and entry.detail["as_of"] == TODAY.isoformat()
    html = response.content.decode()
    assert f"第 {entry.seq} 号" in html and "其他：核对投诉材料" in html


# ---------------------------------------------------------------------------------------------------
# Content


def test_page_marks_scopes_expired_revoked_versions_timeline_and_views(login, archive, company):
    client = login("operator")
    open_archive(client, company, purpose="audit")
    html = open_archive(client, company).content.decode()
    for number in (
        "甲罚〔2026〕1号",
        "甲罚〔2022〕7号",
        "甲授〔2026〕1号",
        "乙查〔2026〕1号",
        "乙授〔2026〕1号",
    ):
        assert number in html
    for badge in ("公开", "政务共享", "授权查询", "已过公示期", "已撤销", "公示中"):
        assert f'">{badge}</span>' in html, badge
    assert "行政管理信息" in html  # the catalog category heading
    # Versions: the corrected shared record shows both versions to an operator.
    assert "第 2 版" in html and "第 1 版" in html and "更正：责令改正" in html
    # Timeline with dates and the revocation reason.
    assert "作出决定" in html and "首次报送" in html and "复议撤销" in html and "公示期满" in html
    # View log: who and why.
    assert "审计检查" in html and "op" in html


def test_department_sees_only_its_own_non_shared_records(login, archive, company, person):
    client = login("data_officer_b")
    html = open_archive(client, company).content.decode()
    assert "乙授〔2026〕1号" in html and "乙查〔2026〕1号" in html
    assert "甲授〔2026〕1号" not in html
    assert "甲罚〔2022〕7号" in html  # public records of every department
    # The person's only record is another department's authorised record: not even the subject shows.
    assert open_archive(client, person).status_code == 404
    assert client.get(reverse("console:archive_purpose", args=[person.pk])).status_code == 404
    found = client.get(reverse("console:archive_search"), {"q": RIC}).content.decode()
    assert person.name not in found


def test_old_versions_of_another_department_are_not_shown(login, archive, company):
    html = open_archive(login("data_officer"), company).content.decode()
    assert "早期版本仅数据来源单位和平台管理员可查看" in html


def test_no_full_id_number_on_any_archive_page(login, archive, person):
    client = login("operator")
    search = client.get(reverse("console:archive_search"), {"q": RIC})
    assert person.name in search.content.decode() and RIC_MASKED in search.content.decode()
    pages = [
        search,
        client.get(reverse("console:archive_purpose", args=[person.pk])),
        open_archive(client, person),
        client.get(reverse("console:archive_export", args=[person.pk]), archive_url(person)[1]),
    ]
    for response in pages:
        assert response.status_code == 200
        assert full_ids(response.content.decode("utf-8-sig")) == []
    assert RIC_MASKED in pages[2].content.decode()


def test_search_by_name_lists_organisations_not_people(login, archive, company, person):
    html = login("operator").get(reverse("console:archive_search"), {"q": "档案测试"}).content.decode()
    assert company.name in html and reverse("console:archive_purpose", args=[company.pk]) in html
    html = login("operator").get(reverse("console:archive_search"), {"q": person.name}).content.decode()
    assert "没有找到您可以查看的主体" in html


def test_long_record_lists_are_paginated_and_keep_the_purpose(login, items, dept_a, company):
    for n in range(25):
        ingest(items["public"], dept_a, f"甲罚〔2025〕{n + 100}号", company)
    client = login("operator")
    first = open_archive(client, company).content.decode()
    assert "第 1 / 2 页" in first
    link = re.search(r'<a href="([^"]*page=2[^"]*)">下一页</a>', first).group(1)
    assert "purpose=credit_check" in link
    second = client.get(reverse("console:archive_subject", args=[company.pk]) + link.replace("&amp;", "&"))
    assert second.status_code == 200 and "第 2 / 2 页" in second.content.decode()
    assert views_of(company).count() == 2


def test_export_is_csv_and_audited_as_export(login, archive, company):
    client = login("auditor")
    url, query = archive_url(company, purpose="repair")
    response = client.get(reverse("console:archive_export", args=[company.pk]), query)
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff主体名称")
    assert "甲罚〔2022〕7号" in body and "公示期满" in body
    entry = views_of(company, action="export").get()
    assert entry.purpose == "信用修复" and entry.detail["records"] == 6
    refused = client.get(reverse("console:archive_export", args=[company.pk]))
    assert refused.status_code == 400 and views_of(company, action="export").count() == 1


def test_archive_page_has_no_inline_style_or_script(login, archive, company):
    html = open_archive(login("operator"), company).content.decode()
    assert " style=" not in html and "<style" not in html
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert all("src=" in s for s in scripts)
    assert '<html lang="zh-Hans">' in html and 'class="skip-link"' in html


def test_record_rows_link_to_the_objection_form_for_those_who_may_file(login, archive, company):
    def link(key: str) -> str:
        return f'href="/console/dueprocess/objections/new/?record={archive[key].pk}">登记异议</a>'

    company_records = ("a-public", "a-expired", "a-authorised", "b-shared", "b-authorised", "b-revoked")
    client = login("operator")  # registers objections on any subject's behalf
    html = open_archive(client, company).content.decode()
    assert all(link(key) in html for key in company_records)
    assert (
        client.get(f"/console/dueprocess/objections/new/?record={archive['a-public'].pk}").status_code == 200
    )
    # A department files against its own records only.
    html = open_archive(login("data_officer_b"), company).content.decode()
    assert link("b-shared") in html and link("b-authorised") in html
    assert "甲罚〔2022〕7号" in html and link("a-expired") not in html
    # Auditors read the archive but file nothing.
    assert "登记异议" not in open_archive(login("auditor"), company).content.decode()
