"""Due process in the demo county: objections (异议), credit repair applications (信用修复) and commitments
(信用承诺) played for the weeks before ``as_of``, so the console's queues, the case histories, the notices and the subject's own pages
(我的信用) have something real to show (docs/objections.md, docs/credit-repair.md).

Everything goes through the services, each step on its own past working day:

- objections: open ones (marked, accepted, forwarded to the source department; two past their deadline and
  escalated) and decided ones (maintained, withdrawn, undetermined, one refused), each closed with its
  异议处理决定告知书;
- repair applications: open ones (submitted, accepted, one past its deadline, one with its deadline
  extended) and decided ones (approved — the record leaves the public pages — rejected, refused), and one
  信用修复告知书 served with the county's latest penalty;
- commitments (信用承诺) accepted at the approval department's window (告知承诺, 容缺受理) and followed up:
  fulfilled, broken (a 违背信用承诺 record follows), in progress, one past its date;
- subject accounts (主体用户): the demo's account (:mod:`xinyong.demo.subject_account`) objects to its
  organisation's records, signs a commitment online and applies for repair, so its 我的信用 pages show cases; every other applicant for
  repair registers an account of its own.

Deterministic for a seed: the records are drawn with their own ``random.Random``.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from xinyong.accounts.models import Role, User
from xinyong.core.codes import Polarity, SubjectKind
from xinyong.core.identifiers import USCC_NO_CODE
from xinyong.demo.county import DEMO_PASSWORD, STAFF
from xinyong.demo.subject_account import DemoSubjectAccount
from xinyong.dueprocess.commitments.models import Commitment, CommitmentState, CommitmentTemplate
from xinyong.dueprocess.commitments.services import (
    commitment_accept_with_missing_documents,
    commitment_break,
    commitment_fulfil,
    commitment_sign_from_template,
    commitment_templates_load,
    commitments_overdue_flag,
)
from xinyong.dueprocess.objections.models import (
    OPEN_OBJECTION_STATES,
    Objection,
    ObjectionOutcome,
    ObjectionState,
)
from xinyong.dueprocess.objections.services import (
    objection_accept,
    objection_decide,
    objection_file,
    objection_forward,
    objection_notify,
    objection_refuse,
    objections_escalate_overdue,
)
from xinyong.dueprocess.profiles.services import profiles_load
from xinyong.dueprocess.repairs.eligibility import record_eligibility
from xinyong.dueprocess.repairs.models import OPEN_REPAIR_STATES, RepairApplication, RepairState
from xinyong.dueprocess.repairs.services import (
    repair_accept,
    repair_apply,
    repair_approve,
    repair_extend,
    repair_notice_issue,
    repair_refuse,
    repair_reject,
    repairs_escalate_overdue,
)
from xinyong.dueprocess.subject_accounts.models import SubjectAccount
from xinyong.dueprocess.subject_accounts.services import (
    account_register,
    link_code_issue,
    subject_link_create,
)
from xinyong.records.models import CreditRecord, RecordStatus
from xinyong.reports.models import CreditReport, ReportKind
from xinyong.subjects.models import Subject
from xinyong.workdays.selectors import working_days_add

ACCOUNT_NAMES = ("王敏", "李强", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "周婷")
# Evidence files: a minimal PDF (the evidence store checks the type by its first bytes).
EVIDENCE_PDF = b"%PDF-1.4\n% demo evidence\n" + b"0" * 256 + b"\n%%EOF\n"
OBJECTIONS = 9
REPAIRS = 7
# Records are drawn from those received at least this long before as_of (every filing is later).
RECEIVED_BEFORE_DAYS = 90


@dataclass(frozen=True)
class DueProcessSummary:
    """What the demo's due-process cases look like in the database (for the demo command's summary)."""

    objections_open: int
    objections_overdue: int
    objections_closed: int
    repairs_open: int
    repairs_approved: int
    repairs_rejected: int
    notices: int
    commitments: dict[str, int]  # state → count of commitments signed on the platform
    account_cases: int  # objections and repair applications of the demo subject account's subject

    @property
    def commitments_text(self) -> str:
        """信用承诺 by state, in words."""
        counts = "，".join(
            f"{CommitmentState(state).label} {n} 件" for state, n in self.commitments.items() if n
        )
        return f"信用承诺：{counts or '无'}"


def _day(as_of: dt.date, n: int) -> dt.date:
    """The ``n``-th working day before ``as_of``."""
    return working_days_add(start=as_of, days=-n).date


def _moment(day: dt.date) -> dt.datetime:
    """Nine in the morning of ``day`` (when accounts register and links are made)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9)))


