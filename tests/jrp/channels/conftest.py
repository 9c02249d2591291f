"""Fixtures of the channel tests: two departments with users and check:query keys, a matter, uploads in a
temporary MEDIA_ROOT with background tasks run at once, and a stand-in check that answers by code.

The stand-in (``scripted_check``) lets these tests assert the channels' own behaviour — counts, files,
tokens, permissions — whatever the rulebook holds; ``tests/jrp/channels/test_end_to_end.py`` runs the real
check on listed subjects.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

import pytest

from tests import support
from tests.support import make_user
from xinyong.accounts.models import ApiScope, Role
from xinyong.accounts.services import apiclient_create
from xinyong.core.identifiers import generate_ric, generate_uscc
from xinyong.jrp.models import Matter, MatterStage
from xinyong.jrp.types import CheckAnswer, Hit, MeasureResult

fast_password_hashing = support.fast_password_hashing
dept_a = support.dept_a
dept_b = support.dept_b
uploads_and_immediate_tasks = support.uploads_and_immediate_tasks

MATTER = "SAMR-XK-001"
RNG = random.Random(11)
HIT_USCC = generate_uscc(RNG, category="91")
CLEAN_USCC = generate_uscc(RNG, category="91")
UNKNOWN_USCC = generate_uscc(RNG, category="91")
HIT_RIC = generate_ric(RNG, birth_date=dt.date(1980, 5, 6), sex="M")


@pytest.fixture
def matter(db, dept_a):
    return Matter.objects.create(
        code=MATTER, name="食品经营许可", department=dept_a, kind="行政许可", stage=MatterStage.BEFORE
    )


@pytest.fixture
def users(db, dept_a, dept_b):
    return {
        "clerk": make_user("clerk_a", Role.WINDOW_CLERK, dept_a),
        "officer": make_user("officer_a", Role.DATA_OFFICER, dept_a),
        "reviewer": make_user("reviewer_a", Role.REVIEWER, dept_a),
        "operator": make_user("op", Role.OPERATOR),
        "auditor": make_user("au", Role.AUDITOR),
        "other": make_user("clerk_b", Role.WINDOW_CLERK, dept_b),
    }


@pytest.fixture
def keys(db, dept_a, dept_b):
    return {
        "a": apiclient_create(name="甲 核查", department=dept_a, scopes=[ApiScope.CHECK_QUERY])[1],
        "a_read": apiclient_create(name="甲 读取", department=dept_a, scopes=[ApiScope.RECORDS_READ])[1],
        "b": apiclient_create(name="乙 核查", department=dept_b, scopes=[ApiScope.CHECK_QUERY])[1],
    }


def _hit(code: str) -> list[Hit]:
    return [
        Hit(
            entry_id=1,
            list_type="court_dishonest",
            list_name="失信被执行人名单",
            colour="black",
            deciding_department="示范县人民法院",
        )
    ]


def _measures() -> list[MeasureResult]:
    common = {
        "kind": "punishment",
        "family": "rights",
        "legal_basis": "《最高人民法院关于公布失信被执行人名单信息的若干规定》",
        "application": "mandatory",
        "stage": "before",
        "implementing_department": "示范县市场监督管理局",
        "entry_id": 1,
        "list_type": "court_dishonest",
    }
    return [
        MeasureResult(code="M1", content='=HYPERLINK("http://x")限制担任法定代表人', **common),
        MeasureResult(
            code="M2", content="限制参与评先评优", suspended=True, suspended_reason="异议处理中", **common
        ),
    ]


@dataclass
class ScriptedCheck:
    """Answers by code: HIT_USCC / HIT_RIC hit, CLEAN_USCC clean, anything else not found."""

    calls: list[list[str]] = field(default_factory=list)
    runs: list[dict] = field(default_factory=list)
    next_id: int = 1000

    def answer(self, code: str, as_of: dt.date) -> CheckAnswer:
        self.next_id += 1
        if code in (HIT_USCC, HIT_RIC):
            return CheckAnswer(
                check_id=self.next_id,
                outcome="hit",
                as_of=as_of,
                subject={"name": "示范县恒信商贸有限公司", "uscc": code if code == HIT_USCC else ""},
                hits=_hit(code),
                measures=_measures(),
            )
        if code == CLEAN_USCC:
            return CheckAnswer(
                check_id=self.next_id,
                outcome="clean",
                as_of=as_of,
                subject={"name": "示范县清源食品有限公司"},
            )
        return CheckAnswer(check_id=self.next_id, outcome="not_found", as_of=as_of)

    def codes_check(
        self, *, requester, purpose, matter_code, codes, as_of, channel, batch_ref="", well_formed=None
    ):
        assert requester.department_id and purpose and matter_code == MATTER and channel == "batch"
        assert well_formed is None or len(well_formed) == len(codes)
        self.calls.append(list(codes))
        answers = [self.answer(c, as_of) for c in codes]
        # As the real check: a clean or not-found answer comes without the answer itself.
        return [(a.outcome, a.check_id, a if a.outcome == "hit" else None) for a in answers]

    def check_run(
        self,
        *,
        requester,
        purpose,
        matter_code,
        query,
        as_of,
        channel,
        query_kind=None,
        confirm_subject_id=None,
    ):
        self.runs.append({"requester": requester, "query": query, "channel": channel, "matter": matter_code})
        if query == "恒信":
            return CheckAnswer(
                check_id=None,
                outcome="candidates",
                as_of=as_of,
                candidates=[{"id": 7, "name": "示范县恒信商贸有限公司", "score": 0.92}],
            )
        return self.answer(query, as_of)


@pytest.fixture
def scripted_check(monkeypatch):
    fake = ScriptedCheck()
    monkeypatch.setattr("xinyong.jrp.channels.running.codes_check", fake.codes_check)
    monkeypatch.setattr("xinyong.jrp.channels.services.check_run", fake.check_run)
    return fake
