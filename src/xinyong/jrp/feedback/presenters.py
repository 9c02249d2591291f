"""Display shaping of the feedback screens: queue rows with overdue working days, earlier answers, the
statistics charts, and the public form of a typical case (natural persons' names masked)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from xinyong.core.codes import SubjectKind
from xinyong.core.masking import mask_name, mask_ric_in_text
from xinyong.jrp.models import FeedbackState, MeasureFeedback, TypicalCase
from xinyong.workdays.selectors import work_calendar_load


@dataclass(frozen=True)
class QueueRow:
    item: MeasureFeedback
    overdue: bool
    overdue_days: int  # working days past the due day (0 when not overdue)


def queue_rows(*, page, as_of: dt.date) -> list[QueueRow]:
    """The page's items with their overdue working days (one calendar snapshot for the page)."""
    items = list(page.object_list)
    due = [i.due_on for i in items if i.state == FeedbackState.PENDING and i.due_on < as_of]
    calendar = work_calendar_load(first=min(due), last=as_of) if due else None
    rows = []
    for i in items:
        late = i.state == FeedbackState.PENDING and i.due_on < as_of
        days = calendar.working_days_between(i.due_on, as_of).days if late and calendar is not None else 0
        rows.append(QueueRow(item=i, overdue=late, overdue_days=days))
    return rows


@dataclass(frozen=True)
class HistoryRow:
    state_label: str
    reason: str
    recorded_at: str
    recorded_by: str
    channel: str
    replaced_at: str


def history_rows(*, item: MeasureFeedback) -> list[HistoryRow]:
    """Earlier answers of an item, newest first."""
    entries = list(item.history or [])
    users = dict(
        get_user_model()
        .objects.filter(pk__in=[e.get("recorded_by") for e in entries if e.get("recorded_by")])
        .values_list("pk", "username")
    )
    labels = dict(FeedbackState.choices)
    return [
        HistoryRow(
            state_label=labels.get(e.get("state"), e.get("state") or ""),
            reason=e.get("reason") or "",
            recorded_at=(e.get("recorded_at") or "")[:19].replace("T", " "),
            recorded_by=users.get(e.get("recorded_by"), "接口或系统"),
            channel=e.get("channel") or "",
            replaced_at=(e.get("replaced_at") or "")[:19].replace("T", " "),
        )
        for e in reversed(entries)
    ]


def _pct(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}"


def stats_charts(*, by_department: list[dict], by_matter: list[dict], history: list[dict] = ()) -> dict:
    """Rows ``(label, value, text)`` for the console's bar charts."""
    return {
        "checks": [(r["department_name"], r["checks"], f"{r['checks']:,}") for r in by_department],
        "hit_rate": [
            (r["department_name"], (r["hit_rate"] or 0) * 100, _pct(r["hit_rate"])) for r in by_department
        ],
        "applied": [(r["department_name"], r["applied"], f"{r['applied']:,}") for r in by_department],
        "feedback_rate": [
            (r["department_name"], (r["feedback_rate"] or 0) * 100, _pct(r["feedback_rate"]))
            for r in by_department
        ],
        "overdue": [
            (r["department_name"], r["overdue"], f"{r['overdue']:,}") for r in by_department if r["overdue"]
        ],
        "matters": [(r["matter_name"], r["checks"], f"{r['checks']:,}") for r in by_matter],
        "history": [(f"{r['day']:%m-%d}", r["overdue"], f"{r['overdue']:,}") for r in history],
    }


@dataclass(frozen=True)
class PublicCase:
    title: str
    summary: str
    subject_name: str
    department_name: str
    kind_label: str
    occurred_on: dt.date
    published_at: dt.datetime | None


def _mask_text(text: str, name: str) -> str:
    text = mask_ric_in_text(text)
    return text.replace(name, mask_name(name)) if name and len(name) >= 2 else text


def case_public(case: TypicalCase) -> PublicCase:
    """A case as the portal shows it: organisations by name, natural persons masked (in the text too)."""
    subject = case.subject
    name = ""
    person = ""
    if subject is not None:
        if subject.kind == SubjectKind.NATURAL_PERSON:
            person = subject.name
            name = mask_name(subject.name)
        else:
            name = subject.name
    return PublicCase(
        title=_mask_text(case.title, person),
        summary=_mask_text(case.summary, person),
        subject_name=name,
        department_name=case.department.name,
        kind_label=case.get_kind_display(),
        occurred_on=case.occurred_on,
        published_at=case.published_at,
    )
