"""The demo county: built through the collection channel, counts that add up, idempotent, deterministic."""

import datetime as dt
import hashlib
import io
import random
import re

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.test import Client
from stdnum.iso7064 import mod_11_10

from xinyong.accounts.models import ApiClient, Department, User
from xinyong.accounts.services import apiclient_authenticate
from xinyong.catalog.selectors import catalog_item_current_version, catalog_version_schema
from xinyong.catalog.services import catalog_load_fixtures
from xinyong.collection.models import Batch, BatchChannel, BatchStatus
from xinyong.collection.readers import open_table
from xinyong.core.codes import SubjectKind
from xinyong.core.identifiers import USCC_NO_CODE, check_ric, check_uscc
from xinyong.demo.county import FORM_OFFICERS, UPLOADS
from xinyong.demo.generate import PENDING_DIR, generate_county
from xinyong.demo.people import demo_subjects
from xinyong.demo.services import REJECTIONS_DIR, DemoReport, _departments, demo_build
from xinyong.dueprocess.cases.models import CaseEvent
from xinyong.dueprocess.commitments.models import Commitment, CommitmentKind, CommitmentState
from xinyong.dueprocess.objections.models import (
    OPEN_OBJECTION_STATES,
    Objection,
    ObjectionOutcome,
    ObjectionState,
)
from xinyong.dueprocess.repairs.models import OPEN_REPAIR_STATES, RepairApplication, RepairState
from xinyong.dueprocess.subject_accounts.models import SubjectAccount, SubjectLink
from xinyong.lists.models import OPEN_STATES, ListEntry
from xinyong.records.models import CreditRecord, RecordStatus
from xinyong.records.selectors import records_visible_to
from xinyong.reports.models import CreditReport, ReportKind
from xinyong.subjects.models import Subject
from xinyong.workdays.selectors import work_calendar_load
from xinyong.workdays.services import calendar_seed

AS_OF = dt.date(2026, 6, 15)

pytestmark = pytest.mark.django_db


@pytest.fixture
def home(settings, tmp_path):
    """Uploads and the demo's files in a temporary var/; fast password hashing."""
    settings.MEDIA_ROOT = tmp_path / "var" / "media"
    settings.DUEPROCESS_EVIDENCE_DIR = tmp_path / "var" / "evidence"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return tmp_path / "var"