def _evidence(name: str) -> list[tuple[str, io.BytesIO]]:
    return [(name, io.BytesIO(EVIDENCE_PDF))]


def _operator() -> User:
    username = next(username for username, role, _, _ in STAFF if role == Role.OPERATOR)
    return User.objects.get(username=username)


def _candidates(*, rng: random.Random, as_of: dt.date, cutoff: dt.datetime) -> list[CreditRecord]:
    """Public penalties of enterprises with a code, in force, received well before as_of; shuffled."""
    records = list(
        CreditRecord.objects.filter(
            item__code="penalty",
            status=RecordStatus.EFFECTIVE,
            polarity=Polarity.NEGATIVE,
            publishable=True,
            disputed=False,
            subject_kind=SubjectKind.ORGANISATION,
            current_version__received_at__lt=cutoff,
        )
        .filter(Q(publish_until__isnull=True) | Q(publish_until__gt=as_of))
        .exclude(subject__uscc__isnull=True)
        .exclude(subject__uscc__in=("", USCC_NO_CODE))
        .select_related("subject", "department", "item")
        .order_by("pk")
    )
    rng.shuffle(records)
    return records


@dataclass
class _Plan:
    showcase_repair: CreditRecord | None  # the demo account's subject: a record it applies to repair
    showcase_objections: list[CreditRecord]  # and the records it objects to
    repairs: list[CreditRecord]
    objections: list[CreditRecord]
    commitment_subjects: list[Subject]


def _plan(
    *,
    records: list[CreditRecord],
    first_filing: dt.date,
    cutoff: dt.datetime,
    as_of: dt.date,
    showcase_subject: Subject | None,
) -> _Plan:
    """Which records get which case: repairs need records open to repair on the earliest filing day; the
    demo account's subject gets a repair application and two objections of its own when its records allow."""
    showcase_repair, showcase_objections = None, []
    if showcase_subject is not None:
        own = list(
            _objectable(cutoff, as_of)
            .filter(subject=showcase_subject)
            .select_related("subject", "department", "item")
            .order_by("-decision_date", "pk")
        )
        showcase_repair = next(
            (r for r in own if r.polarity == Polarity.NEGATIVE and _repairable(r, first_filing)), None
        )
        showcase_objections = [r for r in own if r is not showcase_repair][:2]
    eligible: list[CreditRecord] = []
    for record in records:
        if record.subject_id == getattr(showcase_subject, "pk", None):
            continue
        if _repairable(record, first_filing):
            eligible.append(record)
            if len(eligible) >= REPAIRS:
                break
    used = {r.pk for r in eligible}
    objections = [
        r for r in records if r.pk not in used and r.subject_id != getattr(showcase_subject, "pk", None)
    ][:OBJECTIONS]
    taken = {r.subject_id for r in [*eligible, *objections]} | {getattr(showcase_subject, "pk", None)}
    commitment_subjects: list[Subject] = []
    for record in records:
        if record.subject_id not in taken:
            taken.add(record.subject_id)
            commitment_subjects.append(record.subject)
            if len(commitment_subjects) >= COMMITMENTS:
                break
    return _Plan(
        showcase_repair=showcase_repair,
        showcase_objections=showcase_objections,
        repairs=eligible,
        objections=objections,
        commitment_subjects=commitment_subjects,
    )


def _repairable(record: CreditRecord, on: dt.date) -> bool:
    return record_eligibility(record=record, as_of=on).eligible


def _objectable(cutoff: dt.datetime, as_of: dt.date):
    """Public records in force on ``as_of``, not disputed, received before ``cutoff``."""
    return CreditRecord.objects.filter(
        Q(publish_until__isnull=True) | Q(publish_until__gt=as_of),
        status=RecordStatus.EFFECTIVE,
        publishable=True,
        disputed=False,
        current_version__received_at__lt=cutoff,
    )


