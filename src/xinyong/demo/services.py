"""The demo county (示范县): departments, console users, API clients, three years of licences and penalties
that the departments send as files, the list entries, honours and commitments they enter in the console
form (:mod:`xinyong.demo.other_items`), and a subject account on the portal linked to a listed organisation
(:mod:`xinyong.demo.subject_account`).

``demo_build`` writes each department's files under ``var/demo/`` (see :mod:`xinyong.demo.generate`) and
loads every one as the department's data officer would: ``batch_create_from_file`` → ``batch_confirm_mapping``
with the proposed mapping → ``batch_process``. The console then shows real batches with their counts, among
them one with rejected rows and its rejection file; a file with typical mistakes is left in
``var/demo/待上传/`` for the user to upload. A few decisions are then revoked through the records service.
Objections and repair applications follow (:mod:`xinyong.demo.dueprocess`); a county built before they were
part of the demo gets them on the next run.

Deterministic for a seed. Idempotent: once the demo's batches are there, nothing is generated again (the
accounts are checked and fresh API keys are issued). The load is one transaction, so an interrupted run
leaves no half-built county behind.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from xinyong.accounts.models import Department, Role, User
from xinyong.accounts.services import department_create, user_create
from xinyong.catalog.models import CatalogItemVersion
from xinyong.catalog.selectors import catalog_item_current_version, catalog_version_schema
from xinyong.catalog.services import catalog_load_fixtures
from xinyong.collection.intake import batch_create_from_file
from xinyong.collection.lifecycle import batch_confirm_mapping
from xinyong.collection.loading.run import batch_process
from xinyong.collection.models import Batch, BatchChannel, BatchStatus
from xinyong.collection.readers import rejection_filename
from xinyong.collection.rejections import batch_rejection_file_export
from xinyong.core.identifiers import generate_uscc
from xinyong.demo.acceptance import demo_acceptance_setup
from xinyong.demo.api_keys import DemoKey, demo_api_example, demo_api_keys
from xinyong.demo.county import (
    DEMO_PASSWORD,
    DEPARTMENTS,
    FORM_OFFICERS,
    REGION,
    STAFF,
    UPLOADS,
)
from xinyong.demo.decisions import HISTORY_YEARS, ITEM_NAMES, add_years
from xinyong.demo.dueprocess import (
    DueProcessSummary,
    demo_dueprocess,
    demo_dueprocess_played,
    demo_dueprocess_summary,
)
from xinyong.demo.generate import PENDING_DIR, DemoPlan, generate_county
from xinyong.demo.jrp_checks import demo_jrp_checks
from xinyong.demo.jrp_measures import demo_jrp_measures
from xinyong.demo.listings import demo_listings
from xinyong.demo.lists import demo_lists
from xinyong.demo.other_items import demo_other_items
from xinyong.demo.subject_account import DemoSubjectAccount, demo_subject_account
from xinyong.records.models import CreditRecord
from xinyong.records.normalize import normalize_document_number
from xinyong.records.services import record_change_status
from xinyong.subjects.models import Subject
from xinyong.workdays.selectors import work_calendar_load
from xinyong.workdays.services import calendar_seed

__all__ = ["DEMO_PASSWORD", "DemoReport", "demo_build", "demo_directory"]

# Items the departments send; their catalog versions must be in force over the whole history.
ITEMS = tuple(ITEM_NAMES)


@dataclass
class DepartmentLoad:
    """What one department's files gave."""

    files: int = 0
    rows: int = 0
    created: int = 0
    new_version: int = 0
    duplicate: int = 0
    rejected: int = 0

    @property
    def accepted(self) -> int:
        return self.created + self.new_version


@dataclass
class DemoReport:
    departments: int = 0  # created by this run
    users: list[str] = field(default_factory=list)  # platform staff: "username（role，department）"
    officers: list[tuple[str, str]] = field(default_factory=list)  # (username, department short name)
    api_keys: list[DemoKey] = field(default_factory=list)  # one per use the README shows
    api_example: Path | None = None  # body of the README's collection API example
    subject_account: DemoSubjectAccount | None = None  # the portal login of a listed organisation (/my/)
    built: bool = False  # False: the county was already there and nothing was generated
    subjects: int = 0
    batches: int = 0
    outcomes: dict[str, int] = field(
        default_factory=dict
    )  # rows_read, created, new_version, duplicate, rejected
    loads: dict[str, DepartmentLoad] = field(default_factory=dict)  # department name → its files' outcome
    revoked: int = 0
    other_items: int = 0  # list entries, honours and commitments entered in the console form
    on_time: float | None = None  # share of 双公示 records received within their deadline
    directory: Path | None = None
    error_batch: Batch | None = None
    rejection_file: Path | None = None
    pending_file: Path | None = None
    dueprocess: DueProcessSummary | None = None  # objections, repair applications, the demo subject account
    seconds: float = 0.0

    @property
    def api_key(self) -> str:
        """The read key (market regulator, ``records:read subjects:read``)."""
        return next(k.key for k in self.api_keys if k.use.use == "read")


class DemoError(RuntimeError):
    """The demo's own data did not load as planned (a defect of the demo, not of the user's input)."""


