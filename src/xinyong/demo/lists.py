"""The demo county's lists: the shipped list types, and its list records (严重失信主体名单, 经营异常名录, 守信激励)
as list entries.

Loaded before the departments send anything, so each batch's records become entries through the sync that
collection runs after every batch; the full sync afterwards is idempotent and catches up a county built
before the lists existed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from xinyong.lists.services import SyncReport, list_entries_sync_all, list_types_load


def demo_lists(*, as_of: dt.date, say: Callable[[str], None]) -> SyncReport:
    """Load the list types the database lacks and bring the list entries up to date with the records."""
    loaded = list_types_load(as_of=as_of, only_missing=True)
    if loaded.created:
        say(f"已载入名单类型 {len(loaded.created)} 个")
    report = list_entries_sync_all(as_of=as_of)
    if report.changed:
        say(report.summary())
    return report
