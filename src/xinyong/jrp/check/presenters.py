"""Display shaping of a check answer for the clerks' result card."""

from __future__ import annotations

from dataclasses import dataclass

from xinyong.jrp.check.explain import APPLICATION_LABELS, COLOUR_LABELS, SUSPENDED_NOTE
from xinyong.jrp.types import CheckAnswer, Hit, MeasureResult

COLOUR_BADGES = {"black": ("黑", "badge-err"), "red": ("红", "badge-ok")}
OUTCOME_TITLES = {
    "hit": "命中名单",
    "clean": "未命中名单",
    "candidates": "名称候选（需确认主体）",
    "not_found": "未找到主体",
    "invalid": "查询条件有误",
}
# A hit whose entries have all ended: on no list now, measures that continue after removal apply.
ENDED_TITLE = "已移出名单（移出后继续实施的措施）"


@dataclass(frozen=True)
class HitRow:
    hit: Hit
    badge: str
    badge_class: str
    colour_label: str


@dataclass(frozen=True)
class MeasureRow:
    measure: MeasureResult
    application_label: str
    suspended_note: str


def answer_card(answer: CheckAnswer) -> dict:
    """The result card's parts: title, subject, hits with 红/黑 badges, measures applied and suspended."""
    hits = [
        HitRow(
            hit=h,
            badge=COLOUR_BADGES.get(h.colour, ("", ""))[0],
            badge_class=COLOUR_BADGES.get(h.colour, ("", ""))[1],
            colour_label=COLOUR_LABELS.get(h.colour, ""),
        )
        for h in answer.hits
    ]
    measures = [
        MeasureRow(
            measure=m,
            application_label=APPLICATION_LABELS.get(m.application, m.application),
            suspended_note=SUSPENDED_NOTE if m.suspended else "",
        )
        for m in answer.measures
    ]
    title = OUTCOME_TITLES.get(answer.outcome, answer.outcome)
    if answer.hits and all(h.ended_on is not None for h in answer.hits):
        title = ENDED_TITLE
    return {
        "answer": answer,
        "title": title,
        "hits": hits,
        "applied": [row for row in measures if not row.measure.suspended],
        "suspended": [row for row in measures if row.measure.suspended],
        "subject_candidates": [c for c in answer.candidates if c.get("candidate_kind") == "subject"],
        "person_candidates": [
            c for c in answer.candidates if c.get("candidate_kind") == "responsible_person"
        ],
    }