class _Accounts:
    """Subject accounts registered and linked as the subjects would: a code from the platform, then the link."""

    def __init__(self, operator: User, demo: SubjectAccount | None) -> None:
        self.operator = operator
        self.by_subject: dict[int, SubjectAccount] = {}
        if demo is not None:
            for link in demo.links.filter(revoked_at__isnull=True):
                self.by_subject[link.subject_id] = demo
        self.next = 1

    def for_subject(self, subject, *, on: dt.date) -> SubjectAccount:
        account = self.by_subject.get(subject.pk)
        if account is not None:
            return account
        now = _moment(on)
        login = f"139{self.next:08d}"
        name = ACCOUNT_NAMES[(self.next - 1) % len(ACCOUNT_NAMES)]
        self.next += 1
        account = SubjectAccount.objects.filter(login_name=login).first() or account_register(
            login_name=login, display_name=name, password=DEMO_PASSWORD, now=now
        )
        _, code = link_code_issue(subject=subject, actor=self.operator, now=now)
        subject_link_create(account=account, code=subject.uscc, evidence=code, now=now)
        self.by_subject[subject.pk] = account
        return account


# Objection texts: (statement, requested), for licences and for penalties.
LICENCE_STATEMENTS = [
    ("公示的许可有效期有误：许可证已依法延续，有效期至今未届满，请予以更正。", "更正"),
    ("公示的许可内容与许可证书载明的经营范围不一致，请核查更正。", "更正"),
]
OTHER_STATEMENTS = [
    ("公示的信息与作出认定的文书不一致，请核查更正。", "更正"),
    ("公示的认定日期和有效期有误，请核查更正。", "更正"),
]
STATEMENTS = [
    ("该处罚已经行政复议变更，公示的罚款金额与复议决定不一致，请予以核查更正。", "更正"),
    ("公示的违法行为类型有误，本单位未从事所列经营活动，请核查。", "更正"),
    ("该处罚决定的当事人并非本单位，系同名企业，请核查后删除。", "删除"),
    ("处罚决定已被撤销，但平台仍在公示，请核查。", "删除"),
    ("公示的处罚依据条款与处罚决定书不一致，请核查。", "更正"),
    ("该处罚的公示期限计算有误，请核查。", "更正"),
]


