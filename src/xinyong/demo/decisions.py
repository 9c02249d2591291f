"""The demo county's decisions: which licences and penalties are taken about whom, and when each department
sends them (streams of files over the years before ``as_of``, with repeats, corrections and late files)."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.utils import timezone

from xinyong.core.codes import SubjectKind
from xinyong.demo.county import (
    LICENCES,
    PENALTIES,
    REGION,
    UPLOADS,
    LicenceType,
    PenaltyType,
    Upload,
)
from xinyong.demo.people import DemoSubject
from xinyong.workdays.arithmetic import WorkCalendar

HISTORY_YEARS = 3
EXTRA_RECORDS = 1.2  # records beyond one per subject, per subject
LICENCE_SHARE = 0.6  # of the extra records
ROWS_PER_FILE = 60  # a department's file holds about this many decisions …
MAX_FILES = 12  # … and a department sends at most this many files per item over the three years
CATCH_UP_SHARE = 0.06  # files that catch up on older decisions (all late)
REPEAT_SHARE = 0.2  # files that repeat a few rows of the previous one
CORRECTION_SHARE = 0.012  # decisions sent again later with a corrected value
REVOKED_PENALTIES = 0.005  # penalties later revoked (行政复议, court)
REVOKED_LICENCES = 0.003  # licences later revoked or withdrawn
LONG_TERM = dt.date(2099, 12, 31)
ITEM_NAMES = {"license": "行政许可", "penalty": "行政处罚"}
# Document numbers; {abbr} from UPLOADS.
DOCUMENT_NUMBERS = {"license": "示{abbr}许〔{year}〕{seq}号", "penalty": "示{abbr}罚〔{year}〕{seq}号"}
PENALTY_NUMBERS = {
    "public-security": "示公（治）行罚决字〔{year}〕{seq}号",
    "tax": "示税简罚〔{year}〕{seq}号",
}
LICENCE_COLUMNS = [
    "XK_XDR_MC",
    "XK_XDR_LB",
    "XK_XDR_SHXYM",
    "XK_XDR_GSZC",
    "XK_FRDB",
    "XK_XDR_ZJLX",
    "XK_XDR_ZJHM",
    "XK_XKWS",
    "XK_WSH",
    "XK_XKLB",
    "XK_XKZS",
    "XK_XKBH",
    "XK_NR",
    "XK_JDRQ",
    "XK_YXQZ",
    "XK_YXQZI",
    "XK_XKJG",
    "XK_XKJGDM",
    "XK_ZT",
    "XK_LYDW",
    "XK_LYDWDM",
]
PENALTY_COLUMNS = [
    "CF_XDR_MC",
    "CF_XDR_LB",
    "CF_XDR_SHXYM",
    "CF_XDR_GSZC",
    "CF_FRDB",
    "CF_XDR_ZJLX",
    "CF_XDR_ZJHM",
    "CF_WSH",
    "CF_WFXW",
    "CF_SY",
    "CF_YJ",
    "CF_CFLB",
    "CF_NR",
    "CF_NR_FK",
    "CF_NR_WFFF",
    "CF_NR_ZKDX",
    "CF_JDRQ",
    "CF_YXQ",
    "CF_SXYZCD",
    "CF_CFJG",
    "CF_CFJGDM",
    "CF_SJLY",
    "CF_SJLYDM",
]
COLUMNS = {"license": LICENCE_COLUMNS, "penalty": PENALTY_COLUMNS}
SUSPENDED_LICENCE = {"samr": "食品经营许可证", "medical-insurance": "医疗机构执业许可证"}


@dataclass
class DemoRow:
    """One decision as a department's file states it (field code → value: text, date or amount in 万元)."""

    department: str
    item: str
    subject: DemoSubject
    decision: dt.date
    fields: dict[str, Any]
    received: dt.date | None = None  # the day the file that first carries it is received


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` later (earlier when negative); 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def yuan(wan: float) -> str:
    """An amount in 万元 written in 元, as in a decision's text (2 万元 → 20,000)."""
    return f"{Decimal(repr(wan)) * 10000:,.0f}"


def _party(item: str, subject: DemoSubject) -> dict[str, Any]:
    p = "XK" if item == "license" else "CF"
    fields = {f"{p}_XDR_MC": subject.name, f"{p}_XDR_LB": SubjectKind(subject.kind).label}
    if subject.kind == SubjectKind.NATURAL_PERSON:
        fields[f"{p}_XDR_ZJLX"] = "身份证"
        fields[f"{p}_XDR_ZJHM"] = subject.ric
    else:
        fields[f"{p}_XDR_SHXYM"] = subject.uscc
        if subject.reg_no:
            fields[f"{p}_XDR_GSZC"] = subject.reg_no
        fields[f"{p}_FRDB"] = subject.legal_rep
    return fields


def _licence_fields(
    rng: random.Random, t: LicenceType, subject: DemoSubject, decision: dt.date
) -> dict[str, Any]:
    until = LONG_TERM if t.years == 0 else add_years(decision, t.years) - dt.timedelta(days=1)
    return {
        **_party("license", subject),
        "XK_XKWS": f"{t.matter}决定书",
        "XK_XKLB": t.category,
        "XK_XKZS": t.certificate,
        "XK_NR": f"准予{t.matter}：{rng.choice(t.contents)}",
        "XK_JDRQ": decision,
        "XK_YXQZ": decision,
        "XK_YXQZI": until,
        "XK_ZT": "有效",
    }


def _penalty_fields(
    rng: random.Random, t: PenaltyType, subject: DemoSubject, decision: dt.date
) -> dict[str, Any]:
    sanctions = rng.choices([s for s, _ in t.sanctions], weights=[w for _, w in t.sanctions])[0]
    fine = rng.choice(t.fines) if "罚款" in sanctions and t.fines else None
    confiscated = None
    if "没收违法所得" in sanctions or "没收非法财物" in sanctions:
        confiscated = float(rng.choice((0.02, 0.05, 0.12, 0.3, 0.46, 0.8, 1.35)))
    content = []
    for sanction in sanctions:
        if sanction == "警告":
            content.append("给予警告")
        elif sanction == "罚款":
            content.append(f"罚款人民币{yuan(fine)}元")
        elif sanction == "行政拘留":
            content.append(f"行政拘留{rng.choice((3, 5, 7, 10))}日")
        elif sanction in ("没收违法所得", "没收非法财物"):
            content.append(sanction)
        elif sanction == "责令停产停业":
            content.append("责令停产整治")
        elif sanction in ("吊销许可证件", "暂扣许可证件"):
            content.append(f"{sanction[:2]}{SUSPENDED_LICENCE.get(t.department, '许可证件')}")
    if confiscated is not None:
        content.append(f"没收金额合计人民币{yuan(confiscated)}元")
    if any(s in sanctions for s in ("责令停产停业", "吊销许可证件", "责令关闭")) or (fine or 0) >= 20:
        severity, months = "严重", 36
    elif sanctions == ("警告",) or (fine is not None and fine <= 0.01 and len(sanctions) == 1):
        severity, months = "轻微", 3
    else:
        severity, months = "一般", 12
    found = decision - dt.timedelta(days=rng.randint(12, 75))
    fields = {
        **_party("penalty", subject),
        "CF_WFXW": t.act,
        "CF_SY": f"{found:%Y年%m月%d日}，执法人员检查发现当事人{t.fact}。以上事实有现场检查笔录、询问笔录等证据证实。",
        "CF_YJ": t.basis,
        "CF_CFLB": "；".join(sanctions),
        "CF_NR": "；".join(content),
        "CF_JDRQ": decision,
        "CF_YXQ": _add_months(decision, months),
        "CF_SXYZCD": severity,
    }
    if fine is not None:
        fields["CF_NR_FK"] = float(fine)
    if confiscated is not None:
        fields["CF_NR_WFFF"] = confiscated
    if any(s in sanctions for s in ("吊销许可证件", "暂扣许可证件")):
        fields["CF_NR_ZKDX"] = SUSPENDED_LICENCE.get(t.department, "许可证件")
    return fields


@dataclass
class Stream:
    """The files one department sends for one item."""

    department: str
    item: str
    kinds: list[tuple[LicenceType | PenaltyType, DemoSubject]] = field(default_factory=list)
    days: list[dt.date] = field(default_factory=list)
    rounds: list[list[DemoRow]] = field(default_factory=list)
    types: dict[int, Any] = field(default_factory=dict)  # id(row) → its decision type
    last_seq: dict[int, int] = field(default_factory=dict)


class DecisionGenerator:
    def __init__(
        self,
        *,
        rng: random.Random,
        as_of: dt.date,
        calendar: WorkCalendar,
        departments: Mapping[str, tuple[str, str]],
    ) -> None:
        self.rng = rng
        self.as_of = as_of
        self.calendar = calendar
        self.departments = departments
        self.start = add_years(as_of, -HISTORY_YEARS)
        self.repeats = self.corrections = 0

    # -- days

    def working(self, day: dt.date) -> bool:
        return self.calendar.is_working_day(day).is_workday

    def on_or_after(self, day: dt.date) -> dt.date:
        while not self.working(day):
            day += dt.timedelta(days=1)
        return day

    def on_or_before(self, day: dt.date) -> dt.date:
        while not self.working(day):
            day -= dt.timedelta(days=1)
        return day

    def before(self, day: dt.date, working_days: int) -> dt.date:
        decision = self.calendar.add_working_days(day, -working_days).date if working_days else day
        return max(decision, self.on_or_after(self.start))

    def received_at(self, day: dt.date) -> dt.datetime:
        minutes = self.rng.randrange(8 * 60 + 30, 17 * 60 + 30)
        return timezone.make_aware(dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60)))

    # -- records

    def upload_days(self, rounds: int) -> list[dt.date]:
        rng = self.rng
        # The latest file within the last weeks (the quality page shows 30 days by default), the others one
        # in each equal slot of the three years, on a random day of it.
        last = self.on_or_before(self.as_of - dt.timedelta(days=rng.randint(2, 20)))
        if rounds == 1:
            return [last]
        first = self.start + dt.timedelta(days=20)
        span = (last - dt.timedelta(days=14) - first).days
        days = {
            self.on_or_after(first + dt.timedelta(days=(span * i + rng.randrange(span)) // (rounds - 1)))
            for i in range(rounds - 1)
        }
        return sorted(day for day in days if day < last) + [last]

    def decision_for(self, day: dt.date, upload: Upload, *, catch_up: bool) -> dt.date:
        rng = self.rng
        if catch_up or rng.random() > upload.on_time:
            return self.before(day, rng.randint(8, 40))
        return self.before(day, rng.choice((0, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 5, 5, 6, 7)))

    def document_number(self, stream: Stream, decision: dt.date) -> tuple[str, int]:
        seq = stream.last_seq[decision.year] = stream.last_seq.get(decision.year, 0) + 1
        template = DOCUMENT_NUMBERS[stream.item]
        if stream.item == "penalty":
            template = PENALTY_NUMBERS.get(stream.department, template)
        return template.format(abbr=UPLOADS[stream.department].abbr, year=decision.year, seq=seq), seq

    def row(self, stream: Stream, kind, subject: DemoSubject, decision: dt.date) -> DemoRow:
        name, uscc = self.departments[stream.department]
        number, seq = self.document_number(stream, decision)
        if stream.item == "license":
            fields = _licence_fields(self.rng, kind, subject, decision)
            fields["XK_WSH"] = number
            fields["XK_XKBH"] = f"{kind.prefix}{REGION}{decision.year}{seq:05d}"
            fields |= {"XK_XKJG": name, "XK_XKJGDM": uscc}
            if UPLOADS[stream.department].source_columns:
                fields |= {"XK_LYDW": name, "XK_LYDWDM": uscc}
        else:
            fields = _penalty_fields(self.rng, kind, subject, decision)
            fields["CF_WSH"] = number
            fields |= {"CF_CFJG": name, "CF_CFJGDM": uscc}
            if UPLOADS[stream.department].source_columns:
                fields |= {"CF_SJLY": name, "CF_SJLYDM": uscc}
        # Field order as the department's export has it: party first, then the decision.
        order = {code: i for i, code in enumerate(COLUMNS[stream.item])}
        fields = dict(sorted(fields.items(), key=lambda kv: order.get(kv[0], len(order))))
        return DemoRow(stream.department, stream.item, subject, decision, fields)

    def correction(self, row: DemoRow, kind) -> DemoRow:
        """The row sent again with a corrected value (the record gets a new version)."""
        fields = dict(row.fields)
        if row.item == "penalty":
            fine = fields.get("CF_NR_FK")
            others = [f for f in kind.fines if f != fine]
            if fine is not None and others:
                corrected = float(self.rng.choice(others))
                fields["CF_NR_FK"] = corrected
                fields["CF_NR"] = fields["CF_NR"].replace(
                    f"罚款人民币{yuan(fine)}元", f"罚款人民币{yuan(corrected)}元"
                )
            else:
                fields["CF_SY"] = fields["CF_SY"] + "当事人拒不改正。"
        else:
            fields["XK_NR"] = fields["XK_NR"] + "（变更：增加经营项目）"
        return replace(row, fields=fields)

    def stream(self, stream: Stream) -> None:
        rng = self.rng
        upload = UPLOADS[stream.department]
        count = len(stream.kinds)
        # Small counties too spread their decisions over time.
        days = self.upload_days(max(1, min(MAX_FILES, max(min(2, count // 8), round(count / ROWS_PER_FILE)))))
        assigned: dict[int, list] = defaultdict(list)
        for kind, subject in stream.kinds:
            assigned[rng.randrange(len(days))].append((kind, subject))
        stream.days = [days[i] for i in sorted(assigned)]
        planned = []
        for n, i in enumerate(sorted(assigned)):
            catch_up = n < len(assigned) - 1 and rng.random() < CATCH_UP_SHARE
            for kind, subject in assigned[i]:
                planned.append((self.decision_for(days[i], upload, catch_up=catch_up), n, kind, subject))
        # Numbers follow the decision dates, as a department's register does.
        planned.sort(key=lambda p: (p[0], p[1]))
        rounds: list[list[DemoRow]] = [[] for _ in stream.days]
        kinds: dict[int, Any] = {}
        for decision, n, kind, subject in planned:
            row = self.row(stream, kind, subject, decision)
            row.received = stream.days[n]
            kinds[id(row)] = kind
            rounds[n].append(row)
        stream.rounds, stream.types = rounds, kinds
        # Repeated rows and corrections, sent with a later file.
        for n in range(1, len(rounds)):
            if rng.random() < REPEAT_SHARE:
                self.repeat(stream, n)
        for n in range(len(rounds) - 1):
            for row in list(rounds[n]):
                if row.received == stream.days[n] and rng.random() < CORRECTION_SHARE:
                    self.correct(stream, n, row)

    def repeat(self, stream: Stream, n: int) -> None:
        """File ``n`` repeats a few rows of the file before it (重复报送)."""
        previous = stream.rounds[n - 1]
        stream.rounds[n].extend(self.rng.sample(previous, min(len(previous), self.rng.randint(1, 4))))
        self.repeats += 1

    def correct(self, stream: Stream, n: int, row: DemoRow) -> None:
        """A later file sends the decision of ``row`` (first sent with file ``n``) again, corrected."""
        later = stream.rounds[self.rng.randrange(n + 1, len(stream.rounds))]
        later.append(self.correction(row, stream.types[id(row)]))
        self.corrections += 1


def concerns(kind: LicenceType | PenaltyType, subject: DemoSubject) -> bool:
    """Can this kind of decision be taken about this subject (its kind and, for an enterprise, its industry)?"""
    if subject.group not in kind.groups:
        return False
    return subject.group != "e" or not kind.sectors or subject.sector in kind.sectors


def streams_assign(rng: random.Random, subjects: list[DemoSubject]) -> dict[tuple[str, str], Stream]:
    """Which decisions are taken about whom: one per subject, then more for some of them."""
    kinds = [("license", t) for t in LICENCES] + [("penalty", t) for t in PENALTIES]
    pools = {id(t): [s for s in subjects if concerns(t, s)] for _, t in kinds}
    streams: dict[tuple[str, str], Stream] = {}

    def add(item: str, kind, subject: DemoSubject) -> None:
        key = (kind.department, item)
        streams.setdefault(key, Stream(kind.department, item)).kinds.append((kind, subject))

    for subject in subjects:
        options = [(item, t) for item, t in kinds if concerns(t, subject)]
        item, kind = rng.choices(options, weights=[t.weight for _, t in options])[0]
        add(item, kind, subject)
    for _ in range(round(len(subjects) * EXTRA_RECORDS)):
        item = "license" if rng.random() < LICENCE_SHARE else "penalty"
        options = [t for i, t in kinds if i == item]
        kind = rng.choices(options, weights=[t.weight for t in options])[0]
        if pools[id(kind)]:
            add(item, kind, rng.choice(pools[id(kind)]))
    return streams


def decision_samples(
    rng: random.Random, people: list[DemoSubject], department: str, item: str, count: int = 12
):
    """``count`` (decision type, subject) pairs of a department's usual decisions."""
    kinds = [t for t in (LICENCES if item == "license" else PENALTIES) if t.department == department]
    out = []
    for _ in range(count):
        kind = rng.choices(kinds, weights=[t.weight for t in kinds])[0]
        pool = [s for s in people if concerns(kind, s)]
        if pool:
            out.append((kind, rng.choice(pool)))
    return out
