"""Impact preview: replay the logged checks of the last 90 days against a draft rulebook.

Each logged answer holds the hits and facts it was computed on (``CheckAnswer.as_json``); the preview runs
``measures_for`` on them with the draft and compares the measures with what the check returned: measures
added, removed, or newly suspended / no longer suspended. Rows are streamed (``iterator``), the draft is
compiled once, and only the newest check per subject is listed (counts cover every check).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import fields
from typing import Any

from django.db.models import Q

from xinyong.jrp.measures.rulebook import CompiledRulebook, measures_for
from xinyong.jrp.models import CheckLog
from xinyong.jrp.types import Facts, Hit

__all__ = ["PREVIEW_DAYS", "PREVIEW_MAX_ROWS", "preview_replay"]

PREVIEW_DAYS = 90
# Changed subjects kept with the draft for the paginated list; counts always cover every check.
PREVIEW_MAX_ROWS = 5_000

_HIT_FIELDS = {f.name for f in fields(Hit)}
_FACT_FIELDS = {f.name for f in fields(Facts)}


def _date(value: Any) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _hit(data: dict) -> Hit:
    values = {k: v for k, v in data.items() if k in _HIT_FIELDS}
    values["effective_from"] = _date(values.get("effective_from"))
    values["effective_until"] = _date(values.get("effective_until"))
    values["ended_on"] = _date(values.get("ended_on"))  # absent from answers logged before it existed
    return Hit(**values)


def _facts(data: dict | None, *, as_of: dt.date, subject_kind: str) -> Facts:
    data = data or {}
    values = {k: v for k, v in data.items() if k in _FACT_FIELDS}
    values.setdefault("subject_kind", subject_kind)
    values["as_of"] = _date(values.get("as_of")) or as_of
    values["last_negative_on"] = _date(values.get("last_negative_on"))
    return Facts(**values)


def preview_replay(*, rulebook: CompiledRulebook, as_of: dt.date, days: int = PREVIEW_DAYS) -> dict:
    """Replay the checks logged in the ``days`` before ``as_of`` against ``rulebook``; a JSON-ready summary."""
    since = as_of - dt.timedelta(days=days)
    logs = (
        CheckLog.objects.filter(checked_on__gt=since, checked_on__lte=as_of)
        .filter(Q(hit_count__gt=0) | Q(measure_count__gt=0))
        .order_by("-id")
        .values_list("id", "checked_on", "department_id", "matter_code", "subject_id", "answer")
    )
    replayed = changed = unreadable = 0
    added_by_code: Counter[str] = Counter()
    removed_by_code: Counter[str] = Counter()
    suspended_by_code: Counter[str] = Counter()
    subjects_changed: set[int] = set()
    rows: list[dict] = []
    for check_id, checked_on, department_id, matter_code, subject_id, answer in logs.iterator(
        chunk_size=2000
    ):
        try:
            subject = answer.get("subject") or {}
            hits = [_hit(h) for h in answer.get("hits") or []]
            facts = _facts(
                answer.get("facts"),
                as_of=_date(answer.get("as_of")) or checked_on,
                subject_kind=subject.get("kind", ""),
            )
            before = {m["code"]: bool(m.get("suspended")) for m in answer.get("measures") or []}
        except (AttributeError, TypeError, KeyError, ValueError):
            unreadable += 1
            continue
        replayed += 1
        after = {
            r.code: r.suspended
            for r in measures_for(
                rulebook=rulebook,
                hits=hits,
                facts=facts,
                matter_code=matter_code,
                department_id=department_id,
            )
        }
        added = sorted(set(after) - set(before))
        removed = sorted(set(before) - set(after))
        suspended = sorted(c for c in set(after) & set(before) if after[c] != before[c])
        if not (added or removed or suspended):
            continue
        changed += 1
        added_by_code.update(added)
        removed_by_code.update(removed)
        suspended_by_code.update(suspended)
        key = subject_id if subject_id is not None else -check_id
        if key in subjects_changed:
            continue
        subjects_changed.add(key)
        if len(rows) < PREVIEW_MAX_ROWS:
            rows.append(
                {
                    "check_id": check_id,
                    "checked_on": checked_on.isoformat(),
                    "subject_id": subject_id,
                    "subject_name": str(subject.get("name", ""))[:200],
                    "subject_code": str(subject.get("code", subject.get("display_code", "")))[:40],
                    "matter_code": matter_code,
                    "department_id": department_id,
                    "added": added,
                    "removed": removed,
                    "suspension_changed": suspended,
                }
            )
    return {
        "as_of": as_of.isoformat(),
        "days": days,
        "rulebook": rulebook.number,
        "counts": {
            "replayed": replayed,
            "changed": changed,
            "subjects_changed": len(subjects_changed),
            "unreadable": unreadable,
        },
        "added_by_measure": dict(added_by_code.most_common()),
        "removed_by_measure": dict(removed_by_code.most_common()),
        "suspension_changed_by_measure": dict(suspended_by_code.most_common()),
        "rows": rows,
        "rows_truncated": len(subjects_changed) > len(rows),
    }