def _objections(
    plan: _Plan,
    *,
    as_of: dt.date,
    operator: User,
    officers: dict[str, User],
    accounts: _Accounts,
) -> None:
    def day(n: int) -> dt.date:
        return _day(as_of, n)

    def file(record: CreditRecord, filer, n: int, index: int) -> Objection:
        texts = {"license": LICENCE_STATEMENTS, "penalty": STATEMENTS}.get(record.item.code, OTHER_STATEMENTS)
        statement, requested = texts[index % len(texts)]
        return objection_file(
            filer=filer,
            on_date=day(n),
            record=record,
            statement=statement,
            requested=requested,
            contact_name=ACCOUNT_NAMES[index % len(ACCOUNT_NAMES)],
            contact_phone=f"1350791{index:04d}",
            files=_evidence("决定书及相关证明材料.pdf") if index % 2 == 0 else None,
        )

    def officer(record: CreditRecord) -> User:
        return officers.get(record.department.code, operator)

    # The demo account's own objections: one decided earlier (maintained), one just filed.
    if plan.showcase_objections:
        account = accounts.for_subject(plan.showcase_objections[0].subject, on=day(40))
        # With one record to object to, the account objects to it again with new evidence once the first
        # objection is closed.
        targets = plan.showcase_objections * (2 if len(plan.showcase_objections) == 1 else 1)
        for index, record in enumerate(targets):
            if index == 1:
                file(record, account, 1, 0)
                continue
            o = file(record, account, 30, 1)
            objection_accept(objection=o, actor=operator, on_date=day(29))
            objection_forward(objection=o, actor=operator, on_date=day(28))
            objection_decide(
                objection=o,
                actor=officer(record),
                on_date=day(24),
                outcome=ObjectionOutcome.MAINTAINED,
                reasons="经核对决定书原件和案卷，公示的内容与决定书一致，决定未被撤销或变更，予以维持。",
            )
            objection_notify(objection=o, actor=operator, on_date=day(23))

    records = iter(plan.objections)
    steps: list[Callable[[CreditRecord, int], None]] = []

    def marked_overdue(r: CreditRecord, i: int) -> None:  # registered on the subject's behalf, not accepted
        file(r, operator, 8, i)

    def accepted(r: CreditRecord, i: int) -> None:  # the department found it and filed it itself
        o = file(r, officer(r), 3, i)
        objection_accept(objection=o, actor=operator, on_date=day(2))

    def forwarded(r: CreditRecord, i: int) -> None:
        o = file(r, operator, 4, i)
        objection_accept(objection=o, actor=operator, on_date=day(3))
        objection_forward(objection=o, actor=operator, on_date=day(3))

    def forwarded_overdue(r: CreditRecord, i: int) -> None:
        o = file(r, operator, 16, i)
        objection_accept(objection=o, actor=operator, on_date=day(15))
        objection_forward(objection=o, actor=operator, on_date=day(14))

    def withdrawn(r: CreditRecord, i: int) -> None:
        o = file(r, operator, 40, i)
        objection_accept(objection=o, actor=operator, on_date=day(39))
        objection_forward(objection=o, actor=operator, on_date=day(39))
        objection_decide(
            objection=o,
            actor=officer(r),
            on_date=day(33),
            outcome=ObjectionOutcome.WITHDRAWN,
            reasons="经核查，该处罚决定的当事人登记有误，系同名企业，本部门已撤回该信息。",
        )
        objection_notify(objection=o, actor=operator, on_date=day(32))

    def undetermined(r: CreditRecord, i: int) -> None:
        o = file(r, operator, 25, i)
        objection_accept(objection=o, actor=operator, on_date=day(24))
        objection_decide(
            objection=o,
            actor=operator,
            on_date=day(20),
            outcome=ObjectionOutcome.UNDETERMINED,
            reasons="申请人未能提供复议决定书，作出决定的部门案卷亦无法调取，异议申请与核查情况一并记录。",
        )
        objection_notify(objection=o, actor=operator, on_date=day(19))

    def maintained(r: CreditRecord, i: int) -> None:
        o = file(r, operator, 18, i)
        objection_accept(objection=o, actor=operator, on_date=day(17))
        objection_decide(
            objection=o,
            actor=operator,
            on_date=day(14),
            outcome=ObjectionOutcome.MAINTAINED,
            reasons="经与作出决定的部门核对，公示信息与处罚决定书一致，处罚决定未被撤销或变更，予以维持。",
        )
        objection_notify(objection=o, actor=operator, on_date=day(13))

    def refused(r: CreditRecord, i: int) -> None:
        o = file(r, operator, 12, i)
        objection_refuse(
            objection=o,
            actor=operator,
            on_date=day(11),
            reasons="申请人对处罚决定本身不服，应依法申请行政复议或者提起行政诉讼，不属于信用信息异议的处理范围。",
        )
        objection_notify(objection=o, actor=operator, on_date=day(10))

    def marked(r: CreditRecord, i: int) -> None:
        file(r, operator, 0, i)

    steps = [marked_overdue, accepted, forwarded, forwarded_overdue, withdrawn, undetermined]
    steps += [maintained, refused, marked]
    for index, step in enumerate(steps, 2):
        record = next(records, None)
        if record is None:
            return
        step(record, index)


REPAIR_STATEMENT = "已于处罚决定规定期限内缴清全部罚款，并按要求完成整改，经复查合格。"


def _repairs(plan: _Plan, *, as_of: dt.date, officers: dict[str, User], accounts: _Accounts) -> None:
    def day(n: int) -> dt.date:
        return _day(as_of, n)

    def apply(record: CreditRecord, n: int) -> RepairApplication:
        account = accounts.for_subject(record.subject, on=day(n + 5))
        return repair_apply(
            account=account,
            record=record,
            statement=REPAIR_STATEMENT,
            signatory=account.display_name,
            evidence=_evidence("罚款缴纳凭证及整改报告.pdf"),
            on_date=day(n),
        )

    def officer(record: CreditRecord) -> User:
        return officers.get(record.department.code) or accounts.operator

    def approved(r: CreditRecord) -> None:
        a = apply(r, 35)
        repair_accept(application=a, actor=officer(r), on_date=day(34))
        repair_approve(
            application=a,
            actor=officer(r),
            on_date=day(26),
            reasons="罚款已全部缴纳，整改经现场复查合格，最短公示期已满，且已签署信用修复承诺书，准予信用修复。",
        )

    def rejected(r: CreditRecord) -> None:
        a = apply(r, 30)
        repair_accept(application=a, actor=officer(r), on_date=day(29))
        repair_reject(
            application=a,
            actor=officer(r),
            on_date=day(22),
            reasons="经现场复查，责令改正的违法行为尚未整改到位，不符合信用修复条件，整改完成后可重新申请。",
        )

    def refused(r: CreditRecord) -> None:
        a = apply(r, 15)
        repair_refuse(
            application=a,
            actor=officer(r),
            on_date=day(14),
            reasons="所附缴款凭证与处罚决定书的罚款金额不符，不能证明已履行处罚决定，请补齐材料后重新申请。",
        )

    def extended(r: CreditRecord) -> None:
        a = apply(r, 18)
        repair_accept(application=a, actor=officer(r), on_date=day(17))
        repair_extend(
            application=a,
            actor=officer(r),
            on_date=day(8),
            reasons="需会同执法大队现场复查整改情况，延长核实期限。",
        )

    def accepted(r: CreditRecord) -> None:
        a = apply(r, 5)
        repair_accept(application=a, actor=officer(r), on_date=day(4))

    def submitted_overdue(r: CreditRecord) -> None:
        apply(r, 9)

    def submitted(r: CreditRecord) -> None:
        apply(r, 1)

    if plan.showcase_repair:  # the demo account's application stays open: its subject stays on its list
        accepted(plan.showcase_repair)
    steps = [rejected, extended, accepted, submitted_overdue, submitted, refused, approved]
    for record, step in zip(plan.repairs, steps, strict=False):
        step(record)


