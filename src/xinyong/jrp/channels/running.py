"""Running a batch check: read the codes, check them in chunks with ``check_many``, write the result file.

Each chunk of ``JRP_BATCH_CHUNK`` rows (5,000 by default) is validated here (invalid codes are reported per
row with their code and message and never reach the check), deduplicated (a code repeated in the input is
checked once; later rows say which row holds its result), checked with one ``check_many`` call and one bulk
log insert, and its result rows are stored as an encrypted part file in the same transaction that advances
the batch's counters. A worker asked to stop (SIGTERM) stops between chunks; the next run resumes after the
last stored part. When every row is done the parts are joined into ``result.csv`` and ``result.xlsx``.

Counts: ``total = hits + clean + not_found + invalid``; ``duplicates`` counts the rows (among those) that
repeat an earlier row's code and carry its outcome.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import shutil
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from xinyong.accounts.models import AuditAction
from xinyong.accounts.services import audit_log
from xinyong.collection.readers import ReadError
from xinyong.collection.storage import open_stored, plaintext_copy, store_generated
from xinyong.core.errors import CodedError
from xinyong.core.filecrypt import open_encrypted
from xinyong.core.spreadsheet import neutralise, restore, xlsx_text_cell
from xinyong.jrp.channels.checking import check_many
from xinyong.jrp.channels.codes import RIC, USCC, CodeResult, code_classify, code_display
from xinyong.jrp.channels.reading import batch_codes_read, read_error
from xinyong.jrp.channels.storage import batch_check_dir, part_file, result_file
from xinyong.jrp.models import BatchCheck, CheckChannel
from xinyong.jrp.types import CheckAnswer, Requester

__all__ = ["RESULT_HEADERS", "batch_check_run"]

logger = logging.getLogger(__name__)

RESULT_HEADERS = (
    "行号",
    "查询代码",
    "代码类型",
    "核查结果",
    "命中名单",
    "适用措施",
    "暂停适用的措施",
    "核查记录编号",
    "说明",
)
KIND_LABELS = {USCC: "统一社会信用代码", RIC: "身份证号码", "": ""}
# Outcomes of a row (stored one byte per row while the batch runs, to answer duplicates).
HIT, CLEAN, NOT_FOUND, INVALID = 1, 2, 3, 4
OUTCOME_LABELS = {HIT: "命中名单", CLEAN: "未命中", NOT_FOUND: "未找到主体", INVALID: "代码有误"}
_OUTCOME_BY_LABEL = {label: code for code, label in OUTCOME_LABELS.items()}
_ANSWER_OUTCOMES = {"hit": HIT, "clean": CLEAN, "not_found": NOT_FOUND, "invalid": INVALID}
# A cell of the result file never holds more than this (a subject on many lists stays readable).
MAX_CELL = 2000
_LONG_DIGITS = re.compile(r"\d{12,}|0\d+")


def _cell(value: Any) -> Any:
    """A CSV cell: formula-like text quoted (``xinyong.core.spreadsheet``), long digit strings kept text."""
    if value is None:
        return ""
    if isinstance(value, int):
        return value
    text = str(value)[:MAX_CELL]
    if _LONG_DIGITS.fullmatch(text):
        return "\t" + text
    return neutralise(text)


def _answer_cells(answer: CheckAnswer) -> tuple[str, str, str, Any, str]:
    lists = "；".join(dict.fromkeys(h.list_name for h in answer.hits))
    applied = "；".join(dict.fromkeys(m.content for m in answer.measures if not m.suspended))
    suspended = "；".join(
        dict.fromkeys(
            m.content + (f"（{m.suspended_reason}）" if m.suspended_reason else "")
            for m in answer.measures
            if m.suspended
        )
    )
    note = answer.error_message if answer.outcome == "invalid" else ""
    return lists, applied, suspended, answer.check_id or "", note


class _State:
    """What the run keeps between chunks: counters, the first row of each code, each row's outcome."""

    def __init__(self, batch: BatchCheck) -> None:
        self.first_row: dict[str, int] = {}
        self.outcomes = bytearray()
        self.counts = {"hits": 0, "clean": 0, "not_found": 0, "invalid": 0, "duplicates": 0}
        self.rows = 0

    def note(self, number: int, outcome: int) -> None:
        if number >= len(self.outcomes):
            self.outcomes.extend(b"\0" * (number + 1 - len(self.outcomes) + 1024))
        self.outcomes[number] = outcome
        self.rows += 1
        key = {HIT: "hits", CLEAN: "clean", NOT_FOUND: "not_found", INVALID: "invalid"}[outcome]
        self.counts[key] += 1


def _requester(batch: BatchCheck) -> Requester:
    return Requester(
        department_id=batch.department_id,
        department_name=batch.department.name,
        user_id=batch.user_id,
        api_client_id=batch.api_client_id,
    )


def _input_kind(batch: BatchCheck) -> str:
    suffix = Path(batch.input_path).suffix.lower()
    return {".json": "json", ".txt": "text"}.get(suffix, "table")


