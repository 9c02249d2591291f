"""Where a batch check keeps its files, encrypted at rest: ``MEDIA_ROOT/jrp-batches/<ref>/``.

``input.<ext>`` is the upload or API body as received; ``parts/NNNNNN.csv`` are the result rows of each
checked chunk while the batch runs (a stopped worker resumes after the last one); ``result.csv`` and
``result.xlsx`` are the result files. Every file is written through ``xinyong.core.filecrypt`` (as the
collection app's files are, docs/files-at-rest.md); nothing under the media directory holds plaintext.
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
