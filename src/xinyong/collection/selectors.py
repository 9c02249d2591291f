"""Reads of the collection app: visible batches, their rows and progress, quality figures (access rules:
``permissions``)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from xinyong.accounts.models import ApiClient, Department
from xinyong.accounts.permissions import is_platform_wide
from xinyong.catalog.models import CatalogCategory, CatalogItemVersion
from xinyong.collection.models import (
    RESUMABLE_ERRORS,
    Batch,
    BatchIssueCount,
    BatchStatus,
    IssueKind,
    RejectedRow,
    RowWarning,
)

# Re-exported for the services that import it from here; the rule itself lives in ``permissions``.
from xinyong.core.identifiers import UsccConfirmations
from xinyong.records.models import CreditRecord
from xinyong.subjects.selectors import uscc_confirmations

TOP_ERROR_CODES = 5
#: The console's default period (home page and 质量与及时性): the last 30 calendar days, today included.
RECENT_DAYS = 30


def uscc_confirmations_for(
    *, item_version: CatalogItemVersion, department: Department | None
) -> UsccConfirmations:
    """The USCCs with a wrong check character that rows of this item from this department may carry.

    The confirmed codes, and for a 登记注册 item submitted by a department the catalog names as its source
    (the registration authority), the code it reports for the subject (docs/identifiers.md).
    """
    registration_authority = (
        department is not None
        and item_version.item.category == CatalogCategory.REGISTRATION
        and department.code in (item_version.source_departments or [])
    )
    return uscc_confirmations(registration_authority=registration_authority)


def batches_visible_to(*, user) -> QuerySet[Batch]:
    """Batches a user (or API client) may see: every department's for platform-wide roles, else their own."""
    batches = Batch.objects.select_related("department", "item", "item_version", "uploaded_by", "api_client")
    if isinstance(user, ApiClient):
        return batches.filter(department_id=user.department_id) if user.revoked_at is None else batches.none()
    if is_platform_wide(user):
        return batches
    if getattr(user, "is_authenticated", False) and user.is_active and user.department_id is not None:
        return batches.filter(department_id=user.department_id)
    return batches.none()


def batch_visible_get(*, user, batch_id: uuid.UUID) -> Batch | None:
    """The batch with this id if the user or API client may see it."""
    return batches_visible_to(user=user).filter(pk=batch_id).first()


def batches_filter(
    *,
    batches: QuerySet[Batch],
    item_code: str = "",
    status: str = "",
    channel: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    text: str = "",
) -> QuerySet[Batch]:
    """The batches matching the batch list's filters (empty ones ignored); ``text`` matches the
    file name, or the start of the batch id."""
    if item_code:
        batches = batches.filter(item__code=item_code)
    if status:
        batches = batches.filter(status=status)
    if channel:
        batches = batches.filter(channel=channel)
    if date_from:
        batches = batches.filter(received_at__date__gte=date_from)
    if date_to:
        batches = batches.filter(received_at__date__lte=date_to)
    if text:
        batches = batches.filter(_search(text))
    return batches


def _search(text: str) -> Q:
    """File name contains the text, or the batch id starts with it (hyphens optional)."""
    query = Q(original_filename__icontains=text)
    compact = text.replace("-", "").lower()
    if compact and len(compact) <= 32 and all(ch in "0123456789abcdef" for ch in compact):
        if len(compact) == 32:
            query |= Q(pk=uuid.UUID(compact))
        elif len(compact) >= 4:
            query |= Q(id__startswith=compact)
    return query


def batches_newest_first(*, batches: QuerySet[Batch]) -> QuerySet[Batch]:
    """The batches in the batch list's order: most recently received first."""
    return batches.order_by("-received_at", "-created_at")


def departments_active() -> QuerySet[Department]:
    """The active departments, by code (those an operator may submit for)."""
    return Department.objects.filter(is_active=True).order_by("code")


def department_active_exists(*, department_id: int) -> bool:
    """Is there an active department with this id?"""
    return departments_active().filter(pk=department_id).exists()


def batch_rejected_rows(*, batch: Batch, visible: bool) -> QuerySet[RejectedRow]:
    """The rejected rows of a batch in file order; none when the user may not read them."""
    return batch.rejected_rows.order_by("number", "pk") if visible else batch.rejected_rows.none()


def batch_rejected_page(*, batch: Batch, page: int, page_size: int) -> list[RejectedRow]:
    """One page (1-based) of a batch's rejected rows in file order."""
    start = (page - 1) * page_size
    return list(batch_rejected_rows(batch=batch, visible=True)[start : start + page_size])


