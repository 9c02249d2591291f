"""Running a batch check: read the codes, check them in chunks, write the result files.

Each chunk of ``JRP_BATCH_CHUNK`` rows (10,000 by default) is validated here (invalid codes are reported
per row with their code and message and never reach the check), deduplicated (a code repeated in the input
is checked once; later rows say which row holds its result) and checked set-based
(``xinyong.jrp.check.chunks``: the same answers as ``check_many``, one bulk log insert); its log rows, its
result rows (an encrypted part file) and the batch's counters are stored in one transaction. On PostgreSQL,
outside a transaction, the chunks run as a pipeline (``_run_overlapped``): the next chunk is read and the
previous one stored on connections of their own while this thread answers the current one. A worker asked
to stop (SIGTERM) stops between stored chunks; the next run resumes after the last stored part. When every
row is done the parts are joined into ``result.csv`` and ``result.xlsx`` (every row up to
``JRP_BATCH_XLSX_MAX_ROWS`` rows, else the hits and invalid rows only).

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
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from xinyong.accounts.models import AuditAction
from xinyong.accounts.services import audit_log
from xinyong.collection.readers import ReadError
from xinyong.collection.storage import open_stored, plaintext_copy, store_generated
from xinyong.core.errors import CodedError
from xinyong.core.filecrypt import open_encrypted
from xinyong.core.spreadsheet import neutralise
from xinyong.jrp.channels.checking import ChunkAnswers, codes_answer, codes_check, codes_read, codes_write
from xinyong.jrp.channels.codes import RIC, USCC, CodeResult, code_classify, code_display
from xinyong.jrp.channels.reading import batch_codes_read, read_error
from xinyong.jrp.channels.storage import batch_check_dir, part_file, result_file
from xinyong.jrp.channels.xlsx import rows_xml, write_xlsx_parts
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
XLSX_WIDTHS = (8, 22, 16, 12, 30, 40, 30, 14, 40)
XLSX_TITLE = "核查结果"
XLSX_TITLE_ATTENTION = "命中名单与代码有误"
KIND_LABELS = {USCC: "统一社会信用代码", RIC: "身份证号码", "": ""}
# Outcomes of a row (stored one byte per row while the batch runs, to answer duplicates).
HIT, CLEAN, NOT_FOUND, INVALID = 1, 2, 3, 4
OUTCOME_LABELS = {HIT: "命中名单", CLEAN: "未命中", NOT_FOUND: "未找到主体", INVALID: "代码有误"}
_OUTCOME_BY_LABEL = {label: code for code, label in OUTCOME_LABELS.items()}
_ANSWER_OUTCOMES = {"hit": HIT, "clean": CLEAN, "not_found": NOT_FOUND, "invalid": INVALID}
_COUNT_KEYS = {HIT: "hits", CLEAN: "clean", NOT_FOUND: "not_found", INVALID: "invalid"}
# Rows the XLSX keeps when the batch is above JRP_BATCH_XLSX_MAX_ROWS: those that need a look.
_ATTENTION = (HIT, INVALID)
# A cell of the result file never holds more than this (a subject on many lists stays readable).
MAX_CELL = 2000
_LONG_DIGITS = re.compile(r"\d{12,}|0\d+")


def _cell(value: Any) -> Any:
    """A CSV cell: formula-like text quoted (``xinyong.core.spreadsheet``), long digit strings kept text."""
    if not value:
        return "" if value is None or value == "" else value
    if value.__class__ is int:
        return value
    text = str(value)[:MAX_CELL]
    if text[0].isalnum():  # a letter or digit first: never a formula (the common case, decided at once)
        return "\t" + text if _LONG_DIGITS.fullmatch(text) else text
    return neutralise(text)


def _answer_cells(answer: CheckAnswer) -> tuple[str, str, str, Any, str]:
    if not answer.hits and not answer.measures and answer.outcome != "invalid":
        return "", "", "", answer.check_id or "", ""
    lists = "；".join(
        dict.fromkeys(
            f"{h.list_name}（已于 {h.ended_on.isoformat()} 移出，适用移出后继续实施的措施）"
            if h.ended_on
            else h.list_name
            for h in answer.hits
        )
    )
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
        # Rows of the hits-and-invalid sheet so far (the XLSX of a batch above JRP_BATCH_XLSX_MAX_ROWS).
        self.attention = 0

    def note(self, number: int, outcome: int) -> None:
        if number >= len(self.outcomes):
            self.outcomes.extend(b"\0" * (number + 1 - len(self.outcomes) + 1024))
        self.outcomes[number] = outcome
        self.rows += 1
        self.counts[_COUNT_KEYS[outcome]] += 1


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


def _classify(
    batch: BatchCheck, state: _State, chunk: Sequence[tuple[int, Any]]
) -> tuple[list[tuple[int, Any, CodeResult, int]], list[str], list[bool]]:
    """Validate and deduplicate one chunk: (row, raw, result, first row or 0) per row, the codes to check
    and whether each is a well-formed USCC (``CodeResult.well_formed``)."""
    as_of = batch.as_of
    first_row = state.first_row
    classified: list[tuple[int, Any, CodeResult, int]] = []
    pending: list[str] = []
    well_formed: list[bool] = []
    for number, raw in chunk:
        result = code_classify(raw, as_of=as_of)
        first = 0
        if result.ok:
            first = first_row.get(result.code, 0)
            if not first:
                first_row[result.code] = number
                pending.append(result.code)
                well_formed.append(result.well_formed)
        classified.append((number, raw, result, first))
    return classified, pending, well_formed


def _result_rows(
    state: _State,
    classified: Sequence[tuple[int, Any, CodeResult, int]],
    pending: Sequence[str],
    results: Sequence[tuple[str, int, CheckAnswer | None]],
) -> list[list[Any]]:
    """The result rows of a chunk in input order, from the check's (outcome, log id, answer) per code."""
    if len(results) != len(pending):
        raise RuntimeError(f"the check answered {len(results)} of {len(pending)} codes")
    answers = dict(zip(pending, results, strict=True))
    outcomes = state.outcomes
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
        code = result.code
        display = code if result.kind == USCC else code_display(code, result.kind)
        kind = KIND_LABELS[result.kind]
        if first:
            outcome = outcomes[first] if first < len(outcomes) else 0
            outcome = outcome or _ANSWER_OUTCOMES.get(answers[code][0], NOT_FOUND)
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
        answer_outcome, check_id, answer = answers[code]
        outcome = _ANSWER_OUTCOMES.get(answer_outcome, NOT_FOUND)
        state.note(number, outcome)
        if answer is None:  # a clean or not-found answer: nothing to list
            out.append([number, display, kind, OUTCOME_LABELS[outcome], "", "", "", check_id, ""])
            continue
        lists, applied, suspended, _check_id, note = _answer_cells(answer)
        if outcome == INVALID and answer.error_code:
            note = f"{answer.error_code}：{note}"
        out.append(
            [number, display, kind, OUTCOME_LABELS[outcome], lists, applied, suspended, check_id, note]
        )
    return out


