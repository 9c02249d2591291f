"""Reads shared by every due-process case: the handling statistics of objections and repair applications.

The figures (docs/objections.md, docs/credit-repair.md): cases filed in a period by state, how many are decided
and the median handling time from filing to decision in working days (``xinyong.workdays``: 调休 workdays count,
public holidays do not), the on-time rate of the steps done (``CaseEvent.on_time``), and the cases past the
due date of the step they wait for on ``as_of``. The same figures are given per department.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from xinyong.dueprocess.cases.models import CaseEvent
from xinyong.workdays.selectors import work_calendar_load


@dataclass(frozen=True)
class Figures:
    """The handling figures of a set of cases."""

    filed: int
    decided: int
    median_working_days: float | None  # filed → decided, over the decided cases
    steps_on_time: int
    steps_late: int
    overdue_open: int

    @property
    def on_time_percent(self) -> float | None:
        total = self.steps_on_time + self.steps_late
        return round(100 * self.steps_on_time / total, 1) if total else None

    @property
    def on_time_rate(self) -> str:
        percent = self.on_time_percent
        return "—" if percent is None else f"{percent:.1f}%"

    @property
    def median_text(self) -> str:
        days = self.median_working_days
        if days is None:
            return "—"
        return f"{days:g}"


@dataclass(frozen=True)
class DepartmentFigures:
    name: str
    figures: Figures
    extra: int  # a count the caller chose (e.g. repairs approved, objections corrected or withdrawn)


@dataclass(frozen=True)
class CaseStats:
    """Statistics of the cases filed in a period."""

    by_state: list[tuple[str, str, int]]  # state value, label, count
    total: Figures
    by_department: list[DepartmentFigures]  # most cases first
    provisional: bool  # a working-day count touched a year whose calendar is not entered

    def count(self, state: str) -> int:
        return next((n for value, _, n in self.by_state if value == state), 0)


_NO_DEPARTMENT = "（未指定部门）"


def _figures(
    rows: list[dict], on_time: dict[int, list[bool]], days: dict[int, int], as_of: dt.date
) -> Figures:
    decided = [days[r["pk"]] for r in rows if r["pk"] in days]
    flags = [flag for r in rows for flag in on_time.get(r["pk"], ())]
    return Figures(
        filed=len(rows),
        decided=len(decided),
        median_working_days=float(statistics.median(decided)) if decided else None,
        steps_on_time=sum(flags),
        steps_late=len(flags) - sum(flags),
        overdue_open=sum(1 for r in rows if r["pending"] and r["due_on"] is not None and r["due_on"] < as_of),
    )


def case_stats(
    *,
    case_kind: str,
    cases: QuerySet,
    states: Iterable[tuple[str, str]],
    pending_states: Iterable[str],
    department_field: str,
    as_of: dt.date,
    extra: Q | None = None,
) -> CaseStats:
    """Statistics of ``cases`` (already narrowed to the reader and the period).

    ``cases`` has ``filed_on``, ``decided_on``, ``state`` and ``due_on``; ``pending_states`` are those in which a
    case still waits for a step (overdue when its ``due_on`` is before ``as_of``); ``department_field`` names the
    department a case is counted under (a lookup path or annotation giving a name); the cases matching ``extra``
    are counted per department.
    """
    pending = set(pending_states)
    extra_ids = set(cases.filter(extra).values_list("pk", flat=True)) if extra is not None else set()
    rows = [
        {
            "pk": pk,
            "state": state,
            "filed_on": filed_on,
            "decided_on": decided_on,
            "due_on": due_on,
            "department": department or _NO_DEPARTMENT,
            "pending": state in pending,
        }
        for pk, state, filed_on, decided_on, due_on, department in cases.order_by().values_list(
            "pk", "state", "filed_on", "decided_on", "due_on", department_field
        )
    ]
    ids = [r["pk"] for r in rows]
    on_time: dict[int, list[bool]] = defaultdict(list)
    for case_id, flag in CaseEvent.objects.filter(
        case_kind=case_kind, case_id__in=ids, on_time__isnull=False
    ).values_list("case_id", "on_time"):
        on_time[case_id].append(bool(flag))
    days: dict[int, int] = {}
    provisional = False
    decided_rows = [r for r in rows if r["decided_on"] is not None]
    if decided_rows:
        dates = [r["filed_on"] for r in decided_rows] + [r["decided_on"] for r in decided_rows]
        calendar = work_calendar_load(first=min(dates), last=max(dates))
        for r in decided_rows:
            count = calendar.working_days_between(r["filed_on"], r["decided_on"])
            days[r["pk"]] = count.days
            provisional = provisional or count.provisional
    states_seen = Counter(r["state"] for r in rows)
    groups: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        groups[r["department"]].append(r)
    by_department = [
        DepartmentFigures(
            name=name,
            figures=_figures(group, on_time, days, as_of),
            extra=sum(1 for r in group if r["pk"] in extra_ids),
        )
        for name, group in groups.items()
    ]
    by_department.sort(key=lambda d: (-d.figures.filed, d.name))
    return CaseStats(
        by_state=[(value, label, states_seen.get(value, 0)) for value, label in states],
        total=_figures(rows, on_time, days, as_of),
        by_department=by_department,
        provisional=provisional,
    )


def case_stats_charts(stats: CaseStats) -> dict[str, list[tuple[str, float, str]]]:
    """Rows for the console's ``bar_chart`` tag: cases by state, per department filed, median days, on-time."""
    departments = stats.by_department
    return {
        "states": [(label, n, str(n)) for _, label, n in stats.by_state],
        "filed": [(d.name, d.figures.filed, str(d.figures.filed)) for d in departments],
        "median": [
            (d.name, d.figures.median_working_days or 0, d.figures.median_text)
            for d in departments
            if d.figures.median_working_days is not None
        ],
        "on_time": [
            (d.name, d.figures.on_time_percent or 0, f"{d.figures.on_time_percent:.1f}")
            for d in departments
            if d.figures.on_time_percent is not None
        ],
        "overdue": [(d.name, d.figures.overdue_open, str(d.figures.overdue_open)) for d in departments],
    }
