"""What the commitment pages show: history rows with the states in words."""

from __future__ import annotations

from dataclasses import dataclass

from xinyong.dueprocess.cases.models import CaseEvent
from xinyong.dueprocess.commitments.models import CommitmentState

STATE_LABELS = {state.value: str(state.label) for state in CommitmentState}


@dataclass(frozen=True)
class HistoryRow:
    event: CaseEvent
    from_label: str
    to_label: str


def history_rows(events) -> list[HistoryRow]:
    """A commitment's transitions with their states in words (签署 for the first one)."""
    return [
        HistoryRow(
            event=e,
            from_label=STATE_LABELS.get(e.from_state, e.from_state) or "签署",
            to_label=STATE_LABELS.get(e.to_state, e.to_state),
        )
        for e in events
    ]