# The department that accepts commitments at its window (告知承诺, 容缺受理) and follows them up.
COMMITMENT_DEPARTMENT = "approval"
COMMITMENTS = 5


def _template(code: str, on: dt.date) -> CommitmentTemplate:
    return (
        CommitmentTemplate.objects.filter(code=code, is_active=True, valid_from__lte=on)
        .order_by("-valid_from")
        .first()
    )


def _commitments(
    plan: _Plan, *, as_of: dt.date, officers: dict[str, User], accounts: _Accounts, demo: Subject | None
) -> None:
    """告知承诺 and 容缺受理 accepted at the approval department's window and followed up: fulfilled, broken
    (a 违背信用承诺 record follows), in progress, one past its date; the demo account's own voluntary one."""
    officer = officers.get(COMMITMENT_DEPARTMENT)
    if officer is None:
        return
    department = officer.department

    def day(n: int) -> dt.date:
        return _day(as_of, n)

    def sign(subject: Subject, code: str, n: int, matter: str) -> Commitment:
        return commitment_sign_from_template(
            template=_template(code, day(n)),
            subject=subject,
            signatory=ACCOUNT_NAMES[subject.pk % len(ACCOUNT_NAMES)],
            on_date=day(n),
            actor=officer,
            department=department,
            matter_name=matter,
        )

    subjects = plan.commitment_subjects
    steps = [
        lambda s: commitment_fulfil(
            commitment=sign(s, "licence_notify_commit", 45, "食品经营许可"),
            on_date=day(5),
            actor=officer,
            note="经现场核查，经营场所、设施设备和从业人员健康证明与承诺一致，已按承诺履行",
        ),
        lambda s: commitment_break(
            commitment=sign(s, "licence_notify_commit", 40, "公众聚集场所投入使用、营业前消防安全检查"),
            on_date=day(8),
            actor=officer,
            reason="经现场核查，疏散通道被占用、自动喷水灭火系统未安装，与承诺的消防安全条件不符，已依法撤销许可",
        ),
        lambda s: commitment_accept_with_missing_documents(
            subject=s,
            matter_name="建筑工程施工许可",
            missing_documents=["施工图设计文件审查合格书", "建设资金已经落实承诺书"],
            signatory=ACCOUNT_NAMES[s.pk % len(ACCOUNT_NAMES)],
            department=department,
            on_date=day(12),
            actor=officer,
            days=5,
        ),
        lambda s: commitment_fulfil(
            commitment=sign(s, "certificate_notify_commit", 30, "个体工商户登记住所（经营场所）证明"),
            on_date=day(10),
            actor=officer,
            note="经核查不动产登记信息，住所使用证明与承诺一致，已按承诺履行",
        ),
        lambda s: sign(s, "licence_notify_commit", 3, "道路普通货物运输经营许可"),
    ]
    for subject, step in zip(subjects, steps, strict=False):
        step(subject)
    if demo is not None:  # the demo account's own commitment, signed online
        commitment_sign_from_template(
            template=_template("voluntary_commit", day(20)),
            subject=demo,
            signatory=accounts.by_subject[demo.pk].display_name,
            on_date=day(20),
            actor=accounts.by_subject[demo.pk],
            department=department,
            matter_name="诚信经营承诺",
        )
    commitments_overdue_flag(as_of=as_of)


