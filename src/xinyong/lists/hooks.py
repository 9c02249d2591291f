"""What the lists do after a batch of credit records has loaded (collection calls this; lists never import it).

Set-based over the batch's records, never per row inside the loader: mirrored list entries are created or
updated from the records (``services.list_entries_sync``), then the escalation rules propose entries for the
subjects concerned. Failures do not undo the batch: the daily sweep (``xinyong lists sync``) catches up.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from xinyong.lists.selectors import batch_record_ids
from xinyong.lists.services import list_entries_sync


def lists_after_batch(*, batch_ref: str, as_of: dt.date, actor: Any = None) -> None:
    """Bring list entries and escalation proposals up to date with the records batch ``batch_ref`` wrote."""
    list_entries_sync(record_ids=batch_record_ids(batch_ref=batch_ref), as_of=as_of, actor=actor)
