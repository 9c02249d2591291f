"""The per-code counters of a batch (rows per error and warning code), added to as chunks commit."""

from __future__ import annotations

from collections import Counter

from django.db.models import F

from xinyong.collection.models import Batch, BatchIssueCount


def counts_merge(*, stored: dict | None, new: Counter) -> dict[str, int]:
    """Stored counts per code plus new ones, the most frequent first."""
    merged = Counter({k: int(v) for k, v in (stored or {}).items()})
    merged.update(new)
    return dict(sorted(merged.items(), key=lambda kv: (-kv[1], kv[0])))


def batch_issue_counts_add(*, batch: Batch, kind: str, counts: Counter) -> None:
    """Add rows per error or warning code to the batch's ``BatchIssueCount`` rows."""
    for code, count in counts.items():
        updated = BatchIssueCount.objects.filter(batch=batch, kind=kind, code=code).update(
            count=F("count") + count
        )
        if not updated:
            BatchIssueCount.objects.create(batch=batch, kind=kind, code=code, count=count)