def _repair_notice(*, as_of: dt.date, officers: dict[str, User]) -> None:
    """The 信用修复告知书 served with the county's latest penalty decision (两书同达)."""
    record = (
        CreditRecord.objects.filter(
            item__code="penalty",
            status=RecordStatus.EFFECTIVE,
            polarity=Polarity.NEGATIVE,
            subject_kind=SubjectKind.ORGANISATION,
            decision_date__lte=as_of,
            department__code__in=list(officers),
        )
        .select_related("subject", "department", "item")
        .order_by("-decision_date", "pk")
        .first()
    )
    if record is not None:
        repair_notice_issue(
            record=record, actor=officers[record.department.code], on_date=record.decision_date
        )


def demo_dueprocess(
    *,
    seed: int,
    as_of: dt.date,
    officers: dict[str, User],
    say: Callable[[str], None],
    account: DemoSubjectAccount | None = None,
) -> DueProcessSummary:
    """Play objections and repair applications for the weeks before ``as_of`` (the demo subject account's
    subject among them); returns what the county holds."""
    profiles_load()
    operator = _operator()
    demo = SubjectAccount.objects.get(login_name=account.login_name) if account is not None else None
    accounts = _Accounts(operator, demo)
    with transaction.atomic():
        cutoff = _moment(as_of - dt.timedelta(days=RECEIVED_BEFORE_DAYS))
        records = _candidates(rng=random.Random(f"{seed}-dueprocess"), as_of=as_of, cutoff=cutoff)
        plan = _plan(
            records=records,
            first_filing=_day(as_of, 35),
            cutoff=cutoff,
            as_of=as_of,
            showcase_subject=account.subject if account is not None else None,
        )
        _objections(plan, as_of=as_of, operator=operator, officers=officers, accounts=accounts)
        _repairs(plan, as_of=as_of, officers=officers, accounts=accounts)
        _repair_notice(as_of=as_of, officers=officers)
        commitment_templates_load()
        _commitments(
            plan,
            as_of=as_of,
            officers=officers,
            accounts=accounts,
            demo=account.subject if account is not None else None,
        )
        objections_escalate_overdue(as_of=as_of)
        repairs_escalate_overdue(as_of=as_of)
    summary = demo_dueprocess_summary(as_of=as_of, account=account)
    say(
        f"  异议申请：办理中 {summary.objections_open} 件（超期 {summary.objections_overdue} 件），"
        f"已告知办结 {summary.objections_closed} 件；信用修复申请：办理中 {summary.repairs_open} 件，"
        f"准予修复 {summary.repairs_approved} 件，不予修复 {summary.repairs_rejected} 件；{summary.commitments_text}"
    )
    return summary


def demo_dueprocess_played() -> bool:
    """Has the county any objection or repair application yet?"""
    return Objection.objects.exists() or RepairApplication.objects.exists()


def demo_dueprocess_summary(
    *, as_of: dt.date, account: DemoSubjectAccount | None = None
) -> DueProcessSummary:
    """The counts of the county's objections and repair applications, and the demo account's cases."""
    objections = Objection.objects.aggregate(
        open=Count("id", filter=Q(state__in=OPEN_OBJECTION_STATES)),
        overdue=Count("id", filter=Q(state__in=OPEN_OBJECTION_STATES, due_on__lt=as_of)),
        closed=Count("id", filter=Q(state=ObjectionState.CLOSED)),
    )
    repairs = RepairApplication.objects.aggregate(
        open=Count("id", filter=Q(state__in=OPEN_REPAIR_STATES)),
        approved=Count("id", filter=Q(state=RepairState.APPROVED)),
        rejected=Count("id", filter=Q(state=RepairState.REJECTED)),
    )
    notices = CreditReport.objects.filter(
        kind__in=(ReportKind.OBJECTION_DECISION, ReportKind.REPAIR_DECISION, ReportKind.REPAIR_NOTICE)
    ).count()
    commitments = dict(Commitment.objects.values_list("state").annotate(n=Count("id")).order_by())
    cases = 0
    if account is not None:
        cases = (
            Objection.objects.filter(subject=account.subject).count()
            + RepairApplication.objects.filter(subject=account.subject).count()
        )
    return DueProcessSummary(
        objections_open=objections["open"],
        objections_overdue=objections["overdue"],
        objections_closed=objections["closed"],
        repairs_open=repairs["open"],
        repairs_approved=repairs["approved"],
        repairs_rejected=repairs["rejected"],
        notices=notices,
        commitments={state: commitments.get(state, 0) for state in CommitmentState.values},
        account_cases=cases,
    )