def batch_rejected_errors(*, batch: Batch) -> Iterator[tuple[int, list[dict]]]:
    """Each rejected row's number and errors, in file order, streamed."""
    rows = batch.rejected_rows.order_by("number", "pk").values_list("number", "errors")
    return rows.iterator(chunk_size=2000)


def batch_row_warnings(*, batch: Batch) -> QuerySet[RowWarning]:
    """The saved warnings of a batch's loaded rows, in file order."""
    return batch.row_warnings.order_by("number", "pk")


def batch_has_row_warnings(*, batch: Batch) -> bool:
    """Were warnings about single rows saved for the batch (so there is a warning list to download)?"""
    return batch.row_warnings.exists()


def batch_corrections(*, batch: Batch) -> list[Batch]:
    """The corrected files uploaded for a batch's rejected rows, oldest first."""
    return list(batch.corrections.order_by("created_at"))


def batch_is_resumable(*, batch: Batch) -> bool:
    """True when processing stopped (or a worker died) part-way for a reason unrelated to the file's content."""
    if batch.status in (BatchStatus.QUEUED, BatchStatus.LOADING):
        return True
    return batch.status == BatchStatus.FAILED and batch.error_code in RESUMABLE_ERRORS


def batch_progress(*, batch: Batch, now: dt.datetime | None = None) -> dict[str, Any]:
    """How far a batch is: processed rows, total (known or estimated), rows/s, ETA in seconds, percent."""
    processed = batch.rows_committed
    done = batch.status == BatchStatus.DONE
    total = processed if done else batch.rows_total
    total_exact = done or batch.rows_total_exact
    if total is not None and processed > total:
        # The estimate from the file size was too low; the real figure is at least what was read.
        total, total_exact = None, False
    rate = None
    elapsed = None
    if batch.run_started_at is not None:
        until = (
            batch.progress_at if (done or batch.is_finished) else (batch.progress_at or now or timezone.now())
        )
        elapsed = max((until - batch.run_started_at).total_seconds(), 0.0) if until else None
        run_rows = processed - batch.run_start_rows
        if elapsed and run_rows > 0:
            rate = run_rows / elapsed
    running = batch.status in (BatchStatus.QUEUED, BatchStatus.LOADING)
    if done:
        eta, percent = 0.0, 100.0
    else:
        # No time left to announce for a batch that is not running (failed, or waiting for its mapping).
        eta = (total - processed) / rate if running and rate and total is not None else None
        percent = min(99.9, processed * 100.0 / total) if total else None
    return {
        "status": batch.status,
        "status_label": batch.get_status_display(),
        "processed": processed,
        "rows_read": batch.rows_read,
        "total": total,
        "total_exact": total_exact,
        "rows_per_second": round(rate, 1) if rate is not None else None,
        "eta_seconds": round(eta, 1) if eta is not None else None,
        "percent": round(percent, 1) if percent is not None else None,
        "elapsed_seconds": round(elapsed, 1) if elapsed is not None else None,
    }


def _rate(part: int | None, whole: int | None) -> float | None:
    return round(part / whole, 4) if whole else None


# ---------------------------------------------------------------------------------------------------
# Batch figures. One definition for every screen that counts batches (the console home, 质量与及时性):
# a batch belongs to the local day (Asia/Shanghai) of its ``received_at`` — when the platform received
# the submission, which is also what the lists and the batch page show as 接收时间.