def _departments(report: DemoReport) -> dict[str, Department]:
    existing = {d.code: d for d in Department.objects.all()}
    rng = random.Random("departments")
    for code, name, parent in DEPARTMENTS:
        if code not in existing:
            existing[code] = department_create(
                code=code,
                name=name,
                uscc=generate_uscc(rng, category="11", division=REGION),
                region_code=REGION,
                parent=existing.get(parent) if parent else None,
            )
            report.departments += 1
    return existing


def _users(departments: dict[str, Department], report: DemoReport) -> dict[str, User]:
    """Platform staff and a data officer “<code>_data” for every department that sends records."""
    shorts = {code: upload.short for code, upload in UPLOADS.items()} | FORM_OFFICERS
    officers = [(f"{code}_data", Role.DATA_OFFICER, code, f"{short}报送员") for code, short in shorts.items()]
    accounts = [*STAFF, *officers]
    existing = set(
        User.objects.filter(username__in=[a[0] for a in accounts]).values_list("username", flat=True)
    )
    created = []
    for username, role, dept, display in accounts:
        if username not in existing:
            user_create(username=username, role=role, department=departments[dept], first_name=display)
            created.append(username)
    if created:
        # One hash for all: password hashing is slow by design and the demo accounts share their password.
        User.objects.filter(username__in=created).update(password=make_password(DEMO_PASSWORD))
    for username, role, dept, _ in STAFF:
        report.users.append(f"{username}（{Role(role).label}，{departments[dept].name}）")
    report.officers = [(username, shorts[dept]) for username, _, dept, _ in officers]
    by_name = {u.username: u for u in User.objects.filter(username__in=[o[0] for o in officers])}
    return {dept: by_name[username] for username, _, dept, _ in officers}


#: Folder of ``var/demo`` holding a readable copy of the demo's rejection file.
REJECTIONS_DIR = "退回文件"


def demo_directory() -> Path:
    """Where the demo writes the departments' files: ``var/demo``, next to the uploads in ``var/media``."""
    return Path(settings.MEDIA_ROOT).parent / "demo"


def _catalog(*, as_of: dt.date, history_start: dt.date) -> None:
    # A catalog loaded by the demo is in force over the whole history, so that older files are checked
    # against it; one already loaded keeps its dates (batches then use the first day it is in force).
    fresh = not CatalogItemVersion.objects.filter(item__code__in=ITEMS).exists()
    catalog_load_fixtures(as_of=history_start - dt.timedelta(days=60) if fresh else as_of)


