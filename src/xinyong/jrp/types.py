"""The values the credit check passes between its parts, and stores in the check log's ``answer``.

``check`` finds the subject and its hits (list entries in force, and entries that ended recently when a
measure continues after removal) and gathers the facts conditions need;
``rulebook`` decides which measures of the published rulebook apply to those hits; the answer holds both,
as JSON (``CheckAnswer.as_json``), so the impact preview can replay a logged check against a draft.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Requester:
    """Who asks: a department, through one of its users (console, widget) or API clients (system)."""

    department_id: int | None
    department_name: str = ""
    user_id: int | None = None
    api_client_id: int | None = None


@dataclass(frozen=True, slots=True)
class Hit:
    """One list entry in force for the subject checked (or, via_person, for an organisation it represents).

    An entry that has ended (expired or removed, within the longest ``continues_after_removal`` of the
    published rulebook) is a hit too, with ``ended_on`` set and ``effective_until`` the last day it was in
    force: only measures that continue after removal apply to it (docs/credit-check.md).
    """

    entry_id: int
    list_type: str
    list_name: str
    colour: str  # "red" | "black"
    level: str = ""
    effective_from: dt.date | None = None
    effective_until: dt.date | None = None
    record_id: int | None = None
    deciding_department: str = ""
    legal_basis: str = ""
    reason: str = ""
    disputed: bool = False
    # Amount (yuan) the documenting record carries, for amount thresholds; None when it has none.
    amount: float | None = None
    # Set when the applicant is the responsible person (法定代表人) of the listed organisation.
    via_person: bool = False
    organisation_id: int | None = None
    organisation_name: str = ""
    # The day the entry left the list (the day after ``effective_until``), for an entry that has ended.
    ended_on: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Facts:
    """What conditions may ask about the subject beyond its hits."""

    subject_kind: str
    as_of: dt.date
    # Decision date of the newest negative record in force or not (for "no negative record for N years").
    last_negative_on: dt.date | None = None
    negative_count_3y: int = 0


@dataclass(frozen=True, slots=True)
class MeasureResult:
    """A measure that applies (or is suspended), with why."""

    code: str
    kind: str  # "punishment" | "incentive"
    family: str
    content: str
    legal_basis: str
    application: str  # "mandatory" | "recommended"
    stage: str
    implementing_department: str
    entry_id: int | None
    list_type: str
    conditions_met: tuple[str, ...] = ()
    suspended: bool = False
    suspended_reason: str = ""
    via_person: bool = False
    # The implementing department (None: none linked; ``implementing_department`` may then be free text).
    implementing_department_id: int | None = None
    # For a measure resting on an ended entry: the months it continues after removal (0 otherwise).
    continues_months: int = 0


@dataclass(slots=True)
class CheckAnswer:
    """The whole answer of one check."""

    check_id: int | None
    outcome: str
    as_of: dt.date
    subject: dict[str, Any] | None = None
    candidates: list[dict[str, Any]] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)
    measures: list[MeasureResult] = field(default_factory=list)
    rulebook_number: int | None = None
    # The facts the conditions were evaluated on, so the impact preview can replay the check.
    facts: Facts | None = None
    explanation: list[str] = field(default_factory=list)
    error_code: str = ""
    error_message: str = ""

    def as_json(self) -> dict[str, Any]:
        def plain(value: Any) -> Any:
            if isinstance(value, dt.date):
                return value.isoformat()
            if isinstance(value, tuple | list):
                return [plain(v) for v in value]
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            return value

        data = dataclasses.asdict(self)
        return plain(data)
