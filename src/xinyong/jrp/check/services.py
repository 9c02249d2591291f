"""The credit check (信用核查): who the subject is, which list entries are in force, which measures apply.

``check_run`` answers one query (a USCC, a 身份证 number or a name) and ``check_many`` a chunk of codes
(the batch check), set-based: a few indexed queries for the whole chunk and one bulk insert of log rows.
Rules (docs/credit-check.md):

- Only list entries *in force* on ``as_of`` count (``lists.selectors.entries_in_force``: effective, inside
  their dates, on a record in force — not revoked, withdrawn or repaired, inside its window). An entry that
  ended (expired or removed, not repaired nor annulled) within the longest ``continues_after_removal`` of
  the published rulebook is read too, as an ended hit: it stays in the answer only when a measure continues
  on it, and a subject with no other hit is answered as on no list.
- An exact code is decisive. A name returns candidates with scores and never a measure: the clerk confirms
  the subject (``confirm_subject_id``), which re-runs the check for that subject, logged as confirmed.
- 落实到人: a 身份证 number that is the legal representative's of an organisation with entries in force
  gives ``via_person`` hits (measures extending to responsible persons); a name-only link is a candidate.
- A hit on a disputed entry or record gives its measures as suspended (异议中·暂停执行).
- Only measures of the published rulebook apply; one ``CheckLog`` row per check (no full ID number
  anywhere); pending ``MeasureFeedback`` rows for the applied mandatory measures the requesting department
  implements, due ``JRP_FEEDBACK_WORKING_DAYS`` working days after the check (``jrp.deadlines``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from xinyong.accounts.models import ApiClient
from xinyong.core.codes import SubjectKind
from xinyong.core.errors import CodedError
from xinyong.core.identifiers import (
    check_ric,
    check_uscc,
    normalize_code_input,
    ric_check_chars_ok,
    uscc_check_chars_ok,
)
from xinyong.core.masking import mask_ric, mask_ric_in_text
from xinyong.jrp.check import selectors
from xinyong.jrp.check.explain import explain
from xinyong.jrp.check.log import answer_json_text, check_log_insert_with_feedback, check_logs_write
from xinyong.jrp.check.selectors import SubjectRow
from xinyong.jrp.deadlines import feedback_due_on, feedback_due_on_guess
from xinyong.jrp.measures.rulebook import CompiledRulebook, measures_for, rulebook_compiled
from xinyong.jrp.models import (
    Application,
    CheckChannel,
    CheckOutcome,
    MeasureFeedback,
    QueryKind,
)
from xinyong.jrp.types import CheckAnswer, Facts, Hit, MeasureResult, Requester
from xinyong.subjects import crypto
from xinyong.subjects.search import subject_search

QUERY_MAX_LENGTH = 100
PURPOSE_MAX_LENGTH = 200
# Characters that carry nothing visible: removed from queries before anything else.
_INVISIBLE = re.compile(r"[\u0000-\u001f\u007f-\u009f\u00ad\u200b-\u200f\u2028-\u202f\u2060-\u206f\ufeff]")
_RIC_SHAPE = re.compile(r"\d{17}[\dX]|\d{15}")
_CODE_SHAPE = re.compile(r"[0-9A-Z]{15,18}")


class CheckError(CodedError):
    """A check request that cannot be answered at all (no purpose, unknown matter …): nothing is logged."""


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """A query after cleaning: its kind, the code to look up and the text the log keeps (masked)."""

    kind: str
    code: str = ""  # normalised USCC or 身份证 number (never stored)
    ric_hmac: str = ""
    name: str = ""
    logged_text: str = ""
    # A valid 身份证 number that is also a valid USCC: looked up both ways, logged masked (docs/credit-check.md).
    also_uscc: bool = False
    error_code: str = ""
    error_message: str = ""


def _clean(text: str) -> str:
    return _INVISIBLE.sub("", str(text or "")).strip()


def query_parse(*, query: str, query_kind: str | None, as_of: dt.date) -> ParsedQuery:
    """Clean a query and tell its kind (``core.identifiers``): USCC, 身份证 number or name."""
    text = _clean(query)
    if not text:
        return ParsedQuery(
            kind=query_kind or QueryKind.NAME,
            error_code="query_required",
            error_message="请填写统一社会信用代码、身份证号码或名称",
        )
    if len(text) > QUERY_MAX_LENGTH:
        return ParsedQuery(
            kind=query_kind or QueryKind.NAME,
            logged_text=mask_ric_in_text(text[:QUERY_MAX_LENGTH]),
            error_code="query_too_long",
            error_message=f"查询内容超过 {QUERY_MAX_LENGTH} 个字符，请只填写一个代码或名称",
        )
    code = normalize_code_input(text)
    if ric_check_chars_ok(code, as_of=as_of):
        # A valid 身份证 number, possibly also a valid USCC (about 1 in 341): personal, so only its mask is
        # logged; one that is both is looked up both ways.
        also_uscc = uscc_check_chars_ok(code)
        if query_kind in (None, QueryKind.RIC) or (query_kind == QueryKind.USCC and also_uscc):
            return ParsedQuery(
                kind=QueryKind.USCC if query_kind == QueryKind.USCC else QueryKind.RIC,
                code=code,
                ric_hmac=crypto.ric_hmac(code),
                logged_text=mask_ric(code),
                also_uscc=also_uscc,
            )
    if query_kind in (None, QueryKind.USCC) and uscc_check_chars_ok(code):
        # The common case of bulk paths: a well-formed USCC, no further checks needed.
        return ParsedQuery(kind=QueryKind.USCC, code=code, logged_text=code)
    if query_kind is None:
        if _RIC_SHAPE.fullmatch(code) and not (len(code) == 18 and check_uscc(code).ok):
            query_kind = QueryKind.RIC
        elif _CODE_SHAPE.fullmatch(code) and any(ch.isdigit() for ch in code):
            query_kind = QueryKind.USCC
        else:
            query_kind = QueryKind.NAME
    if query_kind == QueryKind.USCC:
        result = check_uscc(code)
        if not result.ok:
            issue = result.errors[0]
            return ParsedQuery(
                kind=QueryKind.USCC,
                logged_text=mask_ric_in_text(code),
                error_code=issue.code,
                error_message=issue.message,
            )
        return ParsedQuery(kind=QueryKind.USCC, code=result.normalized, logged_text=result.normalized)
    if query_kind == QueryKind.RIC:
        result = check_ric(code, as_of=as_of)
        if not result.ok:
            issue = result.errors[0]
            return ParsedQuery(
                kind=QueryKind.RIC,
                logged_text=mask_ric(code),
                error_code=issue.code,
                error_message=mask_ric_in_text(issue.message),
            )
        return ParsedQuery(
            kind=QueryKind.RIC,
            code=result.normalized,
            ric_hmac=crypto.ric_hmac(result.normalized),
            logged_text=mask_ric(result.normalized),
        )
    if query_kind != QueryKind.NAME:
        return ParsedQuery(
            kind=QueryKind.NAME,
            logged_text=mask_ric_in_text(text),
            error_code="query_kind_invalid",
            error_message="查询方式应为：统一社会信用代码（uscc）、身份证号码（ric）或名称（name）",
        )
    name = " ".join(text.split())
    return ParsedQuery(kind=QueryKind.NAME, name=name, logged_text=mask_ric_in_text(name))


def requester_for(*, principal) -> Requester:
    """The requester of a console user or an API client: its department, and who it is."""
    department = principal.department
    is_client = isinstance(principal, ApiClient)
    return Requester(
        department_id=department.pk if department is not None else None,
        department_name=department.name if department is not None else "",
        user_id=None if is_client else principal.pk,
        api_client_id=principal.pk if is_client else None,
    )


def _request_check(*, requester: Requester, purpose: str, matter_code: str, channel: str) -> tuple[str, str]:
    """The cleaned purpose and matter code; CheckError when the request cannot be answered."""
    purpose = _clean(purpose)[:PURPOSE_MAX_LENGTH]
    if not purpose:
        raise CheckError("purpose_required", "请填写核查用途（如办理的业务或审批事项）")
    if channel not in CheckChannel.values:
        raise CheckError("channel_invalid", "核查渠道无效")
    matter_code = _clean(matter_code)[:80]
    if matter_code and selectors.matter_find(code=matter_code) is None:
        raise CheckError(
            "matter_unknown", f"事项编码“{matter_code}”不在事项清单中，请从本部门的事项清单中选择"
        )
    return purpose, matter_code


def _subject_out(subject: SubjectRow, *, confirmed: bool = False) -> dict:
    return {
        "id": subject.id,
        "kind": subject.kind,
        "kind_label": str(SubjectKind(subject.kind).label),
        "name": subject.name,
        "code": subject.code,
        "confirmed": confirmed,
    }


def _answer(
    *,
    as_of: dt.date,
    query_kind: str,
    subject: dict | None,
    hits: list[Hit],
    facts: Facts | None,
    rulebook,
    matter_code: str,
    department_id: int | None,
    outcome: str | None = None,
) -> CheckAnswer:
    """The answer for a subject (or an applicant not in the registry) and its hits."""
    measures: list[MeasureResult] = []
    if hits and rulebook is not None and facts is not None:
        measures = measures_for(
            rulebook=rulebook, hits=hits, facts=facts, matter_code=matter_code, department_id=department_id
        )
    if any(h.ended_on is not None for h in hits):
        # An entry that ended is shown only with a measure that continues on it (docs/credit-check.md).
        continuing = {m.entry_id for m in measures}
        hits = [h for h in hits if h.ended_on is None or h.entry_id in continuing]
    if outcome is None:
        outcome = CheckOutcome.HIT if hits else CheckOutcome.CLEAN
    number = rulebook.number if rulebook is not None else None
    return CheckAnswer(
        check_id=None,
        outcome=outcome,
        as_of=as_of,
        subject=subject,
        hits=hits,
        measures=measures,
        rulebook_number=number,
        facts=facts,
        explanation=explain(
            outcome=outcome,
            as_of=as_of,
            subject=subject,
            hits=hits,
            measures=measures,
            rulebook_number=number,
            query_kind=query_kind,
        ),
    )


def _invalid(*, parsed: ParsedQuery, as_of: dt.date) -> CheckAnswer:
    return CheckAnswer(
        check_id=None,
        outcome=CheckOutcome.INVALID,
        as_of=as_of,
        error_code=parsed.error_code,
        error_message=parsed.error_message,
        explanation=explain(
            outcome=CheckOutcome.INVALID,
            as_of=as_of,
            subject=None,
            hits=[],
            measures=[],
            rulebook_number=None,
            error_message=parsed.error_message,
        ),
    )


@dataclass(slots=True)
class CodeReads:
    """What the set-based reads found for a chunk of parsed code queries (``code_reads``)."""

    as_of: dt.date
    by_uscc: dict[str, SubjectRow]
    by_ric: dict[str, SubjectRow]
    represented: dict[str, list[int]]
    hits: dict[int, list[Hit]]
    person_hits: dict[int, list[Hit]]
    facts: dict[int, Facts]
    rulebook: CompiledRulebook | None


def code_reads(*, usccs: Sequence[str], ric_hmacs: Sequence[str], as_of: dt.date) -> CodeReads:
    """The set-based reads for a chunk of codes: subjects, hits in force, facts of the listed, the rulebook.

    The hits include the entries that ended within the published rulebook's longest continuation (read in
    the same statements; none when no measure continues after removal).
    """
    published = rulebook_compiled()  # cached: a query at most every few seconds
    months = published.max_continuation_months if published is not None else 0
    one = None
    if len(usccs) == 1 and not ric_hmacs:
        # One USCC (the exact check): subject, hits and facts in one statement where the database allows.
        one = selectors.subject_checked_by_uscc(code=usccs[0], as_of=as_of, continuation_months=months)
    if one is not None:
        subject, subject_hits, subject_facts = one
        by_uscc = {subject.uscc: subject} if subject is not None else {}
        by_ric, represented, person_hits = {}, {}, {}
        hits = {subject.id: subject_hits} if subject_hits else {}
        facts = {subject.id: subject_facts} if subject_hits else {}
    else:
        by_uscc = selectors.subjects_by_uscc(codes=usccs)
        by_ric = selectors.subjects_by_ric_hmac(hmacs=ric_hmacs)
        represented = selectors.organisations_represented(ric_hmacs=ric_hmacs, as_of=as_of)
        subjects = {s.id: s for s in [*by_uscc.values(), *by_ric.values()]}
        hits = selectors.hits_in_force(subject_ids=subjects, as_of=as_of, continuation_months=months)
        organisations = {oid for ids in represented.values() for oid in ids}
        person_hits = selectors.hits_in_force(
            subject_ids=organisations, as_of=as_of, via_person=True, continuation_months=months
        )
        listed = [subjects[sid] for sid in hits]
        persons_listed = [
            by_ric[h] for h, ids in represented.items() if h in by_ric and any(i in person_hits for i in ids)
        ]
        facts = selectors.facts_for(subjects={*listed, *persons_listed}, as_of=as_of)
    rulebook = published if hits or person_hits else None
    return CodeReads(as_of, by_uscc, by_ric, represented, hits, person_hits, facts, rulebook)


def code_answer(
    *, p: ParsedQuery, reads: CodeReads, matter_code: str, department_id: int | None
) -> tuple[CheckAnswer, int | None]:
    """The answer for one parsed code query from the chunk's reads, with the subject id it is logged under.

    Only an answer with hits names the rulebook it applied (``rulebook_number``), whatever else is in the chunk.
    A subject whose only hits are entries that ended, none with a measure that continues, is answered as one
    on no list (and an applicant found only through such entries as not found).
    """
    as_of = reads.as_of
    if p.error_code:
        return _invalid(parsed=p, as_of=as_of), None
    by_code = reads.by_uscc.get(p.code) if p.kind == QueryKind.USCC or p.also_uscc else None
    subject = by_code if p.kind == QueryKind.USCC else reads.by_ric.get(p.ric_hmac)
    if subject is None and p.ric_hmac:
        subject = reads.by_ric.get(p.ric_hmac) if p.kind == QueryKind.USCC else by_code
    person_hits = reads.person_hits
    # 落实到人 only for a 身份证 number (not for an organisation found by the same digits as its USCC).
    represented = () if subject is not None and subject is by_code else reads.represented.get(p.ric_hmac, ())
    via = [h for oid in represented for h in person_hits.get(oid, ())]
    if subject is None:
        out = {
            "id": None,
            "kind": SubjectKind.NATURAL_PERSON.value,
            "kind_label": str(SubjectKind.NATURAL_PERSON.label),
            "name": "",
            "code": p.logged_text,
            "confirmed": False,
        }
        fact = Facts(subject_kind=SubjectKind.NATURAL_PERSON, as_of=as_of)
    else:
        out = _subject_out(subject)
        fact = reads.facts.get(subject.id) or Facts(subject_kind=subject.kind, as_of=as_of)
    subject_hits = [*reads.hits.get(subject.id, ()), *via] if subject is not None else via
    if subject_hits:
        answer = _answer(
            as_of=as_of,
            query_kind=p.kind,
            subject=out,
            hits=subject_hits,
            facts=fact,
            rulebook=reads.rulebook,
            matter_code=matter_code,
            department_id=department_id,
        )
        if answer.hits:
            return answer, subject.id if subject is not None else None
        # Only entries that ended, none with a measure that continues: as if they had not been read.
        if subject is not None:
            fact = Facts(subject_kind=subject.kind, as_of=as_of)
        via = []
    if subject is None and not via:
        answer = _answer(
            as_of=as_of,
            query_kind=p.kind,
            subject={"id": None, "kind": "", "kind_label": "", "name": "", "code": p.logged_text},
            hits=[],
            facts=None,
            rulebook=None,
            matter_code=matter_code,
            department_id=department_id,
            outcome=CheckOutcome.NOT_FOUND,
        )
        return answer, None
    answer = _answer(
        as_of=as_of,
        query_kind=p.kind,
        subject=out,
        hits=[],
        facts=fact,
        rulebook=None,
        matter_code=matter_code,
        department_id=department_id,
    )
    return answer, subject.id


def _code_answers(
    *,
    parsed: Sequence[ParsedQuery],
    as_of: dt.date,
    matter_code: str,
    department_id: int | None,
) -> list[tuple[CheckAnswer, int | None]]:
    """Answers for parsed code queries (set-based), with the subject id each is logged under."""
    reads = code_reads(
        usccs=[p.code for p in parsed if (p.kind == QueryKind.USCC or p.also_uscc) and p.code],
        ric_hmacs=[p.ric_hmac for p in parsed if p.ric_hmac],
        as_of=as_of,
    )
    return [
        code_answer(p=p, reads=reads, matter_code=matter_code, department_id=department_id) for p in parsed
    ]


def _name_answer(*, parsed: ParsedQuery, as_of: dt.date) -> CheckAnswer:
    """Candidates for a name: subjects by name, and listed organisations whose legal representative bears it."""
    candidates = [
        {
            "candidate_kind": "subject",
            "subject_id": hit.subject_id,
            "name": hit.subject.name,
            "code": hit.subject.display_code,
            "kind": hit.subject.kind,
            "kind_label": str(SubjectKind(hit.subject.kind).label),
            "score": round(float(hit.score), 1),
            "match": hit.match,
        }
        for hit in subject_search(query=parsed.name, limit=selectors.NAME_CANDIDATES)
        if hit.subject.kind != SubjectKind.NATURAL_PERSON
    ]
    for link in selectors.listed_organisations_by_person_name(name=parsed.name, as_of=as_of):
        candidates.append({"candidate_kind": "responsible_person", **link})
    outcome = CheckOutcome.CANDIDATES if candidates else CheckOutcome.NOT_FOUND
    return CheckAnswer(
        check_id=None,
        outcome=outcome,
        as_of=as_of,
        candidates=candidates,
        explanation=explain(
            outcome=outcome,
            as_of=as_of,
            subject=None,
            hits=[],
            measures=[],
            rulebook_number=None,
            candidates=candidates,
            query_kind=QueryKind.NAME,
        ),
    )


def _confirmed_answer(
    *, parsed: ParsedQuery, subject_id: int, as_of: dt.date, matter_code: str, department_id: int | None
) -> tuple[CheckAnswer, int]:
    """The check of a subject a clerk confirmed among the candidates of a name query."""
    candidates = {
        hit.subject_id for hit in subject_search(query=parsed.name, limit=selectors.NAME_CANDIDATES)
    }
    subject = selectors.subject_row(subject_id=subject_id)
    if subject is None or subject_id not in candidates or subject.kind == SubjectKind.NATURAL_PERSON:
        raise CheckError("confirm_not_candidate", "确认的主体不在该名称的候选主体中，请重新按名称查询后确认")
    rulebook = rulebook_compiled()
    months = rulebook.max_continuation_months if rulebook is not None else 0
    hits = selectors.hits_in_force(subject_ids=[subject.id], as_of=as_of, continuation_months=months)
    facts = selectors.facts_for(subjects=[subject], as_of=as_of)[subject.id]
    answer = _answer(
        as_of=as_of,
        query_kind=QueryKind.NAME,
        subject=_subject_out(subject, confirmed=True),
        hits=hits.get(subject.id, []),
        facts=facts,
        rulebook=rulebook,
        matter_code=matter_code,
        department_id=department_id,
    )
    return answer, subject.id


def _log_row(
    *,
    answer: CheckAnswer,
    subject_id: int | None,
    parsed: ParsedQuery,
    requester: Requester,
    purpose: str,
    matter_code: str,
    channel: str,
    batch_ref: str,
    at: dt.datetime,
    checked_on: dt.date,
    confirmed: bool = False,
) -> tuple:
    """The log row of one answer, in ``log.LOG_COLUMNS`` order without the id (ID numbers only masked)."""
    text = parsed.logged_text
    if confirmed:
        text = f"{text}（确认主体 {subject_id}）"
    return (
        at,
        checked_on,
        answer.as_of,
        channel,
        requester.department_id,
        requester.user_id,
        requester.api_client_id,
        purpose,
        matter_code,
        parsed.kind,
        text[:300],
        subject_id,
        answer.outcome,
        len(answer.hits),
        sum(1 for m in answer.measures if not m.suspended),
        answer.rulebook_number,
        batch_ref,
        answer_json_text(answer),
    )


def _feedback_rows(
    *,
    answer: CheckAnswer,
    subject_id: int | None,
    requester: Requester,
    matter_code: str,
    checked_on: dt.date,
    due_on: dt.date | None,
) -> list[MeasureFeedback]:
    """Pending feedback for the applied mandatory measures the requesting department implements.

    ``due_on`` None: the caller sets it (only when there are rows: the deadline reads the calendar's version).
    """
    if requester.department_id is None or answer.rulebook_number is None:
        return []
    entries = {h.entry_id: h for h in answer.hits}
    rows = []
    for m in answer.measures:
        if m.suspended or m.application != Application.MANDATORY:
            continue
        if m.implementing_department_id is None:
            # No linked department: the requesting department implements it when it names none; free text
            # (责任处室, 组织实施) names no department that could report (docs/feedback.md).
            if m.implementing_department:
                continue
        elif m.implementing_department_id != requester.department_id:
            continue
        hit = entries.get(m.entry_id)
        target = subject_id if subject_id is not None else (hit.organisation_id if hit else None)
        if target is None:
            continue
        rows.append(
            MeasureFeedback(
                check_id=answer.check_id,
                checked_on=checked_on,
                subject_id=target,
                measure_code=m.code,
                rulebook_number=answer.rulebook_number,
                list_entry_id=m.entry_id,
                matter_code=matter_code,
                department_id=requester.department_id,
                due_on=due_on,
            )
        )
    return rows


def check_run(
    *,
    requester: Requester,
    purpose: str,
    matter_code: str,
    query: str,
    as_of: dt.date,
    channel: str,
    query_kind: str | None = None,
    confirm_subject_id: int | None = None,
    checked_at: dt.datetime | None = None,
) -> CheckAnswer:
    """Check one subject (USCC, 身份证 number or name) for a matter; logs one row. CheckError: not answerable.

    ``checked_at`` is when the check is logged as made (default now), e.g. to replay checks of past days.
    """
    purpose, matter_code = _request_check(
        requester=requester, purpose=purpose, matter_code=matter_code, channel=channel
    )
    parsed = query_parse(query=query, query_kind=query_kind, as_of=as_of)
    confirmed = False
    if parsed.error_code:
        answer, subject_id = _invalid(parsed=parsed, as_of=as_of), None
    elif parsed.kind == QueryKind.NAME and confirm_subject_id is not None:
        answer, subject_id = _confirmed_answer(
            parsed=parsed,
            subject_id=confirm_subject_id,
            as_of=as_of,
            matter_code=matter_code,
            department_id=requester.department_id,
        )
        confirmed = True
    elif parsed.kind == QueryKind.NAME:
        answer, subject_id = _name_answer(parsed=parsed, as_of=as_of), None
    else:
        [(answer, subject_id)] = _code_answers(
            parsed=[parsed], as_of=as_of, matter_code=matter_code, department_id=requester.department_id
        )
    at = checked_at or timezone.now()
    checked_on = timezone.localdate(at)
    row = _log_row(
        answer=answer,
        subject_id=subject_id,
        parsed=parsed,
        requester=requester,
        purpose=purpose,
        matter_code=matter_code,
        channel=channel,
        batch_ref="",
        at=at,
        checked_on=checked_on,
        confirmed=confirmed,
    )
    feedback = _feedback_rows(
        answer=answer,
        subject_id=subject_id,
        requester=requester,
        matter_code=matter_code,
        checked_on=checked_on,
        due_on=None,
    )
    if feedback and connection.vendor == "postgresql":
        # The due date by the calendar version read last, checked by the write itself (one statement).
        guess = feedback_due_on_guess(checked_on=checked_on)
        if guess is not None:
            for item in feedback:
                item.due_on = guess[0]
            answer.check_id = check_log_insert_with_feedback(row, feedback, calendar_version=guess[1])
            if answer.check_id is not None:
                return answer
    if feedback:
        due_on = feedback_due_on(checked_on=checked_on)
        for item in feedback:
            item.due_on = due_on
    answer.check_id = check_log_insert_with_feedback(row, feedback)
    return answer


def check_many(
    *,
    requester: Requester,
    purpose: str,
    matter_code: str,
    codes: Sequence[str],
    as_of: dt.date,
    channel: str,
    batch_ref: str = "",
) -> list[CheckAnswer]:
    """Check a chunk of codes (USCC or 身份证 number; names are refused), set-based, one bulk log insert."""
    purpose, matter_code = _request_check(
        requester=requester, purpose=purpose, matter_code=matter_code, channel=channel
    )
    parsed = []
    for code in codes:
        p = query_parse(query=code, query_kind=None, as_of=as_of)
        if p.kind == QueryKind.NAME and not p.error_code:
            p = ParsedQuery(
                kind=QueryKind.NAME,
                logged_text=p.logged_text,
                error_code="name_not_allowed",
                error_message="批量核查只接受统一社会信用代码或身份证号码，按名称核查请逐个查询并确认主体",
            )
        parsed.append(p)
    results = _code_answers(
        parsed=parsed, as_of=as_of, matter_code=matter_code, department_id=requester.department_id
    )
    at = timezone.now()
    checked_on = timezone.localdate(at)
    rows = [
        _log_row(
            answer=answer,
            subject_id=subject_id,
            parsed=p,
            requester=requester,
            purpose=purpose,
            matter_code=matter_code,
            channel=channel,
            batch_ref=batch_ref,
            at=at,
            checked_on=checked_on,
        )
        for p, (answer, subject_id) in zip(parsed, results, strict=True)
    ]
    with transaction.atomic():
        ids = check_logs_write(rows)
        feedback: list[MeasureFeedback] = []
        due_on = None
        for pk, (answer, subject_id) in zip(ids, results, strict=True):
            answer.check_id = pk
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
        MeasureFeedback.objects.bulk_create(feedback, batch_size=1000)
    return [answer for answer, _sid in results]
