"""Timeliness of submission (报送及时性): working days from a decision to the platform's first receipt.

Every record carries ``lag_working_days`` (working days in (decision date, receipt date], see
``xinyong.workdays.arithmetic``), ``lag_provisional`` (the count relied on a year whose holidays are not entered)
and ``is_late``.

Deadline: 行政许可 and 行政处罚 decisions (双公示) are to be published within 7 working days of the decision
(国办发〔2015〕51号《关于运用大数据加强对市场主体服务和监管的若干意见》; restated in 国发〔2016〕33号).
The catalog has no deadline attribute, so the deadline lives here: ``PUBLICATION_DEADLINE_WD`` and a map
from catalog item code to its deadline (``PUBLICATION_DEADLINES_WD``). An item that is not in the map has
no deadline: its records get a lag but ``is_late`` stays empty. A record is late when its lag exceeds the
deadline (a decision received on the 7th working day after it is on time).

The receipt date is the local date of the first receipt (``CreditRecord.created_at``): a later correction
does not make a record late, but a correction of the decision date recomputes the lag.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from xinyong.workdays.arithmetic import WorkCalendar
from xinyong.workdays.selectors import working_days_between

# 国办发〔2015〕51号: 双公示 information is published within 7 working days of the decision.
PUBLICATION_DEADLINE_WD = 7

# Catalog item code → deadline in working days. Items not listed have no publication deadline.
PUBLICATION_DEADLINES_WD: dict[str, int] = {
    "license": PUBLICATION_DEADLINE_WD,
    "penalty": PUBLICATION_DEADLINE_WD,
}


class Timeliness(NamedTuple):
    lag_working_days: int | None
    lag_provisional: bool
    is_late: bool | None


def publication_deadline(item_code: str) -> int | None:
    """Working days an item's records may take from decision to receipt; None when not regulated."""
    return PUBLICATION_DEADLINES_WD.get(item_code)


def record_timeliness(
    *,
    item_code: str,
    decision_date: dt.date | None,
    received_on: dt.date,
    calendar: WorkCalendar | None = None,
) -> Timeliness:
    """Lag in working days from decision to receipt and the late flag; ``calendar`` for bulk callers."""
    if decision_date is None:
        return Timeliness(None, False, None)
    if calendar is None:
        days, provisional = working_days_between(start=decision_date, end=received_on)
    else:
        days, provisional = calendar.working_days_between(decision_date, received_on)
    deadline = publication_deadline(item_code)
    return Timeliness(days, provisional, None if deadline is None else days > deadline)