def test_small_demo_loads_department_files_as_batches(home):
    report = demo_build(seed=7, subjects=200, as_of=AS_OF)

    assert report.built
    assert Department.objects.count() >= 20
    assert set(User.objects.values_list("role", flat=True)) == {
        "operator",
        "data_officer",
        "reviewer",
        "window_clerk",
        "auditor",
    }
    officers = {u.department.code: u for u in User.objects.filter(role="data_officer")}
    assert set(officers) == set(UPLOADS) | set(FORM_OFFICERS)
    assert apiclient_authenticate(key=report.api_key).department.code == "samr"

    # Every subject asked for, of every kind, with valid identifiers.
    assert report.subjects == Subject.objects.count() == 200
    kinds = set(Subject.objects.values_list("kind", flat=True))
    assert kinds == set(SubjectKind.values)
    categories = {u[:2] for u in Subject.objects.exclude(uscc=None).values_list("uscc", flat=True)}
    assert {"91", "92"} <= categories and categories & {"51", "52", "53"}

    # Each file came through the collection channel as its department's data officer.
    batches = list(
        Batch.objects.filter(channel=BatchChannel.FILE).select_related("department", "uploaded_by")
    )
    assert len(batches) == report.batches >= 20
    for batch in batches:
        assert batch.status == BatchStatus.DONE
        assert batch.channel == BatchChannel.FILE
        assert batch.uploaded_by == officers[batch.department.code]
        assert batch.rows_read == batch.created + batch.new_version + batch.duplicate + batch.rejected > 0
        assert batch.received_at.date() <= AS_OF
    assert {b.format for b in batches} == {"csv", "xlsx"}
    assert {b.encoding for b in batches} >= {"gb18030", "utf-8", "utf-8-sig"}
    assert min(b.received_at.date() for b in batches) < AS_OF - dt.timedelta(days=365)

    # The counts add up to what the registry holds.
    outcomes = report.outcomes
    assert outcomes["rows_read"] == sum(b.rows_read for b in batches)
    assert outcomes["rows_read"] == sum(
        outcomes[k] for k in ("created", "new_version", "duplicate", "rejected")
    )
    assert CreditRecord.objects.filter(item__code__in=("license", "penalty")).count() == outcomes["created"]
    assert outcomes["new_version"] >= 1 and outcomes["duplicate"] >= 1
    assert sum(load.rows for load in report.loads.values()) == outcomes["rows_read"]

    # Decisions over the three years before as_of; most were received within 7 working days.
    dates = CreditRecord.objects.values_list("decision_date", flat=True)
    assert AS_OF - dt.timedelta(days=3 * 366) <= min(dates) and max(dates) <= AS_OF
    late = CreditRecord.objects.filter(is_late=True).count()
    assert 0 < late < CreditRecord.objects.filter(is_late=False).count()
    assert 0.5 < report.on_time < 1

    # A few decisions were revoked or withdrawn afterwards (one more withdrawn on an objection, below).
    overturned = CreditRecord.objects.filter(status__in=(RecordStatus.REVOKED, RecordStatus.WITHDRAWN))
    on_objection = Objection.objects.filter(outcome=ObjectionOutcome.WITHDRAWN).count()
    assert overturned.count() == report.revoked + on_objection and report.revoked >= 2
    assert set(overturned.values_list("item__code", flat=True)) == {"license", "penalty"}

    # Lists, honours and commitments were entered one by one in the console form by their departments.
    entered = (
        CreditRecord.objects.exclude(item__code__in=("license", "penalty"))
        .exclude(
            pk__in=Commitment.objects.values("record")  # commitments signed on the platform (below)
        )
        .exclude(pk__in=Commitment.objects.exclude(broken_record=None).values("broken_record"))
    )
    assert entered.count() == report.other_items >= 8
    assert set(entered.values_list("item__code", flat=True)) == {
        "serious_dishonesty",
        "abnormal_operations",
        "honour",
        "commitment",
    }
    forms = Batch.objects.filter(channel=BatchChannel.FORM)
    assert forms.count() == report.other_items
    assert all(b.status == BatchStatus.DONE and b.uploaded_by.department == b.department for b in forms)
    assert entered.filter(subject_kind=SubjectKind.NATURAL_PERSON).exists()

    # One batch shows the rejection flow: typical mistakes, each explained, and a rejection file.
    rejected = [b for b in batches if b.rejected]
    assert rejected == [report.error_batch]
    batch = report.error_batch
    assert batch.department.code == "urban-management" and batch.encoding == "gb18030"
    assert set(batch.errors) >= {
        "uscc_check_digit",
        "excel_truncated",
        "date_invalid",
        "required_missing",
        "amount_unit_yuan",
    }
    with open_table(report.rejection_file) as table:
        assert table.encoding == "gb18030"
        assert "错误说明" in table.headers
        assert sum(1 for _ in table.rows()) == batch.rejected

    # Another file with mistakes waits for the user; it is not loaded.
    pending = report.pending_file
    assert pending.parent == home / "demo" / PENDING_DIR and pending.suffix == ".xlsx"
    assert not Batch.objects.filter(file_sha256=hashlib.sha256(pending.read_bytes()).hexdigest()).exists()
    # The departments' files, the pending one, the API example's body and a readable copy of the rejection
    # file (stored encrypted).
    assert report.api_example == home / "demo" / "api" / "penalty.json"
    assert report.rejection_file.parent == home / "demo" / REJECTIONS_DIR
    assert len(list((home / "demo").glob("*/*.*"))) == len(batches) + 3

    # A subject account on the portal (我的信用), linked to a listed organisation with records of its own.
    account = report.subject_account
    assert account is not None and account.subject.kind == SubjectKind.ORGANISATION
    assert ListEntry.objects.filter(subject=account.subject, state__in=OPEN_STATES).exists()
    assert CreditRecord.objects.filter(subject=account.subject).exists()
    assert account.list_name
    portal = Client()
    signed_in = portal.post("/my/login/", {"login_name": account.login_name, "password": account.password})
    assert signed_in.status_code == 302
    archive = portal.get(f"/my/subjects/{account.subject.pk}/")
    assert archive.status_code == 200 and account.subject.name in archive.content.decode()

    # Due process: objections and repair applications in every state, played through the services.
    _assert_due_process(report)

    # Built once: a second run (whatever its settings) adds nothing and issues a fresh key.
    counts = (Batch.objects.count(), CreditRecord.objects.count(), Subject.objects.count())
    accounts, links = SubjectAccount.objects.count(), SubjectLink.objects.count()
    again = demo_build(seed=8, subjects=300, as_of=AS_OF + dt.timedelta(days=3))
    assert not again.built
    assert (Batch.objects.count(), CreditRecord.objects.count(), Subject.objects.count()) == counts
    assert again.outcomes == outcomes and again.error_batch == batch and again.pending_file == pending
    # The same cases; three days later more of the open ones are past their deadline.
    assert again.dueprocess.objections_closed == report.dueprocess.objections_closed
    assert again.dueprocess.repairs_open == report.dueprocess.repairs_open
    assert again.subject_account.subject == account.subject
    assert SubjectAccount.objects.count() == accounts and SubjectLink.objects.count() == links
    # One key per use and one for the demo acceptance system (docs/check-channels.md), reissued.
    assert ApiClient.objects.filter(revoked_at__isnull=True).count() == 4
    assert apiclient_authenticate(key=again.api_key)
    with pytest.raises(Exception):  # noqa: B017 - the accounts error type is covered by its own tests
        apiclient_authenticate(key=report.api_key)


