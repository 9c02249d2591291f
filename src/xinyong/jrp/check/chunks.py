"""A chunk of codes checked in three steps that a batch check can overlap: read, answer, write.

``check_many`` (``services``) runs the check of a chunk for its caller in one go. The batch check
(``xinyong.jrp.channels.running``) runs the steps itself, so that PostgreSQL reads the next chunk on one
connection and stores the previous one on another while this process answers the current one
(docs/check-channels.md, "How it runs"):

- ``codes_read``: the set-based reads of the check (subjects, hits in force, facts, the published rulebook)
  for a chunk of codes, and one reserved log id per code. Reads only, on any connection.
- ``codes_answer``: the answers and the log rows, without queries (but the cached matter and feedback
  deadline). The two common outcomes — a known subject on no list, and a USCC of no known subject — are
  not built as answers: their log row's JSON is written straight from the subject, and holds only what
  does not follow from the rest (outcome, day, subject); ``log.answer_expanded`` gives back the whole answer
  (``GET /api/jrp/check/{id}`` returns it). Everything else (hits, 身份证 numbers, codes the check's parser
  refuses) takes the general answer (``services.code_answer``) and logs it whole.
  ``tests/jrp/check/test_chunks.py`` compares the answers with ``check_run``'s code by code.
- ``codes_write``: the log rows (one COPY on PostgreSQL) and the pending feedback, in the caller's
  transaction.

The answers are the same as ``check_many``'s, and so are the log rows, but for ``checked_at``: the moment
the chunk is answered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import orjson
from django.db import transaction
from django.utils import timezone

from xinyong.core.codes import SubjectKind
from xinyong.core.identifiers import ric_check_chars_ok, uscc_check_chars_ok
from xinyong.jrp.check.log import answer_json_text, check_log_ids, check_logs_write_shared
from xinyong.jrp.check.services import (
    CodeReads,
    ParsedQuery,
    _feedback_rows,
    _request_check,
    code_answer,
    code_reads,
    query_parse,
)
from xinyong.jrp.deadlines import feedback_due_on
from xinyong.jrp.models import Application, CheckOutcome, MeasureFeedback, QueryKind
from xinyong.jrp.types import CheckAnswer, Requester

__all__ = ["ChunkAnswers", "ChunkReads", "codes_answer", "codes_check", "codes_read", "codes_write"]

NAME_REFUSED = "批量核查只接受统一社会信用代码或身份证号码，按名称核查请逐个查询并确认主体"
_USCC = QueryKind.USCC.value
_CLEAN = CheckOutcome.CLEAN.value
_NOT_FOUND = CheckOutcome.NOT_FOUND.value


@dataclass(slots=True)
class ChunkReads:
    """A chunk's codes as parsed and what the database holds for them (``codes_read``)."""

    codes: list[str]
    # None for a well-formed USCC (the code as it is), else the parsed query (身份证 numbers, the rest).
    parsed: list[ParsedQuery | None]
    reads: CodeReads
    ids: list[int]


@dataclass(slots=True)
class ChunkAnswers:
    """A chunk's answers: per code (outcome, log id, the general answer or None), the log rows, feedback."""

    results: list[tuple[str, int, CheckAnswer | None]]
    shared: tuple
    rows: list[tuple]
    feedback: list[MeasureFeedback] = field(default_factory=list)


def _parse(code: str, as_of: dt.date) -> ParsedQuery | None:
    if code.__class__ is str and uscc_check_chars_ok(code) and not ric_check_chars_ok(code, as_of=as_of):
        # query_parse's own USCC case: cleaning leaves such a code as it is (a code that is also a valid
        # 身份证 number goes through query_parse, which masks it).
        return None
    p = query_parse(query=code, query_kind=None, as_of=as_of)
    if p.kind == QueryKind.NAME and not p.error_code:
        p = ParsedQuery(
            kind=QueryKind.NAME,
            logged_text=p.logged_text,
            error_code="name_not_allowed",
            error_message=NAME_REFUSED,
        )
    return p


def codes_read(
    *, codes: Sequence[str], as_of: dt.date, well_formed: Sequence[bool] | None = None
) -> ChunkReads:
    """Parse a chunk of codes (USCC or 身份证 number; names are refused) and read what the check needs.

    ``well_formed``: per code, whether the caller already found it a USCC as ``uscc_check_chars_ok`` wants
    it (the batch's own validation does), so that it is not parsed again.
    """
    codes = list(codes)
    if well_formed is None:
        parsed = [_parse(code, as_of) for code in codes]
    else:
        parsed = [None if ok else _parse(code, as_of) for code, ok in zip(codes, well_formed, strict=True)]
    usccs = [c for c, p in zip(codes, parsed, strict=True) if p is None]
    usccs += [
        p.code for p in parsed if p is not None and (p.kind == QueryKind.USCC or p.also_uscc) and p.code
    ]
    reads = code_reads(
        usccs=usccs, ric_hmacs=[p.ric_hmac for p in parsed if p is not None and p.ric_hmac], as_of=as_of
    )
    return ChunkReads(codes, parsed, reads, check_log_ids(len(codes)))


def _json(text: str) -> str:
    return orjson.dumps(text).decode()


