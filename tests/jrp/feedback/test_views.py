"""Console screens: the queue (overdue first, own department), the form, bulk, statistics, typical cases
and the portal page of published cases."""

from __future__ import annotations

import datetime as dt
import re

from django.test import Client
from django.utils import timezone

from tests.jrp.feedback.conftest import AS_OF, COMPANY, PERSON
from xinyong.jrp.feedback import selectors
from xinyong.jrp.feedback.services import (
    feedback_overdue_count,
    feedback_record,
    typical_case_create,
    typical_case_publish,
)
from xinyong.jrp.models import FeedbackState, MeasureFeedback, TypicalCase


def _login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_queue_shows_overdue_first_and_only_the_department(world):
    world.check(on=timezone.localdate())
    (late,) = world.check(on=timezone.localdate() - dt.timedelta(days=40))
    world.check(department=world.dept_b, subject=world.person)
    page = _login(world.officer).get("/console/jrp/feedback/").content.decode()
    assert page.count('data-overdue="1"') == 1
    assert page.index('badge-err">逾期') < page.index('badge-warn">待反馈')
    assert PERSON not in page
    assert f'value="{late.pk}"' in page  # a checkbox for the bulk action
    everything = _login(world.operator).get("/console/jrp/feedback/").content.decode()
    assert PERSON in everything and 'name="ids"' not in everything


def test_form_records_and_shows_the_earlier_answer(world):
    (item,) = world.check()
    client = _login(world.officer)
    url = f"/console/jrp/feedback/{item.pk}/"
    refused = client.post(url, {"state": "not_applied", "reason": ""})
    assert refused.status_code == 200 and "请填写原因说明" in refused.content.decode()
    assert client.post(url, {"state": "not_applied", "reason": "窗口系统故障"}).status_code == 302
    assert client.post(url, {"state": "applied", "reason": ""}).status_code == 302
    page = client.get(url).content.decode()
    assert "此前的反馈" in page and "窗口系统故障" in page and "XYGZ" in page
    assert _login(world.other).get(url).status_code == 404
    assert _login(world.operator).post(url, {"state": "applied"}).status_code == 404


def test_bulk_answers_the_ticked_items(world):
    items = world.check(measures=("M-BID", "M-INSPECT"))
    (other,) = world.check(department=world.dept_b)
    client = _login(world.clerk)
    response = client.post(
        "/console/jrp/feedback/bulk/",
        {
            "ids": [i.pk for i in items] + [other.pk],
            "state": "not_applicable",
            "reason": "不属于本次办理事项",
        },
    )
    assert response.status_code == 302  # another department's item: nothing is saved
    assert not MeasureFeedback.objects.exclude(state="pending").exists()
    no_reason = client.post(
        "/console/jrp/feedback/bulk/", {"ids": [i.pk for i in items], "state": "not_applied"}
    )
    assert no_reason.status_code == 302 and not MeasureFeedback.objects.exclude(state="pending").exists()
    client.post(
        "/console/jrp/feedback/bulk/",
        {"ids": [i.pk for i in items], "state": "not_applicable", "reason": "不属于本次办理事项"},
    )
    states = dict(MeasureFeedback.objects.values_list("pk", "state"))
    assert [states[i.pk] for i in items] == ["not_applicable", "not_applicable"]
    assert states[other.pk] == "pending"


