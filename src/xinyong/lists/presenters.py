"""Display shaping and searches of the list screens: filters, entry actions for a user, CSV rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.urls import reverse

from xinyong.core.identifiers import normalize_code_input
from xinyong.lists.escalation import escalation_level_names
from xinyong.lists.lifecycle import next_steps
from xinyong.lists.models import EntryState, ListColour, ListEntry, ListingMode, ListType
from xinyong.lists.permissions import can_decide_entry
from xinyong.records.models import CreditRecord

Q_MAX = 100
STATE_TONES = {
    EntryState.PROPOSED: "badge-info",
    EntryState.NOTIFIED: "badge-warn",
    EntryState.EFFECTIVE: "badge-err",
    EntryState.EXPIRED: "",
    EntryState.REMOVED: "",
    EntryState.REPAIRED: "badge-ok",
    EntryState.DECLINED: "",
}
CSV_HEADER = (
    "条目编号",
    "名单类型",
    "红/黑",
    "主体名称",
    "统一社会信用代码",
    "主体类别",
    "状态",
    "失信等级",
    "来源",
    "认定部门",
    "列入事由",
    "告知日期",
    "异议期截止",
    "列入日期",
    "有效期至",
    "退出日期",
    "退出原因",
    "异议标注",
)


def clean_query(value: str | None) -> str:
    """A search text: invisible characters and surrounding spaces dropped, at most ``Q_MAX`` characters."""
    text = "".join(ch for ch in str(value or "") if ch.isprintable())
    return " ".join(text.split())[:Q_MAX]


@dataclass(frozen=True)
class EntryFilters:
    q: str = ""
    list_type: str = ""
    colour: str = ""
    state: str = ""
    department: str = ""

    @classmethod
    def from_query(cls, params) -> EntryFilters:
        return cls(
            q=clean_query(params.get("q")),
            list_type=clean_query(params.get("type"))[:60],
            colour=params.get("colour") if params.get("colour") in ListColour.values else "",
            state=params.get("state") if params.get("state") in EntryState.values else "",
            department=clean_query(params.get("department"))[:60],
        )


def entries_search(filters: EntryFilters) -> QuerySet[ListEntry]:
    """Entries matching the filters (subject name or exact code, type, colour, state, department)."""
    entries = ListEntry.objects.select_related("list_type", "subject", "department")
    if filters.list_type:
        entries = entries.filter(list_type__code=filters.list_type)
    if filters.colour:
        entries = entries.filter(list_type__colour=filters.colour)
    if filters.state:
        entries = entries.filter(state=filters.state)
    if filters.department:
        entries = entries.filter(department__code=filters.department)
    if filters.q:
        code = normalize_code_input(filters.q)
        entries = entries.filter(Q(subject__name__icontains=filters.q) | Q(subject__uscc=code))
    return entries.order_by("-updated_at", "-pk")


def list_types_search(*, q: str, colour: str, mode: str) -> QuerySet[ListType]:
    types = ListType.objects.all()
    if colour in ListColour.values:
        types = types.filter(colour=colour)
    if mode in ListingMode.values:
        types = types.filter(listing_mode=mode)
    if q:
        types = types.filter(
            Q(name__icontains=q) | Q(code__icontains=q) | Q(initiating_department__icontains=q)
        )
    return types.order_by("colour", "domain", "code")


ACTION_LABELS = {
    "notify": "出具失信惩戒告知书",
    "make_effective": "列入名单",
    "decline": "不予列入",
    "remove": "移出名单",
}
REASON_ACTIONS = frozenset({"decline", "remove"})


STEP_URLS = {
    "notify": "reports_console:notice_issue",
    "make_effective": "lists:entry_make_effective",
    "decline": "lists:entry_decline",
    "remove": "lists:entry_remove",
}


@dataclass(frozen=True)
class EntryAction:
    action: str
    label: str
    needs_reason: bool
    url: str


def entry_actions(*, user, entry: ListEntry, on_date: dt.date) -> list[EntryAction]:
    """The steps ``user`` may take on ``entry`` on ``on_date`` (the buttons of the entry's page)."""
    if not can_decide_entry(user, entry):
        return []
    return [
        EntryAction(
            step, ACTION_LABELS[step], step in REASON_ACTIONS, reverse(STEP_URLS[step], args=[entry.pk])
        )
        for step in next_steps(entry, on_date=on_date)
        if step in ACTION_LABELS
    ]


def level_names() -> dict[str, str]:
    return escalation_level_names()


def labelled(entries: list[ListEntry], *, levels: dict[str, str]) -> list[ListEntry]:
    """Entries with ``level_label`` and ``state_tone`` (badge class) set for the templates."""
    for entry in entries:
        entry.level_label = levels.get(entry.level, entry.level)
        entry.state_tone = STATE_TONES.get(entry.state, "")
    return entries


def basis_records(entry: ListEntry) -> list[CreditRecord]:
    return list(
        CreditRecord.objects.select_related("item", "department")
        .filter(pk__in=entry.basis_record_ids or [])
        .order_by("decision_date", "pk")
    )


def entries_csv_rows(entries: Iterable[ListEntry], *, levels: dict[str, str]) -> Iterator[tuple]:
    """Rows of the entries export (the writer neutralises formula cells)."""
    yield CSV_HEADER
    for e in entries:
        yield (
            e.pk,
            e.list_type.name,
            e.list_type.get_colour_display(),
            e.subject.name,
            e.subject.uscc or "",
            e.get_subject_kind_display(),
            e.get_state_display(),
            levels.get(e.level, e.level),
            e.get_origin_display(),
            e.department.name if e.department else "",
            e.reason,
            e.notified_on,
            e.objection_due,
            e.effective_from,
            e.effective_until,
            e.ended_on,
            e.end_reason,
            "是" if e.disputed else "否",
        )