class _Templates:
    """The logged form of the clean and not-found answers of one day (``log.answer_expanded`` restores the rest)."""

    def __init__(self, as_of: dt.date) -> None:
        day = orjson.dumps(as_of).decode()
        self.clean_head = f'{{"outcome":"{_CLEAN}","as_of":{day},"subject":{{"id":'
        self.not_found_head = (
            f'{{"outcome":"{_NOT_FOUND}","as_of":{day},"subject":'
            '{"id":null,"kind":"","kind_label":"","name":"","code":'
        )
        self.subjects: dict[str, str] = {}

    def clean(self, subject) -> str:
        """A known subject on no list: the outcome, the day and the subject as the answer shows it."""
        kind = subject.kind
        middle = self.subjects.get(kind)
        if middle is None:
            label = str(SubjectKind(kind).label)
            middle = self.subjects[kind] = f',"kind":{_json(kind)},"kind_label":{_json(label)},"name":'
        code = _json(subject.uscc or subject.ric_masked or "")
        return (
            f'{self.clean_head}{subject.id}{middle}{_json(subject.name)},"code":{code},"confirmed":false}}}}'
        )

    def not_found(self, code: str) -> str:
        """A USCC of no known subject: the outcome, the day and the code."""
        return f"{self.not_found_head}{_json(code)}}}}}"


_templates: dict[dt.date, _Templates] = {}


def _templates_for(as_of: dt.date) -> _Templates:
    templates = _templates.get(as_of)
    if templates is None:
        if len(_templates) > 64:
            _templates.clear()
        templates = _templates[as_of] = _Templates(as_of)
    return templates


def codes_answer(
    *,
    chunk: ChunkReads,
    requester: Requester,
    purpose: str,
    matter_code: str,
    as_of: dt.date,
    channel: str,
    batch_ref: str = "",
) -> ChunkAnswers:
    """The answers and log rows of a chunk read by ``codes_read``; CheckError when the request is refused."""
    purpose, matter_code = _request_check(
        requester=requester, purpose=purpose, matter_code=matter_code, channel=channel
    )
    reads = chunk.reads
    at = timezone.now()
    checked_on = timezone.localdate(at)
    shared = (
        at,
        checked_on,
        as_of,
        channel,
        requester.department_id,
        requester.user_id,
        requester.api_client_id,
        purpose,
        matter_code,
        batch_ref,
    )
    templates = _templates_for(as_of)
    by_uscc, hits = reads.by_uscc, reads.hits
    department_id = requester.department_id
    results: list[tuple[str, int, CheckAnswer | None]] = []
    rows: list[tuple] = []
    feedback: list[MeasureFeedback] = []
    due_on = None
    for code, p, pk in zip(chunk.codes, chunk.parsed, chunk.ids, strict=True):
        if p is None:
            subject = by_uscc.get(code)
            if subject is None:
                results.append((_NOT_FOUND, pk, None))
                rows.append((pk, _USCC, code, None, _NOT_FOUND, 0, 0, None, templates.not_found(code)))
                continue
            if subject.id not in hits:
                results.append((_CLEAN, pk, None))
                rows.append((pk, _USCC, code, subject.id, _CLEAN, 0, 0, None, templates.clean(subject)))
                continue
            p = ParsedQuery(kind=QueryKind.USCC, code=code, logged_text=code)
        answer, subject_id = code_answer(
            p=p, reads=reads, matter_code=matter_code, department_id=department_id
        )
        rows.append(
            (
                pk,
                p.kind,
                p.logged_text[:300],
                subject_id,
                answer.outcome,
                len(answer.hits),
                sum(1 for m in answer.measures if not m.suspended),
                answer.rulebook_number,
                answer_json_text(answer),
            )
        )
        answer.check_id = pk
        results.append((answer.outcome, pk, answer))
        if any(not m.suspended and m.application == Application.MANDATORY for m in answer.measures):
            if due_on is None:
                due_on = feedback_due_on(checked_on=checked_on)
            feedback += _feedback_rows(
                answer=answer,
                subject_id=subject_id,
                requester=requester,
                matter_code=matter_code,
                checked_on=checked_on,
                due_on=due_on,
            )
    return ChunkAnswers(results, shared, rows, feedback)


def codes_write(answers: ChunkAnswers) -> None:
    """Store a chunk's log rows and pending feedback (in the caller's transaction, if any)."""
    with transaction.atomic():
        check_logs_write_shared(answers.shared, answers.rows)
        MeasureFeedback.objects.bulk_create(answers.feedback, batch_size=1000)


def codes_check(
    *,
    requester: Requester,
    purpose: str,
    matter_code: str,
    codes: Sequence[str],
    as_of: dt.date,
    channel: str,
    batch_ref: str = "",
    well_formed: Sequence[bool] | None = None,
) -> list[tuple[str, int, CheckAnswer | None]]:
    """Read, answer and write a chunk in a row: per code (outcome, log id, the general answer or None)."""
    chunk = codes_read(codes=codes, as_of=as_of, well_formed=well_formed)
    answers = codes_answer(
        chunk=chunk,
        requester=requester,
        purpose=purpose,
        matter_code=matter_code,
        as_of=as_of,
        channel=channel,
        batch_ref=batch_ref,
    )
    codes_write(answers)
    return answers.results
