"""异议统计: counts by state, median handling time in working days, on-time rate, overdue; the page and its charts.

Four objections against the listed company's record (Shanghai profile: accept within 1 wd of filing, decide
within 5 wd of filing, reply within 2 wd of the decision), counted by hand:

- A filed Fri 2026-02-13, accepted Sat 02-14 (调休 workday), decided Wed 02-25, notified 02-26. Filed → decided
  is 12 calendar days but 3 working days (02-14, 02-24, 02-25; 02-15 … 02-23 is the Spring Festival). Steps:
  marked, accepted, decided, closed — 4 on time.
- B filed Mon 06-01, accepted 06-03 (due 06-02: late), decided 06-05, notified 06-08: 4 wd; 3 on time, 1 late.
- C filed Mon 06-08, refused Wed 06-10 (due 06-09: late), notified Mon 06-15 (due 06-12: late): 2 wd;
  1 on time, 2 late.
- D filed Mon 06-15, still waiting for acceptance (due 06-16): overdue on 06-17; 1 on time (the mark).

Median of 3, 4 and 2 working days: 3. On time 9 of 12 steps: 75.0%. Overdue open on 06-17: 1.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from xinyong.dueprocess.objections.selectors import objection_stats
from xinyong.dueprocess.objections.services import (
    objection_accept,
    objection_decide,
    objection_file,
    objection_notify,
    objection_refuse,
)

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 6, 17)
YEAR = {"date_from": dt.date(2026, 1, 1), "date_to": dt.date(2026, 12, 31)}


def d(month: int, day: int) -> dt.date:
    return dt.date(2026, month, day)


@pytest.fixture
def cases(world, people, account):
    op = people["operator"]

    def file(on):
        return objection_file(filer=account, on_date=on, statement="记录有误", record=world.record)

    a = objection_accept(objection=file(d(2, 13)), actor=op, on_date=d(2, 14))
    a = objection_decide(objection=a, actor=op, on_date=d(2, 25), outcome="undetermined", reasons="无法核实")
    objection_notify(objection=a, actor=op, on_date=d(2, 26))
    b = objection_accept(objection=file(d(6, 1)), actor=op, on_date=d(6, 3))
    b = objection_decide(objection=b, actor=op, on_date=d(6, 5), outcome="maintained", reasons="记录准确")
    objection_notify(objection=b, actor=op, on_date=d(6, 8))
    c = objection_refuse(objection=file(d(6, 8)), actor=op, on_date=d(6, 10), reasons="不属于异议受理范围")
    objection_notify(objection=c, actor=op, on_date=d(6, 15))
    file(d(6, 15))
    return world


def test_figures_by_hand(cases, people):
    stats = objection_stats(user=people["operator"], as_of=AS_OF, **YEAR)
    total = stats.total
    assert (total.filed, total.decided, total.median_working_days) == (4, 3, 3.0)
    assert (total.steps_on_time, total.steps_late, total.on_time_rate) == (9, 3, "75.0%")
    assert total.overdue_open == 1
    assert stats.count("closed") == 3 and stats.count("marked") == 1 and stats.count("accepted") == 0
    assert not stats.provisional
    (department,) = stats.by_department
    assert department.name == "甲市市场监督管理局" and department.figures == total and department.extra == 0


def test_spring_festival_counts_in_working_days(cases, people):
    stats = objection_stats(
        user=people["operator"], date_from=d(1, 1), date_to=d(2, 28), as_of=AS_OF, department_id=None
    )
    # A alone: 12 calendar days, 3 working days.
    assert stats.total.filed == 1 and stats.total.median_working_days == 3.0
    assert stats.total.on_time_rate == "100.0%" and stats.total.overdue_open == 0


def test_period_department_and_reader(cases, people):
    june = objection_stats(user=people["operator"], date_from=d(6, 1), date_to=d(6, 30), as_of=AS_OF)
    assert june.total.filed == 3 and june.total.median_working_days == 3.0  # median of 4 and 2
    assert june.total.on_time_rate == "62.5%"  # 5 of 8 steps: B 3 of 4, C 1 of 3, D 1 of 1
    other = objection_stats(user=people["operator"], as_of=AS_OF, department_id=cases.other.pk, **YEAR)
    assert other.total.filed == 0 and other.total.median_working_days is None
    assert other.total.on_time_rate == "—" and other.by_department == []
    # The other department's officer sees none of them; the record's department sees all four.
    assert objection_stats(user=people["other"], as_of=AS_OF, **YEAR).total.filed == 0
    assert objection_stats(user=people["officer"], as_of=AS_OF, **YEAR).total.filed == 4


def test_page_shows_figures_and_charts(cases, people):
    client = Client()
    client.force_login(people["auditor"])
    page = client.get("/console/dueprocess/objections/stats/?date_from=2026-01-01&date_to=2026-12-31")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<h1>异议统计</h1>" in html
    assert 'data-figure="filed">4<' in html and 'data-figure="median">3<' in html
    assert 'data-figure="on_time" id="on-time-rate">75.0%<' in html
    assert 'data-figure="overdue">1<' in html  # D is still overdue today
    assert html.count('<svg class="chart"') == 5 and "各部门办理用时中位数" in html
    # A filter on another department leaves nothing; a wrong period is refused with a message.
    empty = client.get(f"/console/dueprocess/objections/stats/?department={cases.other.pk}").content.decode()
    assert "所选期间没有异议" in empty
    wrong = client.get("/console/dueprocess/objections/stats/?date_from=2026-12-31&date_to=2026-01-01")
    assert "开始日期不能晚于结束日期" in wrong.content.decode()
    client.force_login(people["clerk"])
    assert client.get("/console/dueprocess/objections/stats/").status_code == 403
