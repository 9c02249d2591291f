"""Reads of commitments: the follow-up queue (overdue first), one commitment and its history, the templates in
force, the commitments of a subject account's subjects, and the statistics (docs/commitments.md)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When

from xinyong.core.identifiers import normalize_code_input
from xinyong.dueprocess.cases.models import CaseEvent, CaseKind
from xinyong.dueprocess.commitments.models import (
    Commitment,
    CommitmentKind,
    CommitmentState,
    CommitmentTemplate,
)
from xinyong.dueprocess.subject_accounts.models import SubjectLink
from xinyong.jrp.models import Matter
from xinyong.subjects.models import Subject
from xinyong.subjects.selectors import ric_lookup_hash

# Queue filters beyond the stored states.
DUE = "due"  # in progress, fulfilment date reached (today or earlier): to be checked now
OVERDUE = "overdue"  # in progress, fulfilment date passed


def _queue_rank(as_of: dt.date) -> Case:
    """0 overdue, 1 due today, 2 in progress with a later date, 3 in progress without a date, 4 closed."""
    open_ = Q(state=CommitmentState.IN_PROGRESS)
    return Case(
        When(open_ & Q(fulfilment_due__lt=as_of), then=Value(0)),
        When(open_ & Q(fulfilment_due=as_of), then=Value(1)),
        When(open_ & Q(fulfilment_due__gt=as_of), then=Value(2)),
        When(open_, then=Value(3)),
        default=Value(4),
        output_field=IntegerField(),
    )


def commitments_queue(
    *,
    department_ids: set[int] | None,
    as_of: dt.date,
    state: str = "",
    kind: str = "",
    department_id: int | None = None,
    query: str = "",
    due_from: dt.date | None = None,
    due_to: dt.date | None = None,
) -> QuerySet[Commitment]:
    """The follow-up queue: overdue first (oldest date first), then due today, then later dates, then closed.

    ``department_ids`` None means every department. ``state``: a stored state, ``due`` (in progress, date ≤
    ``as_of``) or ``overdue`` (date < ``as_of``). ``query``: number, subject name or code, matter.
    """
    qs = Commitment.objects.select_related("subject", "department", "template")
    if department_ids is not None:
        qs = qs.filter(department_id__in=department_ids)
    if department_id:
        qs = qs.filter(department_id=department_id)
    if state == DUE:
        qs = qs.filter(state=CommitmentState.IN_PROGRESS, fulfilment_due__lte=as_of)
    elif state == OVERDUE:
        qs = qs.filter(state=CommitmentState.IN_PROGRESS, fulfilment_due__lt=as_of)
    elif state:
        qs = qs.filter(state=state)
    if kind:
        qs = qs.filter(kind=kind)
    if due_from:
        qs = qs.filter(fulfilment_due__gte=due_from)
    if due_to:
        qs = qs.filter(fulfilment_due__lte=due_to)
    query = (query or "").strip()
    if query:
        qs = qs.filter(
            Q(number__icontains=query)
            | Q(subject__name__icontains=query)
            | Q(subject__uscc__iexact=query.upper())
            | Q(matter_name__icontains=query)
            | Q(matter_code__iexact=query)
        )
    return qs.annotate(queue_rank=_queue_rank(as_of)).order_by(
        "queue_rank", F("fulfilment_due").asc(nulls_last=True), F("checked_on").desc(nulls_last=True), "-pk"
    )


def commitment_is_overdue(*, commitment: Commitment, as_of: dt.date) -> bool:
    return (
        commitment.state == CommitmentState.IN_PROGRESS
        and commitment.fulfilment_due is not None
        and commitment.fulfilment_due < as_of
    )


def commitment_find(*, pk: int) -> Commitment | None:
    return (
        Commitment.objects.select_related(
            "subject", "department", "template", "record", "broken_record", "recorded_by", "account"
        )
        .filter(pk=pk)
        .first()
    )


def commitment_history(*, commitment: Commitment) -> QuerySet[CaseEvent]:
    """Every transition of the commitment, oldest first."""
    return CaseEvent.objects.filter(case_kind=CaseKind.COMMITMENT, case_id=commitment.pk).order_by("at", "pk")


def templates_in_force(*, as_of: dt.date, kind: str = "", query: str = "") -> list[CommitmentTemplate]:
    """The active templates in force on ``as_of``: per code, the newest version with valid_from ≤ as_of."""
    qs = CommitmentTemplate.objects.select_related("department").filter(valid_from__lte=as_of)
    if kind:
        qs = qs.filter(kind=kind)
    query = (query or "").strip()
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(code__icontains=query) | Q(matter_code__icontains=query))
    newest: dict[str, CommitmentTemplate] = {}
    for template in qs.order_by("code", "-valid_from"):
        newest.setdefault(template.code, template)
    return [t for t in newest.values() if t.is_active]


def templates_in_force_queryset(*, as_of: dt.date, kinds=None) -> QuerySet[CommitmentTemplate]:
    """``templates_in_force`` as a queryset (for choice fields), optionally of some kinds only."""
    ids = [t.pk for t in templates_in_force(as_of=as_of) if kinds is None or t.kind in kinds]
    return CommitmentTemplate.objects.select_related("department").filter(pk__in=ids).order_by("kind", "code")


def template_find(*, pk: int, as_of: dt.date) -> CommitmentTemplate | None:
    """A template by id, if it is the version in force on ``as_of`` and active."""
    template = CommitmentTemplate.objects.select_related("department").filter(pk=pk).first()
    if template is None:
        return None
    current = {t.pk for t in templates_in_force(as_of=as_of, kind=template.kind)}
    return template if template.pk in current else None


def matter_names(*, codes: set[str]) -> dict[str, str]:
    """The names of the matters (事项) of ``codes`` in the matter register."""
    codes = {c for c in codes if c}
    if not codes:
        return {}
    return dict(Matter.objects.filter(code__in=codes).values_list("code", "name"))


def account_subjects(*, account) -> list[Subject]:
    """The subjects linked to a subject account (links not revoked)."""
    ids = SubjectLink.objects.filter(account=account, revoked_at__isnull=True).values_list(
        "subject_id", flat=True
    )
    return list(Subject.objects.filter(pk__in=ids).order_by("name"))


def account_commitments(*, account) -> QuerySet[Commitment]:
    """The commitments of the subjects linked to a subject account, newest first."""
    ids = SubjectLink.objects.filter(account=account, revoked_at__isnull=True).values_list(
        "subject_id", flat=True
    )
    return (
        Commitment.objects.select_related("subject", "department")
        .filter(subject_id__in=ids)
        .order_by("-signed_on", "-pk")
    )


@dataclass
class KindRow:
    kind: str
    label: str
    total: int = 0
    in_progress: int = 0
    fulfilled: int = 0
    broken: int = 0
    overdue: int = 0

    @property
    def checked(self) -> int:
        return self.fulfilled + self.broken

    @property
    def fulfilment_rate(self) -> float | None:
        """已履行 ÷ (已履行 + 未履行), in percent; None before any follow-up."""
        return round(100 * self.fulfilled / self.checked, 1) if self.checked else None


@dataclass
class CommitmentStats:
    rows: list[KindRow] = field(default_factory=list)
    total: KindRow = field(default_factory=lambda: KindRow(kind="", label="合计"))
    # The same figures per accepting department (kind = the department's code, label = its name).
    departments: list[KindRow] = field(default_factory=list)


def commitment_statistics(
    *,
    department_ids: set[int] | None,
    as_of: dt.date,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> CommitmentStats:
    """Counts per kind and state of the commitments signed in the period, the fulfilment rate and the overdue."""
    qs = Commitment.objects.all()
    if department_ids is not None:
        qs = qs.filter(department_id__in=department_ids)
    if date_from:
        qs = qs.filter(signed_on__gte=date_from)
    if date_to:
        qs = qs.filter(signed_on__lte=date_to)
    figures = {
        "total": Count("pk"),
        "in_progress": Count("pk", filter=Q(state=CommitmentState.IN_PROGRESS)),
        "fulfilled": Count("pk", filter=Q(state=CommitmentState.FULFILLED)),
        "broken": Count("pk", filter=Q(state=CommitmentState.BROKEN)),
        "overdue": Count("pk", filter=Q(state=CommitmentState.IN_PROGRESS, fulfilment_due__lt=as_of)),
    }
    counts = qs.values("kind").annotate(**figures)
    by_kind = {row["kind"]: row for row in counts}
    stats = CommitmentStats()
    for kind in CommitmentKind:
        row = by_kind.get(kind.value)
        if row is None:
            continue
        kind_row = KindRow(
            kind=kind.value,
            label=str(kind.label),
            **{k: row[k] for k in ("total", "in_progress", "fulfilled", "broken", "overdue")},
        )
        stats.rows.append(kind_row)
        for name in ("total", "in_progress", "fulfilled", "broken", "overdue"):
            setattr(stats.total, name, getattr(stats.total, name) + getattr(kind_row, name))
    per_department = (
        qs.values("department__code", "department__name").annotate(**figures).order_by("department__code")
    )
    stats.departments = [
        KindRow(
            kind=row["department__code"],
            label=row["department__name"],
            **{k: row[k] for k in ("total", "in_progress", "fulfilled", "broken", "overdue")},
        )
        for row in per_department
    ]
    return stats


def subject_by_code(*, code: str) -> Subject | None:
    """The subject whose 统一社会信用代码 or 身份证 number is exactly ``code`` (no name search: a commitment is
    recorded for an identified subject)."""
    text = normalize_code_input(code or "")
    if not text:
        return None
    subject = Subject.objects.filter(uscc=text).first()
    if subject is None and len(text) in (15, 18) and text[:15].isdigit():
        digest = ric_lookup_hash(value=text)
        if digest is not None:
            subject = Subject.objects.filter(ric_hmac=digest).first()
    return subject