def recent_period(*, as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The default period of the console's figures: ``RECENT_DAYS`` days ending on ``as_of``."""
    return as_of - dt.timedelta(days=RECENT_DAYS - 1), as_of


def local_day_start(*, day: dt.date) -> dt.datetime:
    """The first instant of ``day`` in the platform's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def received_between_q(*, date_from: dt.date, date_to: dt.date, prefix: str = "") -> Q:
    """Filter: received on a local day in [date_from, date_to] (``prefix`` reaches the batch, e.g. ``batch__``)."""
    return Q(
        **{
            f"{prefix}received_at__gte": local_day_start(day=date_from),
            f"{prefix}received_at__lt": local_day_start(day=date_to + dt.timedelta(days=1)),
        }
    )


def batches_received_between(
    *,
    batches: QuerySet[Batch] | None = None,
    date_from: dt.date,
    date_to: dt.date,
    department: Department | None = None,
) -> QuerySet[Batch]:
    """The batches (of ``batches``, default all) received in [date_from, date_to], optionally of one department."""
    qs = (Batch.objects.all() if batches is None else batches).filter(
        received_between_q(date_from=date_from, date_to=date_to)
    )
    return qs if department is None else qs.filter(department=department)


@dataclass(frozen=True)
class BatchTotals:
    """Outcome counts of a set of batches; rows read = created + new version + duplicate + rejected."""

    batches: int = 0
    rows_read: int = 0
    created: int = 0
    new_version: int = 0
    duplicate: int = 0
    rejected: int = 0
    departments: int = 0

    @property
    def accepted(self) -> int:
        """Rows stored: new records and new versions (入库，含新版本)."""
        return self.created + self.new_version

    @property
    def acceptance_rate(self) -> float | None:
        """入库率 = (rows read − rejected) ÷ rows read: every row that passed validation, duplicates included."""
        return _rate(self.rows_read - self.rejected, self.rows_read)

    @property
    def duplicate_rate(self) -> float | None:
        return _rate(self.duplicate, self.rows_read)

    @property
    def rejection_rate(self) -> float | None:
        return _rate(self.rejected, self.rows_read)


def batch_totals(*, batches: QuerySet[Batch]) -> BatchTotals:
    """The outcome counts of ``batches`` in one aggregate query."""
    agg = batches.aggregate(
        batches=Count("pk"),
        rows_read=Sum("rows_read"),
        created=Sum("created"),
        new_version=Sum("new_version"),
        duplicate=Sum("duplicate"),
        rejected=Sum("rejected"),
        departments=Count("department", distinct=True),
    )
    return BatchTotals(**{key: value or 0 for key, value in agg.items()})


def quality_by_department(
    *, date_from: dt.date, date_to: dt.date, department: Department | None = None
) -> list[dict[str, Any]]:
    """Per department, for submissions received in [date_from, date_to]: volume, acceptance, duplicate and
    late rates and the most frequent error codes; computed with aggregate queries only."""
    batches = batches_received_between(date_from=date_from, date_to=date_to, department=department)
    # A record's created_at is the received_at of its first submission: the same local days as the batches.
    records = CreditRecord.objects.filter(
        created_at__gte=local_day_start(day=date_from),
        created_at__lt=local_day_start(day=date_to + dt.timedelta(days=1)),
    )
    issues = BatchIssueCount.objects.filter(
        received_between_q(date_from=date_from, date_to=date_to, prefix="batch__"), kind=IssueKind.ERROR
    )
    if department is not None:
        records = records.filter(department=department)
        issues = issues.filter(batch__department=department)

    volume = batches.values("department_id").annotate(
        batches=Count("id"),
        rows_read=Sum("rows_read"),
        created=Sum("created"),
        new_version=Sum("new_version"),
        duplicate=Sum("duplicate"),
        rejected=Sum("rejected"),
    )
    timeliness = records.values("department_id").annotate(
        records=Count("id"),
        with_deadline=Count("id", filter=Q(is_late__isnull=False)),
        late=Count("id", filter=Q(is_late=True)),
    )
    top = (
        issues.values("batch__department_id", "code")
        .annotate(rows=Sum("count"))
        .order_by("batch__department_id", "-rows", "code")
    )

    rows: dict[int, dict[str, Any]] = {}

    def entry(department_id: int) -> dict[str, Any]:
        return rows.setdefault(
            department_id,
            {
                "department_id": department_id,
                "batches": 0,
                "rows_read": 0,
                "created": 0,
                "new_version": 0,
                "duplicate": 0,
                "rejected": 0,
                "records": 0,
                "with_deadline": 0,
                "late": 0,
                "top_errors": [],
            },
        )

    for item in volume:
        entry(item["department_id"]).update({k: v or 0 for k, v in item.items() if k != "department_id"})
    for item in timeliness:
        entry(item["department_id"]).update({k: v or 0 for k, v in item.items() if k != "department_id"})
    for item in top:
        errors = entry(item["batch__department_id"])["top_errors"]
        if len(errors) < TOP_ERROR_CODES:
            errors.append({"code": item["code"], "rows": item["rows"]})

    departments = Department.objects.in_bulk(list(rows))
    out = []
    for department_id, data in rows.items():
        dept = departments[department_id]
        totals = BatchTotals(
            batches=data["batches"],
            rows_read=data["rows_read"],
            created=data["created"],
            new_version=data["new_version"],
            duplicate=data["duplicate"],
            rejected=data["rejected"],
            departments=1,
        )
        out.append(
            {
                **data,
                "department_code": dept.code,
                "department_name": dept.name,
                "accepted": totals.accepted,
                "acceptance_rate": totals.acceptance_rate,
                "duplicate_rate": totals.duplicate_rate,
                "rejection_rate": totals.rejection_rate,
                "late_rate": _rate(data["late"], data["with_deadline"]),
            }
        )
    out.sort(key=lambda d: d["department_code"])
    return out
