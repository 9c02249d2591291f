"""The console screens of commitments (queue, detail with follow-up, signing on behalf, templates, statistics)
and the portal's 我的信用承诺 for a signed-in subject account."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.dueprocess.commitments.test_services import sign
from xinyong.dueprocess.commitments.services import commitment_break
from xinyong.dueprocess.models import (
    Commitment,
    CommitmentState,
    LinkMethod,
    SubjectAccount,
    SubjectLink,
)
from xinyong.dueprocess.subject_accounts.auth import SESSION_HASH_KEY, SESSION_KEY
from xinyong.records.models import CreditRecord

pytestmark = pytest.mark.django_db


def console(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def portal(account: SubjectAccount) -> Client:
    client = Client()
    session = client.session
    session[SESSION_KEY] = account.pk
    session[SESSION_HASH_KEY] = hashlib.sha256(account.password.encode()).hexdigest()[:32]
    session.save()
    return client


@pytest.fixture
def account(company):
    account = SubjectAccount.objects.create(
        login_name="13800000000", display_name="李四", password=make_password("portal-pass-2026")
    )
    SubjectLink.objects.create(account=account, subject=company, method=LinkMethod.OPERATOR)
    return account


def test_queue_shows_overdue_first_and_only_the_departments_own(
    company, approval, other_department, clerk, operator, outsider
):
    today = timezone.localdate()
    later = sign(company, approval, clerk, on=today - dt.timedelta(days=5), due=today + dt.timedelta(days=9))
    late = sign(company, approval, clerk, on=today - dt.timedelta(days=40), due=today - dt.timedelta(days=3))
    html = console(clerk).get(reverse("dueprocess:commitment_queue")).content.decode()
    assert html.index(late.number) < html.index(later.number)
    assert "逾期未核查" in html and 'data-overdue="1"' in html
    assert late.number not in console(outsider).get(reverse("dueprocess:commitment_queue")).content.decode()
    filtered = console(operator).get(reverse("dueprocess:commitment_queue"), {"state": "overdue"})
    assert late.number in filtered.content.decode() and later.number not in filtered.content.decode()


def test_detail_and_follow_up_by_the_accepting_department(
    company, approval, clerk, officer, outsider, auditor
):
    commitment = sign(company, approval, clerk, due=timezone.localdate() + dt.timedelta(days=30))
    url = reverse("dueprocess:commitment_detail", args=[commitment.pk])
    assert console(outsider).get(url).status_code == 404
    auditor_page = console(auditor).get(url).content.decode()
    assert commitment.number in auditor_page and "核查为未履行" not in auditor_page
    assert "核查为未履行" not in console(clerk).get(url).content.decode()  # window clerks only record
    assert "核查为未履行" in console(officer).get(url).content.decode()
    refused = console(auditor).post(reverse("dueprocess:commitment_break", args=[commitment.pk]), {})
    assert refused.status_code == 403
    response = console(officer).post(
        reverse("dueprocess:commitment_break", args=[commitment.pk]),
        {"checked_on": timezone.localdate().isoformat(), "reason": "经营场所与承诺不符"},
        follow=True,
    )
    html = response.content.decode()
    assert "已记入失信信息" in html and f"{commitment.number}-WN" in html
    commitment.refresh_from_db()
    assert commitment.state == CommitmentState.BROKEN and commitment.broken_record_id


def test_follow_up_errors_are_shown(company, approval, clerk, officer):
    commitment = sign(company, approval, clerk)
    response = console(officer).post(
        reverse("dueprocess:commitment_break", args=[commitment.pk]),
        {"checked_on": timezone.localdate().isoformat(), "reason": ""},
        follow=True,
    )
    assert "未保存" in response.content.decode()
    assert Commitment.objects.get(pk=commitment.pk).state == CommitmentState.IN_PROGRESS


def test_window_clerk_records_a_commitment_signed_at_the_window(company, approval, clerk, templates):
    template = templates["licence_notify_commit"]
    url = reverse("dueprocess:commitment_sign")
    page = console(clerk).get(url, {"template": template.pk}).content.decode()
    assert "登记信用承诺" in page and "承诺受理单位" not in page  # the clerk's own department
    data = {
        "subject_code": company.uscc,
        "template": template.pk,
        "matter_name": "道路运输经营许可",
        "signatory": "王五",
        "signed_on": timezone.localdate().isoformat(),
    }
    unknown = console(clerk).post(url, {**data, "subject_code": "91110000000000000X"})
    assert "未找到该主体" in unknown.content.decode()
    response = console(clerk).post(url, data)
    commitment = Commitment.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "dueprocess:commitment_detail", args=[commitment.pk]
    )
    assert commitment.department == approval and commitment.matter_name == "道路运输经营许可"
    assert commitment.fulfilment_due == timezone.localdate() + dt.timedelta(days=60)
    assert CreditRecord.objects.filter(item__code="commitment", subject=company).count() == 1


def test_accept_with_missing_documents_needs_the_documents(
    company, approval, clerk, templates, work_calendar
):
    template = templates["accept_with_missing"]
    data = {
        "subject_code": company.uscc,
        "template": template.pk,
        "matter_name": "食品经营许可",
        "signatory": "王五",
        "signed_on": timezone.localdate().isoformat(),
    }
    url = reverse("dueprocess:commitment_sign")
    assert "容缺受理须列明容缺的材料" in console(clerk).post(url, data).content.decode()
    response = console(clerk).post(url, {**data, "missing_documents": "从业人员健康证明\n食品安全管理制度"})
    assert response.status_code == 302
    commitment = Commitment.objects.get()
    assert (
        commitment.kind == "accept_with_missing_documents"
        and commitment.fulfilment_due > timezone.localdate()
    )
    assert "从业人员健康证明" in commitment.text


def test_templates_and_statistics_pages(company, approval, clerk, officer, templates, auditor):
    page = console(auditor).get(reverse("dueprocess:commitment_templates")).content.decode()
    assert "食品经营许可告知承诺书" in page and "SP-XK-001" in page
    done = sign(company, approval, clerk, on=timezone.localdate() - dt.timedelta(days=3))
    commitment_break(commitment=done, on_date=timezone.localdate(), actor=officer, reason="承诺不实")
    sign(company, approval, clerk)
    stats = console(auditor).get(reverse("dueprocess:commitment_stats")).content.decode()
    row = re.search(r"<tr><th scope=\"row\">审批替代型（告知承诺）</th>.*?</tr>", stats, re.S).group(0)
    assert ">2<" in row and "0.0%" in row


def test_portal_lists_and_signs_for_the_linked_subject(company, person, approval, clerk, account, templates):
    theirs = sign(company, approval, clerk)
    other = sign(person, approval, clerk)
    client = portal(account)
    listing = client.get(reverse("my:commitment_list")).content.decode()
    assert theirs.number in listing and other.number not in listing
    assert client.get(reverse("my:commitment_detail", args=[other.pk])).status_code == 404
    template = templates["voluntary_commit"]
    form = client.get(reverse("my:commitment_sign")).content.decode()
    assert "综合信用承诺书（主动型）" in form and "容缺受理承诺书" not in form
    refused = client.post(
        reverse("my:commitment_sign"),
        {
            "subject": person.pk,
            "template": template.pk,
            "signatory": "李四",
            "agree": "on",
            "department": approval.pk,
        },
    )
    assert refused.status_code == 200 and Commitment.objects.count() == 2  # not a linked subject
    response = client.post(
        reverse("my:commitment_sign"),
        {
            "subject": company.pk,
            "template": template.pk,
            "signatory": "李四",
            "agree": "on",
            "department": approval.pk,
        },
    )
    signed = Commitment.objects.order_by("-pk").first()
    assert response.status_code == 302 and signed.account == account and signed.subject == company
    assert signed.department == approval and signed.record.item.code == "commitment"
    assert signed.number in client.get(reverse("my:commitment_list")).content.decode()