def test_statistics_agree_with_each_other_and_with_the_rows(world):
    for day in (dt.date(2026, 5, 4), dt.date(2026, 6, 1), AS_OF):
        world.check(on=day, measures=("M-BID", "M-INSPECT"))
        world.check(on=day, outcome="clean", measures=(), matter="M002")
        world.check(department=world.dept_b, on=day)
    applied = MeasureFeedback.objects.filter(department=world.dept_a).order_by("pk")[:3]
    for fb in applied:
        feedback_record(feedback=fb, state="applied", actor=world.officer, channel="console")
    fb = MeasureFeedback.objects.filter(department=world.dept_a, state="pending").first()
    feedback_record(
        feedback=fb, state="not_applied", reason="系统故障", actor=world.officer, channel="console"
    )
    period = {"date_from": dt.date(2026, 5, 1), "date_to": AS_OF, "as_of": AS_OF}
    totals = selectors.loop_totals(department_ids=None, **period)
    rows = selectors.loop_by_department(department_ids=None, **period)
    for key in (
        "checks",
        "hits",
        "feedback",
        "pending",
        "overdue",
        "applied",
        "not_applied",
        "not_applicable",
    ):
        assert sum(r[key] for r in rows) == getattr(totals, key), key
    assert totals.checks == 9 and totals.hits == 6 and totals.feedback == 9
    assert totals.applied == 3 and totals.not_applied == 1 and totals.notified == 3
    assert totals.pending + totals.answered == totals.feedback
    assert totals.overdue == sum(
        1 for f in MeasureFeedback.objects.all() if f.state == "pending" and f.due_on < AS_OF
    )
    matters = selectors.checks_by_matter(department_ids=None, date_from=period["date_from"], date_to=AS_OF)
    assert sum(m["checks"] for m in matters) == totals.checks
    own = selectors.loop_totals(department_ids={world.dept_a.pk}, **period)
    assert own.checks == 6 and own.feedback == 6
    feedback_overdue_count(as_of=AS_OF)  # the daily job: its counts are charted day by day
    page = _login(world.officer).get(
        "/console/jrp/feedback/stats/", {"date_from": "2026-05-01", "date_to": "2026-06-15"}
    )
    text = page.content.decode()
    assert re.search(r'data-figure="checks">6<', text) and "甲市生态环境局" not in text
    assert "<svg" in text and f"06-15：{own.overdue} 项" in text
    everyone = _login(world.auditor).get(
        "/console/jrp/feedback/stats/", {"date_from": "2026-05-01", "date_to": "2026-06-15"}
    )
    assert re.search(r'data-figure="checks">9<', everyone.content.decode())


def test_a_case_is_published_by_an_operator_and_the_person_is_masked(world):
    case = typical_case_create(
        department=world.dept_a,
        title=f"{PERSON}失信被执行人被限制参加政府采购",
        kind="punishment",
        summary=f"{PERSON}（身份证号 11010519491231002X）在投标时被核查发现为失信被执行人，依法被限制。",
        occurred_on=AS_OF,
        subject=world.person,
        measure_codes=["M-BID"],
        actor=world.officer,
    )
    org = typical_case_create(
        department=world.dept_a,
        title="企业守信获得绿色通道",
        kind="incentive",
        summary=f"{COMPANY}为A级纳税人，办理许可时适用容缺受理。",
        occurred_on=AS_OF,
        subject=world.company,
        actor=world.officer,
    )
    portal = Client().get("/cases/").content.decode()
    assert "暂无公开的典型案例" in portal
    client = _login(world.operator)
    assert _login(world.officer).post(f"/console/jrp/feedback/cases/{case.pk}/publish/").status_code == 403
    assert (
        client.post(f"/console/jrp/feedback/cases/{case.pk}/publish/", {"action": "publish"}).status_code
        == 302
    )
    typical_case_publish(case=org, publish=True, actor=world.operator)
    portal = Client().get("/cases/").content.decode()
    assert "李**失信被执行人被限制参加政府采购" in portal and PERSON not in portal
    assert "11010519491231002X" not in portal and "110105********002X" in portal
    assert COMPANY in portal
    assert TypicalCase.objects.filter(published=True).count() == 2


def test_case_pages_paginate_and_department_scope(world):
    for i in range(12):
        case = typical_case_create(
            department=world.dept_a,
            title=f"案例 {i}",
            kind="punishment",
            summary="内容",
            occurred_on=AS_OF,
            actor=world.officer,
        )
        typical_case_publish(case=case, publish=True, actor=world.operator)
    first = Client().get("/cases/").content.decode()
    second = Client().get("/cases/", {"page": 2}).content.decode()
    assert first.count("<article") == 10 and second.count("<article") == 2
    assert _login(world.other).get(f"/console/jrp/feedback/cases/{case.pk}/").status_code == 404
    response = _login(world.officer).post(
        "/console/jrp/feedback/cases/new/",
        {
            "title": "新案例",
            "kind": "punishment",
            "summary": "内容",
            "occurred_on": "2026-06-01",
            "measure_codes": "M-BID，M-INSPECT",
        },
    )
    assert response.status_code == 302
    assert TypicalCase.objects.get(title="新案例").measure_codes == ["M-BID", "M-INSPECT"]


def test_nav_has_the_entries(world):
    page = _login(world.officer).get("/console/jrp/feedback/").content.decode()
    for label in ("措施反馈", "联合奖惩统计", "典型案例"):
        assert label in page
    assert FeedbackState.PENDING