def _assert_due_process(report: DemoReport) -> None:
    states = dict(Objection.objects.values_list("state").annotate(n=Count("id")))
    assert states.get(ObjectionState.MARKED, 0) >= 2
    assert states.get(ObjectionState.ACCEPTED, 0) >= 1
    assert states.get(ObjectionState.FORWARDED, 0) >= 2
    closed = Objection.objects.filter(state=ObjectionState.CLOSED)
    outcomes = dict(closed.values_list("outcome").annotate(n=Count("id")))
    assert outcomes.get(ObjectionOutcome.MAINTAINED, 0) >= 1
    assert outcomes.get(ObjectionOutcome.WITHDRAWN, 0) >= 1
    assert outcomes.get(ObjectionOutcome.UNDETERMINED, 0) >= 1
    assert all(o.reasons for o in closed)
    # Every closed objection has its 异议处理决定告知书; the open ones past their deadline were escalated.
    notices = CreditReport.objects.filter(kind=ReportKind.OBJECTION_DECISION)
    assert notices.count() == closed.count() >= 4
    overdue = Objection.objects.filter(state__in=OPEN_OBJECTION_STATES, due_on__lt=AS_OF)
    assert overdue.count() >= 2 and all(o.escalated_on == AS_OF for o in overdue)
    # Each case's history is dated in the past, never after as_of.
    assert CaseEvent.objects.filter(on_date__gt=AS_OF).count() == 0
    withdrawn = closed.get(outcome=ObjectionOutcome.WITHDRAWN).record
    assert withdrawn.status == RecordStatus.WITHDRAWN and not withdrawn.disputed
    assert all(o.record.disputed for o in Objection.objects.filter(state__in=OPEN_OBJECTION_STATES))

    repairs = dict(RepairApplication.objects.values_list("state").annotate(n=Count("id")))
    assert repairs.get(RepairState.SUBMITTED, 0) >= 2
    assert repairs.get(RepairState.ACCEPTED, 0) >= 2
    assert repairs.get(RepairState.APPROVED, 0) >= 1
    assert repairs.get(RepairState.REJECTED, 0) >= 1
    open_repairs = RepairApplication.objects.filter(state__in=OPEN_REPAIR_STATES)
    assert open_repairs.filter(extended=True).count() == 1
    assert open_repairs.filter(due_on__lt=AS_OF, escalated_on=AS_OF).exists()
    assert all(a.reasons for a in RepairApplication.objects.filter(state=RepairState.REJECTED))
    approved = RepairApplication.objects.filter(state=RepairState.APPROVED)
    assert all(a.record.status == RecordStatus.REPAIRED for a in approved)
    assert not records_visible_to(principal=None, as_of=AS_OF).filter(pk__in=[a.record_id for a in approved])
    assert CreditReport.objects.filter(kind=ReportKind.REPAIR_NOTICE).count() == 1

    # Commitments accepted at the approval department's window and followed up; the broken one has its
    # 违背信用承诺 record, the one past its date was flagged.
    commitments = Commitment.objects.exclude(kind=CommitmentKind.REPAIR)
    by_state = dict(commitments.values_list("state").annotate(n=Count("id")).order_by())
    assert by_state.get(CommitmentState.FULFILLED, 0) >= 2
    assert by_state.get(CommitmentState.BROKEN, 0) >= 1
    assert by_state.get(CommitmentState.IN_PROGRESS, 0) >= 2
    assert all(c.broken_record is not None for c in commitments.filter(state=CommitmentState.BROKEN))
    late = commitments.get(state=CommitmentState.IN_PROGRESS, fulfilment_due__lt=AS_OF)
    assert CaseEvent.objects.filter(case_kind="commitment", case_id=late.pk, on_date=AS_OF).exists()
    assert all(c.record is not None for c in commitments)

    # The demo subject account files its own objections and applies for repair: 我的信用 shows them.
    demo = report.subject_account
    account = SubjectAccount.objects.get(login_name=demo.login_name)
    own = Objection.objects.filter(subject=demo.subject, account=account)
    assert {o.state for o in own} == {ObjectionState.MARKED, ObjectionState.CLOSED}
    assert RepairApplication.objects.filter(subject=demo.subject, account=account).exists()
    assert Commitment.objects.filter(subject=demo.subject, account=account, kind="voluntary").exists()
    summary = report.dueprocess
    assert (
        summary.account_cases
        == (
            Objection.objects.filter(subject=demo.subject).count()
            + RepairApplication.objects.filter(subject=demo.subject).count()
        )
        >= 2
    )
    assert summary.objections_open == Objection.objects.filter(state__in=OPEN_OBJECTION_STATES).count()
    assert summary.objections_closed == closed.count()
    # Every other applicant has an account of its own, linked to its subject only.
    applicants = RepairApplication.objects.exclude(account=account)
    assert all(a.account.links.get().subject_id == a.subject_id for a in applicants)


