"""Where a batch check keeps its files, encrypted at rest: ``MEDIA_ROOT/jrp-batches/<ref>/``.

``input.<ext>`` is the upload or API body as received; while the batch runs, ``parts/NNNNNN.csv`` holds the
result rows of each checked chunk as CSV lines, ``parts/NNNNNN.xml`` as XLSX sheet rows (only while the batch
is within ``JRP_BATCH_XLSX_MAX_ROWS``) and ``parts/NNNNNN.hits.xml`` its hits and invalid rows (the XLSX of a
larger batch); a stopped worker resumes after the last part. ``result.csv`` and ``result.xlsx`` are the result
files. Every file is written through ``xinyong.core.filecrypt`` (as the collection app's files are,
docs/files-at-rest.md); nothing under the media directory holds plaintext.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

__all__ = ["batch_check_dir", "input_file", "part_file", "result_file"]


def batch_check_dir(*, ref: str) -> Path:
    return Path(settings.MEDIA_ROOT) / "jrp-batches" / ref


def input_file(*, ref: str, suffix: str) -> Path:
    return batch_check_dir(ref=ref) / f"input{suffix}"


def part_file(*, ref: str, number: int) -> Path:
    return batch_check_dir(ref=ref) / "parts" / f"{number:06d}.csv"


def result_file(*, ref: str, fmt: str) -> Path:
    return batch_check_dir(ref=ref) / f"result.{fmt}"
