"""Fixtures of the feedback tests: two departments with users and API keys, subjects, a published rulebook
with two measures, and check log rows with pending feedback made directly (as the check makes them)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from tests.factories import subject_create
from tests.subjects.factories import RIC, uscc
from tests.support import fast_password_hashing, make_user  # noqa: F401
from xinyong.accounts.models import ApiScope, Department, Role
from xinyong.accounts.services import apiclient_create
from xinyong.core.codes import SubjectKind
from xinyong.jrp.deadlines import feedback_due_on
from xinyong.jrp.models import (
    CheckLog,
    CheckOutcome,
    Measure,
    MeasureFeedback,
    Rulebook,
    RulebookStatus,
)

AS_OF = dt.date(2026, 6, 15)
COMPANY = "甲市恒信建材有限公司"
PERSON = "李四光"


class World:
    def __init__(self) -> None:
        self.dept_a = Department.objects.create(code="samr", name="甲市市场监督管理局")
        self.dept_b = Department.objects.create(code="env", name="甲市生态环境局")
        self.officer = make_user("do_a", Role.DATA_OFFICER, self.dept_a)
        self.clerk = make_user("wc_a", Role.WINDOW_CLERK, self.dept_a)
        self.other = make_user("do_b", Role.DATA_OFFICER, self.dept_b)
        self.operator = make_user("op", Role.OPERATOR)
        self.auditor = make_user("au", Role.AUDITOR)
        self.key_a = apiclient_create(
            name="甲 审批系统", department=self.dept_a, scopes=[ApiScope.CHECK_QUERY]
        )[1]
        self.key_a_records = apiclient_create(
            name="甲 其他", department=self.dept_a, scopes=[ApiScope.RECORDS_READ]
        )[1]
        self.key_b = apiclient_create(
            name="乙 审批系统", department=self.dept_b, scopes=[ApiScope.CHECK_QUERY]
        )[1]
        self.company = subject_create(kind=SubjectKind.ORGANISATION, name=COMPANY, uscc=uscc(11))
        self.person = subject_create(kind=SubjectKind.NATURAL_PERSON, name=PERSON, ric=RIC)
        rulebook = Rulebook.objects.create(number=1, status=RulebookStatus.PUBLISHED)
        for code, content in (
            ("M-BID", "限制参加政府采购活动"),
            ("M-INSPECT", "列为重点监管对象，提高检查频次"),
        ):
            Measure.objects.create(
                rulebook=rulebook,
                code=code,
                kind="punishment",
                family="rights",
                content=content,
                legal_basis="《政府采购法》第二十二条",
                target="失信被执行人",
                list_type_codes=["court_dishonest"],
                stage="before",
                application="mandatory",
            )
        self._ids = itertools.count(1)

    def check(
        self,
        *,
        department: Department | None = None,
        subject=None,
        on: dt.date = AS_OF,
        outcome: str = CheckOutcome.HIT,
        matter: str = "M001",
        measures: tuple[str, ...] = ("M-BID",),
        due_on: dt.date | None = None,
    ) -> list[MeasureFeedback]:
        """One logged check; a pending feedback item per measure (for the requesting department)."""
        department = department or self.dept_a
        subject = subject or self.company
        answer = {
            "outcome": outcome,
            "hits": [{"entry_id": 7, "list_name": "失信被执行人", "colour": "black"}] if measures else [],
            "measures": [
                {
                    "code": c,
                    "content": "限制参加政府采购活动",
                    "legal_basis": "《政府采购法》第二十二条",
                    "entry_id": 7,
                }
                for c in measures
            ],
        }
        log = CheckLog.objects.create(
            checked_on=on,
            as_of=on,
            channel="api",
            department=department,
            purpose="行政许可审批",
            matter_code=matter,
            query_kind="uscc",
            query_text=subject.uscc or "",
            subject=subject,
            outcome=outcome,
            hit_count=1 if measures else 0,
            measure_count=len(measures),
            rulebook_number=1,
            answer=answer,
        )
        return [
            MeasureFeedback.objects.create(
                check_id=log.pk,
                checked_on=on,
                subject=subject,
                measure_code=code,
                rulebook_number=1,
                list_entry_id=7,
                matter_code=matter,
                department=department,
                due_on=due_on or feedback_due_on(checked_on=on),
            )
            for code in measures
        ]


@pytest.fixture
def world(db) -> World:
    return World()