def _generate(directory, seed, subjects=60):
    departments = {code: (d.name, d.uscc) for code, d in _departments(DemoReport()).items()}
    schemas = {
        item: catalog_version_schema(version=catalog_item_current_version(code=item, on=AS_OF))
        for item in ("license", "penalty")
    }
    plan = generate_county(
        seed=seed,
        subjects=subjects,
        as_of=AS_OF,
        departments=departments,
        schemas=schemas,
        calendar=work_calendar_load(first=AS_OF - dt.timedelta(days=4 * 365), last=AS_OF),
        directory=directory,
    )
    digests = {
        str(path.relative_to(directory)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.rglob("*.*"))
    }
    return plan, digests


def test_generation_is_deterministic_for_a_seed(tmp_path):
    calendar_seed()
    catalog_load_fixtures(as_of=AS_OF - dt.timedelta(days=4 * 365))
    first, files = _generate(tmp_path / "a", seed=11)
    second, same = _generate(tmp_path / "b", seed=11)
    other, different = _generate(tmp_path / "c", seed=12)
    assert files == same  # byte for byte, XLSX included
    assert first.subjects == second.subjects and first.revocations == second.revocations
    assert other.subjects != first.subjects and different != files
    assert {f.path.suffix for f in first.files} == {".csv", ".xlsx"}


def test_demo_subjects_have_valid_distinct_identifiers():
    subjects = demo_subjects(rng=random.Random(3), count=400)
    assert len({s.uscc or s.ric for s in subjects if s.uscc != USCC_NO_CODE}) == len(
        [s for s in subjects if s.uscc != USCC_NO_CODE]
    )
    organisations = [s for s in subjects if s.kind == SubjectKind.ORGANISATION]
    assert len({s.name for s in organisations}) == len(organisations)
    no_code = [s for s in subjects if s.uscc == USCC_NO_CODE]
    assert no_code and all(s.kind == SubjectKind.INDIVIDUAL_BUSINESS for s in no_code)
    for subject in subjects:
        if subject.kind == SubjectKind.NATURAL_PERSON:
            assert check_ric(subject.ric, as_of=AS_OF).ok
        elif subject.uscc == USCC_NO_CODE:
            assert len(subject.reg_no) == 15 and mod_11_10.is_valid(subject.reg_no)
        else:
            assert check_uscc(subject.uscc, subject_kind=subject.kind).warnings == []
    assert {s.uscc[:2] for s in organisations} >= {"91", "93", "51", "52"}


def test_demo_command_refuses_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(Exception, match="生产环境"):
        call_command("demo", "--subjects", "1")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--subjects", "0"], "[number_invalid]"),
        (["--subjects", "很多"], "[number_invalid]"),
        (["--as-of", "2026/13/01"], "[date_invalid]"),
    ],
)
def test_demo_command_bad_values(args, words):
    with pytest.raises(CommandError, match=re.escape(words)):
        call_command("demo", *args)
    assert not Subject.objects.exists()


def test_demo_command_prints_where_to_look(home, monkeypatch):
    monkeypatch.delenv("XINYONG_ADDR", raising=False)
    out = io.StringIO()
    call_command("demo", "--subjects", "40", "--as-of", "2026-06-15", stdout=out)
    text = out.getvalue()
    for words in (
        "已上传并处理",
        "各部门报送情况",
        "退回文件",
        f"{PENDING_DIR}",
        "samr_data",
        "urban-management_data",
        "Xinyong@Demo2026",
        "http://127.0.0.1:8000/console/",
        "http://127.0.0.1:8000/admin/",
        "http://127.0.0.1:8000/    ",
        "接口密钥",
        "异议申请：办理中",
        "信用修复申请：办理中",
        "信用承诺：",
        "信用主体用户",
        "qiye@shifanxian.example",
        "http://127.0.0.1:8000/my/",
    ):
        assert words in text
    out = io.StringIO()
    monkeypatch.setenv("XINYONG_ADDR", "0.0.0.0:9001")  # where scripts/demo.sh will serve it
    call_command("demo", stdout=out)
    assert "此前已建成" in out.getvalue() and "已上传并处理" not in out.getvalue()
    assert "http://0.0.0.0:9001/console/" in out.getvalue() and "8000" not in out.getvalue()
