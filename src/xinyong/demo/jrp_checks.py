"""The demo county's credit checks and feedback: a few hundred checks by the departments over the last two
months (through the credit check itself), the departments' answers (applied, not applied with reasons, not
applicable; some left pending and overdue), and two published typical cases.

The check log is append-only and dates a check by when it was made, so the demo plays each check on its
day of the period (``check_run``'s ``checked_at``), as the demo's files carry decisions of past years: the
queue, the overdue counts and the statistics then show a realistic spread. Demo only.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from xinyong.accounts.models import Department, Role, User
from xinyong.core.codes import SubjectKind
from xinyong.jrp.check.services import CheckError, check_run
from xinyong.jrp.feedback.services import (
    FeedbackItem,
    feedback_record_many,
    typical_case_create,
    typical_case_publish,
)
from xinyong.jrp.models import (
    CheckChannel,
    FeedbackState,
    Matter,
    Measure,
    MeasureFeedback,
    RulebookStatus,
)
from xinyong.jrp.types import Requester
from xinyong.lists.selectors import entries_in_force
from xinyong.subjects.models import Subject

CHECKS = 300
DAYS = 60
# Departments that check applicants at their windows (those of them with a data officer in the demo).
CHECKING_DEPARTMENTS = (
    "samr",
    "tax",
    "housing",
    "transport",
    "emergency",
    "hrss",
    "ecology",
    "natural-resources",
)
NOT_APPLIED_REASONS = (
    "申请人已撤回申请，本次未办理",
    "经核实，主体已履行法定义务，正在办理信用修复",
    "窗口系统故障，已改为人工审核",
)
NOT_APPLICABLE_REASONS = ("本事项不属于该措施的适用范围", "核查对象为分支机构，措施由总公司所在地部门实施")


@dataclass
class JrpChecksReport:
    checks: int = 0
    feedback: int = 0
    answered: int = 0
    overdue: int = 0
    cases: int = 0


def _matters() -> dict[int, list[str]]:
    """The active matters of each department (docs/measures.md; the demo's are made by demo.jrp_measures)."""
    by_department: dict[int, list[str]] = {}
    for code, department_id in Matter.objects.filter(active=True, department__isnull=False).values_list(
        "code", "department_id"
    ):
        by_department.setdefault(department_id, []).append(code)
    return by_department


def _implementers(*, as_of: dt.date) -> dict[int, set[int]]:
    """Per listed organisation: the departments implementing a mandatory measure of its lists (published)."""
    by_type: dict[str, set[int]] = {}
    measures = Measure.objects.filter(
        rulebook__status=RulebookStatus.PUBLISHED,
        application="mandatory",
        implementing_department__isnull=False,
    ).values_list("list_type_codes", "implementing_department_id")
    for codes, department_id in measures:
        for code in codes:
            by_type.setdefault(code, set()).add(department_id)
    found: dict[int, set[int]] = {}
    rows = (
        entries_in_force(as_of=as_of)
        .filter(subject__uscc__gt="", subject__kind=SubjectKind.ORGANISATION)
        .values_list("subject_id", "list_type__code")[:2000]
    )
    for subject_id, code in rows:
        found.setdefault(subject_id, set()).update(by_type.get(code, ()))
    return found


def _subjects(*, listed_ids: set[int], rng: random.Random) -> tuple[list[Subject], list[Subject]]:
    listed = list(Subject.objects.filter(pk__in=listed_ids).order_by("pk"))
    clean = list(
        Subject.objects.filter(kind=SubjectKind.ORGANISATION, uscc__gt="")
        .exclude(pk__in=listed_ids)
        .order_by("pk")[:400]
    )
    rng.shuffle(listed)
    rng.shuffle(clean)
    return listed, clean


def demo_jrp_checks(
    *,
    seed: int,
    as_of: dt.date,
    departments: dict[str, Department],
    officers: dict[str, User],
    say: Callable[[str], None] = lambda line: None,
) -> JrpChecksReport:
    """Run the demo's checks, answer most of their measures, publish two typical cases."""
    report = JrpChecksReport()
    started = time.monotonic()
    rng = random.Random(f"{seed}-jrp-checks")
    operator = User.objects.filter(role=Role.OPERATOR).order_by("pk").first()
    clerks = {
        u.department.code: u for u in User.objects.filter(role=Role.WINDOW_CLERK).select_related("department")
    }
    staff = clerks | officers
    checkers = [(code, staff[code]) for code in CHECKING_DEPARTMENTS if code in staff]
    if not checkers:
        return report
    implementers = _implementers(as_of=as_of)
    listed, clean = _subjects(listed_ids=set(implementers), rng=rng)
    if not (listed or clean):
        return report
    matters = _matters()
    # Two checks in five are of listed subjects (each checked several times when the county has few).
    wanted = CHECKS * 2 // 5
    hits = [listed[i % len(listed)] for i in range(wanted)] if listed else []
    pool = [*hits, *clean[: CHECKS - len(hits)]]
    rng.shuffle(pool)
    with transaction.atomic():
        for subject in pool:
            # A listed subject is mostly checked by a department implementing one of its measures.
            own = [c for c in checkers if c[1].department_id in implementers.get(subject.pk, ())]
            code, officer = rng.choice(own if own and rng.random() < 0.8 else checkers)
            department = departments[code]
            day = as_of - dt.timedelta(days=rng.randrange(DAYS))
            try:
                answer = check_run(
                    requester=Requester(
                        department_id=department.pk, department_name=department.name, user_id=officer.pk
                    ),
                    purpose="办理行政审批事项",
                    matter_code=rng.choice(matters.get(department.pk) or [""]),
                    query=subject.uscc,
                    as_of=day,
                    channel=rng.choice((CheckChannel.CONSOLE, CheckChannel.API)),
                    # Checks of past days, made at 09:30 local time on that day.
                    checked_at=timezone.make_aware(dt.datetime.combine(day, dt.time(9, 30))),
                )
            except CheckError:
                continue
            report.checks += answer.check_id is not None
        _answer(rng=rng, as_of=as_of, checkers=checkers, report=report)
        report.cases = _cases(as_of=as_of, operator=operator, officers=officers, listed=listed, clean=clean)
    say(
        f"  联合奖惩：信用核查 {report.checks:,} 次，须反馈措施 {report.feedback:,} 项，已反馈 {report.answered:,} 项，"
        f"逾期未反馈 {report.overdue:,} 项，典型案例 {report.cases} 个（{time.monotonic() - started:.1f} 秒）"
    )
    return report


def _answer(*, rng: random.Random, as_of: dt.date, checkers, report: JrpChecksReport) -> None:
    now = timezone.make_aware(dt.datetime.combine(as_of, dt.time(16, 0)))
    for _code, officer in checkers:
        rows = list(MeasureFeedback.objects.filter(department_id=officer.department_id).order_by("pk"))
        report.feedback += len(rows)
        items = []
        for fb in rows:
            share = 0.8 if fb.due_on < as_of else 0.4  # most old items answered, a quarter left overdue
            if rng.random() >= share:
                report.overdue += fb.due_on < as_of
                continue
            roll = rng.random()
            if roll < 0.65:
                state, reason = FeedbackState.APPLIED, ""
            elif roll < 0.88:
                state, reason = FeedbackState.NOT_APPLIED, rng.choice(NOT_APPLIED_REASONS)
            else:
                state, reason = FeedbackState.NOT_APPLICABLE, rng.choice(NOT_APPLICABLE_REASONS)
            items.append(
                FeedbackItem(
                    number=len(items) + 1,
                    check_id=fb.check_id,
                    measure_code=fb.measure_code,
                    state=state,
                    reason=reason,
                    feedback=fb,
                )
            )
        if items:
            result = feedback_record_many(
                items=items, actor=officer, channel="console", source="demo", now=now
            )
            report.answered += result.changed


def _cases(
    *,
    as_of: dt.date,
    operator: User | None,
    officers: dict[str, User],
    listed: list[Subject],
    clean: list[Subject],
) -> int:
    reporter = officers.get("samr") or next(iter(officers.values()), None)
    if operator is None or reporter is None or reporter.department is None:
        return 0
    created = []
    if listed:
        created.append(
            typical_case_create(
                department=reporter.department,
                title="失信企业申请建筑工程施工许可被依法从严审核",
                kind="punishment",
                summary=(
                    f"{listed[0].name}被列入联合惩戒对象名单后申请施工许可。窗口人员办理时经信用核查发现其失信记录，"
                    "依法从严审核并不予适用告知承诺制，同时向企业出具措施实施告知书。企业随后履行了法定义务并申请信用修复。"
                ),
                occurred_on=as_of - dt.timedelta(days=20),
                subject=listed[0],
                actor=reporter,
            )
        )
    if clean:
        created.append(
            typical_case_create(
                department=reporter.department,
                title="守信企业办理食品经营许可享受容缺受理",
                kind="incentive",
                summary=(
                    f"{clean[0].name}办理食品经营许可时，经信用核查未发现失信记录，窗口依照本部门的激励措施适用容缺受理，"
                    "材料补齐前先行受理，办理时间由 10 个工作日缩短为 3 个工作日。"
                ),
                occurred_on=as_of - dt.timedelta(days=12),
                subject=clean[0],
                actor=reporter,
            )
        )
    for case in created:
        typical_case_publish(case=case, publish=True, actor=operator)
    return len(created)