def _csv_cells(row: list[Any]) -> list[Any]:
    number, display, kind, label, lists, applied, suspended, check_id, note = row
    # The labels are fixed texts and the numbers integers: only the other cells need _cell.
    return [
        number,
        _cell(display),
        kind,
        label,
        _cell(lists) if lists else "",
        _cell(applied) if applied else "",
        _cell(suspended) if suspended else "",
        check_id,
        _cell(note) if note else "",
    ]


@dataclass(slots=True)
class _Part:
    """One chunk's result rows as stored: CSV lines and XLSX sheet rows, with the counters after it."""

    number: int
    csv: bytes
    xml: bytes | None  # every row (only while the batch is within JRP_BATCH_XLSX_MAX_ROWS)
    attention_xml: bytes  # the hits and invalid rows
    last_row: int
    done: int
    counts: dict[str, int]


def _part(batch: BatchCheck, state: _State, rows: list[list[Any]], *, last_row: int) -> _Part:
    """The stored form of a chunk's result rows (after ``_result_rows`` noted them in ``state``)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(map(_csv_cells, rows))
    width = len(RESULT_HEADERS)
    xml = None
    if state.rows <= xlsx_max_rows():
        xml = rows_xml(rows, first=state.rows - len(rows) + 2, width=width).encode("utf-8")
    attention = [row for row in rows if _OUTCOME_BY_LABEL[row[3]] in _ATTENTION]
    attention_xml = rows_xml(attention, first=state.attention + 2, width=width).encode("utf-8")
    state.attention += len(attention)
    return _Part(
        number=batch.parts + 1,
        csv=buffer.getvalue().encode("utf-8"),
        xml=xml,
        attention_xml=attention_xml,
        last_row=last_row,
        done=state.rows,
        counts=dict(state.counts),
    )


def xlsx_max_rows() -> int:
    """Up to this many rows the XLSX result holds every row; above, the hits and invalid rows only."""
    return int(settings.JRP_BATCH_XLSX_MAX_ROWS)


def _encrypted_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".tmp")
    with open_encrypted(partial) as out:
        out.write(data)
    partial.replace(path)


def _store(batch_id: int, ref: str, part: _Part, answers: ChunkAnswers | None) -> None:
    """In one transaction: the chunk's log rows and feedback, its part files, the batch's counters."""
    with transaction.atomic():
        if answers is not None:
            codes_write(answers)
        path = part_file(ref=ref, number=part.number)
        _encrypted_write(path, part.csv)
        if part.xml is not None:
            _encrypted_write(path.with_suffix(".xml"), part.xml)
        _encrypted_write(path.with_suffix(".hits.xml"), part.attention_xml)
        counts = part.counts
        BatchCheck.objects.filter(pk=batch_id).update(
            parts=part.number,
            last_row=part.last_row,
            done=part.done,
            hits=counts["hits"],
            not_found=counts["not_found"],
            invalid=counts["invalid"],
            duplicates=counts["duplicates"],
        )


def _applied(batch: BatchCheck, part: _Part) -> None:
    batch.parts, batch.last_row, batch.done = part.number, part.last_row, part.done
    batch.hits, batch.not_found = part.counts["hits"], part.counts["not_found"]
    batch.invalid, batch.duplicates = part.counts["invalid"], part.counts["duplicates"]


def _request(batch: BatchCheck, requester: Requester) -> dict[str, Any]:
    return {
        "requester": requester,
        "purpose": batch.purpose,
        "matter_code": batch.matter_code,
        "as_of": batch.as_of,
        "channel": CheckChannel.BATCH,
        "batch_ref": batch.ref,
    }


def _run_in_turn(
    batch: BatchCheck,
    state: _State,
    chunks: Iterator[list[tuple[int, Any]]],
    *,
    requester: Requester,
    progress: Callable[[], None] | None,
) -> None:
    """Each chunk checked and stored in one transaction on this connection, one after the other."""
    request = _request(batch, requester)
    for chunk in chunks:
        with transaction.atomic():
            classified, pending, well_formed = _classify(batch, state, chunk)
            results = codes_check(codes=pending, well_formed=well_formed, **request) if pending else []
            part = _part(
                batch, state, _result_rows(state, classified, pending, results), last_row=chunk[-1][0]
            )
            _store(batch.pk, batch.ref, part, None)
            _applied(batch, part)
        if progress is not None:
            progress()


def overlapped() -> bool:
    """Whether chunks are read and stored on connections of their own while this one answers (PostgreSQL).

    Not inside a transaction: other connections would not see what it has not committed (a test, or a
    task run inside the request that queued it).
    """
    return (
        bool(settings.JRP_BATCH_OVERLAP)
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
    )


def _run_overlapped(
    batch: BatchCheck,
    state: _State,
    chunks: Iterator[list[tuple[int, Any]]],
    *,
    requester: Requester,
    progress: Callable[[], None] | None,
) -> None:
    """The chunks as a pipeline on two more connections: PostgreSQL reads chunk N+1 (one thread) and stores
    chunk N-1 (another) while this thread answers chunk N and writes its result rows.

    Chunks are stored in order, each in one transaction with the batch's counters, and ``progress`` (the
    stop check) is called after each is stored, before the next is handed over: a stop leaves the batch
    exactly after a stored chunk, as when run in turn. What was read ahead is dropped (its reserved log ids
    stay unused).
    """
    request = _request(batch, requester)
    as_of = batch.as_of
    reader = ThreadPoolExecutor(1, thread_name_prefix="batch-read")
    writer = ThreadPoolExecutor(1, thread_name_prefix="batch-store")

    def ahead(chunk):
        if chunk is None:
            return None
        classified, pending, well_formed = _classify(batch, state, chunk)
        read = (
            reader.submit(codes_read, codes=pending, as_of=as_of, well_formed=well_formed)
            if pending
            else None
        )
        return chunk, classified, pending, read

    storing: tuple[Future, _Part] | None = None

    def stored() -> None:
        future, part = storing
        future.result()
        _applied(batch, part)
        if progress is not None:
            progress()

    try:
        chunks = iter(chunks)
        current = ahead(next(chunks, None))
        while current is not None:
            chunk, classified, pending, read = current
            current = ahead(next(chunks, None))
            answers = None
            if read is not None:
                answers = codes_answer(chunk=read.result(), **request)
            results = answers.results if answers is not None else []
            part = _part(
                batch, state, _result_rows(state, classified, pending, results), last_row=chunk[-1][0]
            )
            if storing is not None:
                stored()
            storing = (writer.submit(_store, batch.pk, batch.ref, part, answers), part)
            batch.parts = part.number
        if storing is not None:
            stored()
    finally:
        for pool in (reader, writer):
            pool.submit(_close_connection)  # the pool thread's own connection
            pool.shutdown(wait=True)


def _close_connection() -> None:
    connection.close()


def _resume_state(batch: BatchCheck, state: _State, rows: Iterator[tuple[int, Any]]) -> None:
    """Rebuild the state of a resumed batch: its stored parts and the input rows they cover."""
    for number in range(1, batch.parts + 1):
        with open_stored(path=part_file(ref=batch.ref, number=number)) as f:
            for line in csv.reader(io.TextIOWrapper(f, encoding="utf-8", newline="")):
                outcome = _OUTCOME_BY_LABEL[line[3]]
                state.note(int(line[0]), outcome)
                if outcome in _ATTENTION:
                    state.attention += 1
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
    run = _run_overlapped if overlapped() else _run_in_turn
    try:
        with plaintext_copy(path=stored) as plain:
            rows = batch_codes_read(
                path=plain, filename=batch.original_filename or plain.name, kind=_input_kind(batch)
            )
            if batch.parts:
                _resume_state(batch, state, rows)
            run(batch, state, _chunks(rows, size), requester=requester, progress=progress)
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


def _xlsx_parts(batch: BatchCheck, suffix: str) -> Iterator[bytes]:
    for number in range(1, batch.parts + 1):
        with open_stored(path=part_file(ref=batch.ref, number=number).with_suffix(suffix)) as f:
            yield f.read()


def _write_result_xlsx(batch: BatchCheck, path: Path, *, rows: int) -> None:
    """Every row up to ``xlsx_max_rows()`` rows (the CSV always has them all), else those that need a look."""
    every = rows <= xlsx_max_rows()
    write_xlsx_parts(
        path,
        headers=RESULT_HEADERS,
        parts=_xlsx_parts(batch, ".xml" if every else ".hits.xml"),
        title=XLSX_TITLE if every else XLSX_TITLE_ATTENTION,
        widths=XLSX_WIDTHS,
    )


def _finish(batch: BatchCheck, state: _State) -> None:
    _write_result_csv(batch, result_file(ref=batch.ref, fmt="csv"))
    store_generated(
        dest=result_file(ref=batch.ref, fmt="xlsx"),
        write=lambda p: _write_result_xlsx(batch, p, rows=state.rows),
    )
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