def _chunks(rows: Iterator[tuple[int, Any]], size: int) -> Iterator[list[tuple[int, Any]]]:
    chunk: list[tuple[int, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _check_chunk(
    batch: BatchCheck, state: _State, chunk: Sequence[tuple[int, Any]], *, requester: Requester
) -> list[list[Any]]:
    """Validate, deduplicate and check one chunk; the result rows in input order."""
    as_of = batch.as_of
    classified: list[tuple[int, Any, CodeResult, int]] = []  # (row, raw, result, first row or 0)
    pending: list[str] = []
    for number, raw in chunk:
        result = code_classify(raw, as_of=as_of)
        first = 0
        if result.ok:
            first = state.first_row.get(result.code, 0)
            if not first:
                state.first_row[result.code] = number
                pending.append(result.code)
        classified.append((number, raw, result, first))
    answers: dict[str, CheckAnswer] = {}
    if pending:
        got = check_many(
            requester=requester,
            purpose=batch.purpose,
            matter_code=batch.matter_code,
            codes=pending,
            as_of=as_of,
            channel=CheckChannel.BATCH,
            batch_ref=batch.ref,
        )
        if len(got) != len(pending):
            raise RuntimeError(f"check_many answered {len(got)} of {len(pending)} codes")
        answers = dict(zip(pending, got, strict=True))
    out: list[list[Any]] = []
    for number, raw, result, first in classified:
        if not result.ok:
            state.note(number, INVALID)
            display = code_display(result.code or str(raw), "")
            out.append(
                [
                    number,
                    display,
                    "",
                    OUTCOME_LABELS[INVALID],
                    "",
                    "",
                    "",
                    "",
                    f"{result.error_code}：{result.message}",
                ]
            )
            continue
        display = code_display(result.code, result.kind)
        kind = KIND_LABELS[result.kind]
        if first:
            outcome = state.outcomes[first] if first < len(state.outcomes) else 0
            outcome = outcome or _ANSWER_OUTCOMES.get(answers[result.code].outcome, NOT_FOUND)
            state.note(number, outcome)
            state.counts["duplicates"] += 1
            out.append(
                [
                    number,
                    display,
                    kind,
                    OUTCOME_LABELS[outcome],
                    "",
                    "",
                    "",
                    "",
                    f"重复代码：结果见第 {first} 行",
                ]
            )
            continue
        answer = answers[result.code]
        outcome = _ANSWER_OUTCOMES.get(answer.outcome, NOT_FOUND)
        state.note(number, outcome)
        lists, applied, suspended, check_id, note = _answer_cells(answer)
        if outcome == INVALID and answer.error_code:
            note = f"{answer.error_code}：{note}"
        out.append(
            [number, display, kind, OUTCOME_LABELS[outcome], lists, applied, suspended, check_id, note]
        )
    return out


def _write_part(path: Path, rows: list[list[Any]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".tmp")
    with open_encrypted(partial) as out:
        out.write(buffer.getvalue().encode("utf-8"))
    partial.replace(path)


def _resume_state(batch: BatchCheck, state: _State, rows: Iterator[tuple[int, Any]]) -> None:
    """Rebuild the state of a resumed batch: its stored parts and the input rows they cover."""
    for number in range(1, batch.parts + 1):
        with open_stored(path=part_file(ref=batch.ref, number=number)) as f:
            for line in csv.reader(io.TextIOWrapper(f, encoding="utf-8", newline="")):
                state.note(int(line[0]), _OUTCOME_BY_LABEL[line[3]])
                if line[8].startswith("重复代码"):
                    state.counts["duplicates"] += 1
    for number, raw in rows:
        result = code_classify(raw, as_of=batch.as_of)
        if result.ok:
            state.first_row.setdefault(result.code, number)
        if number >= batch.last_row:
            return


def batch_check_run(*, batch_id: int, progress: Callable[[], None] | None = None) -> BatchCheck:
    """Run (or resume) a queued batch check to the end; a failure is stored on the batch, not raised.

    ``progress`` is called after every stored chunk (the worker's stop check: it may raise to stop there).
    """
    with transaction.atomic():
        batch = BatchCheck.objects.select_for_update().select_related("department").get(pk=batch_id)
        if batch.status not in (BatchCheck.Status.QUEUED, BatchCheck.Status.RUNNING):
            return batch
        batch.status = BatchCheck.Status.RUNNING
        batch.save(update_fields=["status"])
    requester = _requester(batch)
    state = _State(batch)
    size = max(1, int(settings.JRP_BATCH_CHUNK))
    stored = Path(settings.MEDIA_ROOT) / batch.input_path
    try:
        with plaintext_copy(path=stored) as plain:
            rows = batch_codes_read(
                path=plain, filename=batch.original_filename or plain.name, kind=_input_kind(batch)
            )
            if batch.parts:
                _resume_state(batch, state, rows)
            for chunk in _chunks(rows, size):
                with transaction.atomic():
                    out = _check_chunk(batch, state, chunk, requester=requester)
                    batch.parts += 1
                    _write_part(part_file(ref=batch.ref, number=batch.parts), out)
                    batch.last_row = chunk[-1][0]
                    _save_counts(batch, state, fields=["parts", "last_row"])
                if progress is not None:
                    progress()
        _finish(batch, state)
    except ReadError as exc:
        error = read_error(exc)
        _fail(batch, error.code, error.message)
    except CodedError as exc:  # the input (BatchInputError) or the check (e.g. a matter withdrawn meanwhile)
        _fail(batch, exc.code, exc.message)
    except Exception:
        logger.exception("batch check %s failed", batch.ref)
        _fail(
            batch, "batch_check_error", "核查过程中出现系统错误，请稍后重新提交；如仍失败，请联系平台管理员"
        )
    return batch


def _save_counts(batch: BatchCheck, state: _State, *, fields: list[str]) -> None:
    batch.done = state.rows
    batch.hits = state.counts["hits"]
    batch.not_found = state.counts["not_found"]
    batch.invalid = state.counts["invalid"]
    batch.duplicates = state.counts["duplicates"]
    batch.save(update_fields=[*fields, "done", "hits", "not_found", "invalid", "duplicates"])


def _fail(batch: BatchCheck, code: str, message: str) -> None:
    shutil.rmtree(batch_check_dir(ref=batch.ref) / "parts", ignore_errors=True)
    with transaction.atomic():
        BatchCheck.objects.filter(pk=batch.pk).update(
            status=BatchCheck.Status.FAILED,
            error_code=code,
            error_message=message,
            finished_at=timezone.now(),
        )
        batch.refresh_from_db()
        audit_log(
            actor=batch.api_client or batch.user,
            action=AuditAction.QUERY,
            obj=batch,
            purpose=batch.purpose,
            outcome="error",
            detail={"stage": "batch_check_failed", "ref": batch.ref, "code": code},
        )


def _part_rows(batch: BatchCheck) -> Iterator[list[str]]:
    for number in range(1, batch.parts + 1):
        with open_stored(path=part_file(ref=batch.ref, number=number)) as f:
            yield from csv.reader(io.TextIOWrapper(f, encoding="utf-8", newline=""))


def _write_result_csv(batch: BatchCheck, dest: Path) -> None:
    partial = dest.with_name(dest.name + ".tmp")
    with open_encrypted(partial) as out:
        header = io.StringIO()
        csv.writer(header, lineterminator="\r\n").writerow(RESULT_HEADERS)
        out.write(("\ufeff" + header.getvalue()).encode("utf-8"))
        for number in range(1, batch.parts + 1):
            with open_stored(path=part_file(ref=batch.ref, number=number)) as f:
                shutil.copyfileobj(f, out, 1024 * 1024)
    partial.replace(dest)


def _write_result_xlsx(batch: BatchCheck, path: Path) -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("核查结果")
    ws.append(list(RESULT_HEADERS))
    for line in _part_rows(batch):
        cells = []
        for index, value in enumerate(line):
            if index in (0, 7) and value.isdigit():
                cells.append(int(value))
                continue
            text = restore(value[1:] if value.startswith("\t") else value)
            cell = WriteOnlyCell(ws, value=text)
            cells.append(xlsx_text_cell(cell))
        ws.append(cells)
    wb.save(path)


def _finish(batch: BatchCheck, state: _State) -> None:
    _write_result_csv(batch, result_file(ref=batch.ref, fmt="csv"))
    store_generated(dest=result_file(ref=batch.ref, fmt="xlsx"), write=lambda p: _write_result_xlsx(batch, p))
    shutil.rmtree(batch_check_dir(ref=batch.ref) / "parts", ignore_errors=True)
    with transaction.atomic():
        batch.total = state.rows
        batch.status = BatchCheck.Status.DONE
        batch.result_path = str(result_file(ref=batch.ref, fmt="csv").relative_to(settings.MEDIA_ROOT))
        batch.finished_at = timezone.now()
        _save_counts(batch, state, fields=["total", "status", "result_path", "finished_at"])
        audit_log(
            actor=batch.api_client or batch.user,
            action=AuditAction.QUERY,
            obj=batch,
            purpose=batch.purpose,
            detail={
                "stage": "batch_check_done",
                "ref": batch.ref,
                "matter": batch.matter_code,
                "total": batch.total,
                "hits": batch.hits,
                "clean": state.counts["clean"],
                "not_found": batch.not_found,
                "invalid": batch.invalid,
                "duplicates": batch.duplicates,
            },
        )


def batch_check_requeue(*, batch_id: int) -> BatchCheck:
    """A batch a stopping worker left running goes back to the queue (resumed after its stored parts)."""
    BatchCheck.objects.filter(pk=batch_id, status=BatchCheck.Status.RUNNING).update(
        status=BatchCheck.Status.QUEUED
    )
    return BatchCheck.objects.get(pk=batch_id)