def _load(
    plan: DemoPlan,
    departments: dict[str, Department],
    officers: dict[str, User],
    report: DemoReport,
    say: Callable[[str], None],
) -> None:
    """Upload, map and process every file as its department's data officer, in the order they were received."""
    in_force = {
        item: CatalogItemVersion.objects.filter(item__code=item).order_by("valid_from")[0].valid_from
        for item in ITEMS
    }
    total = len(plan.files)
    step = max(1, total // 10)
    rows = 0
    for index, demo_file in enumerate(plan.files, 1):
        department, officer = departments[demo_file.department], officers[demo_file.department]
        received = timezone.localdate(demo_file.received_at)
        batch = batch_create_from_file(
            department=department,
            item_code=demo_file.item,
            actor=officer,
            path=demo_file.path,
            channel=BatchChannel.FILE,
            as_of=max(received, in_force[demo_file.item]),
            received_at=demo_file.received_at,
        )
        if batch.status != BatchStatus.UPLOADED:
            raise DemoError(
                f"{demo_file.path.name}: {batch.error_code or batch.status} {batch.error_message}"
            )
        batch = batch_confirm_mapping(batch=batch, mapping=dict(batch.mapping), actor=officer)
        batch = batch_process(batch_id=batch.pk)
        if batch.status != BatchStatus.DONE:
            raise DemoError(f"{demo_file.path.name}: {batch.error_code} {batch.error_message}")
        rows += batch.rows_read
        if demo_file.purpose == "errors":
            report.error_batch = batch
            # A readable copy next to the department's files (the platform's own copy is encrypted).
            report.rejection_file = batch_rejection_file_export(
                batch=batch,
                actor=officer,
                dest=demo_directory()
                / REJECTIONS_DIR
                / rejection_filename(batch.original_filename, format=batch.format or "csv"),
            )
        if index % step == 0 or index == total:
            say(f"  已上传并处理 {index}/{total} 个文件，{rows:,} 行（接收日期至 {received}）")


def _revoke(
    plan: DemoPlan, departments: dict[str, Department], officers: dict[str, User], report: DemoReport
) -> None:
    """Revoke or withdraw the decisions the plan says were later overturned, as the departments would."""
    for revocation in plan.revocations:
        record = CreditRecord.objects.get(
            item__code=revocation.item,
            department=departments[revocation.department],
            document_number_key=normalize_document_number(revocation.document_number),
        )
        record_change_status(
            record=record,
            status=revocation.status,
            actor=officers[revocation.department],
            reason=revocation.reason,
            as_of=revocation.on,
        )
        report.revoked += 1


def _summarise(report: DemoReport, batches: QuerySet[Batch]) -> None:
    """Counts of the demo's batches (per department too), records and subjects, from the database."""
    sums = ("rows_read", "created", "new_version", "duplicate", "rejected")
    totals = batches.aggregate(n=Count("id"), **{key: Sum(key) for key in sums})
    report.batches = totals.pop("n")
    report.outcomes = {key: value or 0 for key, value in totals.items()}
    per_department = (
        batches.values("department__name")
        .annotate(files=Count("id"), **{key: Sum(key) for key in sums})
        .order_by("department__code")
    )
    for row in per_department:
        report.loads[row["department__name"]] = DepartmentLoad(
            files=row["files"],
            rows=row["rows_read"] or 0,
            created=row["created"] or 0,
            new_version=row["new_version"] or 0,
            duplicate=row["duplicate"] or 0,
            rejected=row["rejected"] or 0,
        )
    timed = CreditRecord.objects.filter(is_late__isnull=False).aggregate(
        n=Count("id"), late=Count("id", filter=Q(is_late=True))
    )
    report.on_time = 1 - timed["late"] / timed["n"] if timed["n"] else None
    report.subjects = Subject.objects.count()
    if report.error_batch is None:
        report.error_batch = batches.filter(rejected__gt=0).order_by("-received_at").first()


def demo_build(
    *,
    seed: int = 2026,
    subjects: int = 10_000,
    as_of: dt.date,
    directory: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> DemoReport:
    """Build the demo county, or find it built; deterministic for a seed, idempotent across runs."""
    started = time.monotonic()
    say = progress or (lambda line: None)
    report = DemoReport(directory=Path(directory) if directory else demo_directory())
    history_start = add_years(as_of, -HISTORY_YEARS)
    calendar_seed()
    _catalog(as_of=as_of, history_start=history_start)
    demo_lists(as_of=as_of, say=say)
    with transaction.atomic():
        departments = _departments(report)
        officers = _users(departments, report)
        report.api_keys = demo_api_keys(departments=departments, now=timezone.now())
    demo_jrp_measures(departments=departments, as_of=as_of)
    report.api_example = demo_api_example(
        directory=report.directory, authority=departments["samr"], as_of=as_of
    )
    demo_acceptance_setup(departments=departments, now=timezone.now())
    demo_batches = Batch.objects.filter(uploaded_by__in=list(officers.values()), channel=BatchChannel.FILE)
    pending_dir = report.directory / PENDING_DIR
    if demo_batches.exists():
        report.subject_account = demo_subject_account()
        _summarise(report, demo_batches)
        if not demo_dueprocess_played():  # a county built before due process was part of the demo
            say("异议申请和信用修复申请（按办理日期逐步办理）：")
            demo_dueprocess(
                seed=seed, as_of=as_of, officers=officers, say=say, account=report.subject_account
            )
        report.dueprocess = demo_dueprocess_summary(as_of=as_of, account=report.subject_account)
        report.pending_file = (
            next(iter(sorted(pending_dir.glob("*.*"))), None) if pending_dir.is_dir() else None
        )
        report.seconds = time.monotonic() - started
        return report

    say(f"正在生成演示数据：主体 {subjects:,} 个，{HISTORY_YEARS} 年的行政许可和行政处罚（随机种子 {seed}）…")
    for name in (*UPLOADS, PENDING_DIR, REJECTIONS_DIR):  # files of an earlier build with other settings
        shutil.rmtree(report.directory / name, ignore_errors=True)
    plan = generate_county(
        seed=seed,
        subjects=subjects,
        as_of=as_of,
        departments={code: (d.name, d.uscc) for code, d in departments.items()},
        schemas={
            item: catalog_version_schema(version=catalog_item_current_version(code=item, on=as_of))
            for item in ITEMS
        },
        calendar=work_calendar_load(first=history_start - dt.timedelta(days=120), last=as_of),
        directory=report.directory,
    )
    say(
        f"已生成 {len(plan.files)} 个部门报送文件（{time.monotonic() - started:.0f} 秒），"
        "以各部门数据报送员身份逐个上传、确认列映射并入库："
    )
    with transaction.atomic():
        _load(plan, departments, officers, report, say)
        _revoke(plan, departments, officers, report)
        say("各部门在线填报严重失信主体名单、经营异常名录、荣誉和信用承诺：")
        report.other_items = demo_other_items(
            seed=seed,
            as_of=as_of,
            departments=departments,
            officers=officers,
            say=say,
            scale=subjects / 10_000,
        )
        demo_listings(as_of=as_of, say=say)
    demo_jrp_checks(seed=seed, as_of=as_of, departments=departments, officers=officers, say=say)
    report.subject_account = demo_subject_account()
    say("异议申请和信用修复申请（按办理日期逐步办理）：")
    report.dueprocess = demo_dueprocess(
        seed=seed, as_of=as_of, officers=officers, say=say, account=report.subject_account
    )
    _summarise(report, demo_batches)
    report.built = True
    report.pending_file = plan.pending.path if plan.pending else None
    report.seconds = time.monotonic() - started
    return report
