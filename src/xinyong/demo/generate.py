"""The demo county's data, generated: subjects, credit records and the files the departments send.

Everything is drawn from one ``random.Random(seed)``: the same seed, number of subjects and ``as_of`` give the
same subjects, rows and byte-identical files (XLSX entries carry a fixed timestamp).

How the files resemble a county's real traffic:

- Each department sends its licences and penalties every few weeks or months over the three years before
  ``as_of``; a file holds the decisions of the working days before it. Most arrive within the 7 working
  days of 双公示; some departments are less punctual than others, and now and then a file catches up on
  older decisions (those records are late).
- A file sometimes repeats a few rows of the one before (重复报送), and now and then sends a decision again
  with a corrected value (a new version of the record).
- Formats, encodings, header styles and date styles differ by department (``county.UPLOADS``).
- The latest file of the 综合行政执法局 has typical mistakes (to show rejected rows and the rejection file);
  another file with mistakes is left in ``待上传/`` for the user to upload.
- A few decisions are later revoked or withdrawn (done through the records service, not in files).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import re
import zipfile
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils import timezone
from openpyxl import Workbook
from stdnum.iso7064 import mod_11_10

from xinyong.catalog.spec import ItemSchema
from xinyong.core.codes import SubjectKind
from xinyong.core.identifiers import USCC_NO_CODE, check_ric, check_uscc, generate_ric, generate_uscc
from xinyong.demo.county import (
    ASSOCIATIONS,
    COOPS,
    COUNTY,
    FOUNDATIONS,
    GIVEN,
    GROUP_SHARES,
    INDUSTRIES,
    LICENCES,
    NO_CODE_SHARE,
    NON_PROFITS,
    PENALTIES,
    REGION,
    SHOPS,
    SURNAMES,
    TOWNS,
    TRADE_FIRST,
    TRADE_SECOND,
    UPLOADS,
    LicenceType,
    PenaltyType,
    Upload,
)
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
ERRORS_STREAM = ("urban-management", "penalty")
PENDING_STREAM = ("samr", "penalty")
PENDING_DIR = "待上传"
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
SOURCE_COLUMNS = {"XK_LYDW", "XK_LYDWDM", "CF_SJLY", "CF_SJLYDM"}
ENCODINGS = {"csv-gbk": "gbk", "csv-utf8": "utf-8", "csv-utf8-bom": "utf-8-sig"}
SUSPENDED_LICENCE = {"samr": "食品经营许可证", "medical-insurance": "医疗机构执业许可证"}
REVOCATION_REASONS = {
    "penalty": [
        ("revoked", "经行政复议，{county}人民政府决定撤销原行政处罚决定（示政复决字〔{year}〕{n}号）"),
        ("revoked", "人民法院判决撤销原行政处罚决定（（{year}）示{n}行初字第{n}号）"),
        ("revoked", "作出机关自行纠错，撤销原行政处罚决定"),
    ],
    "license": [
        ("revoked", "被许可人以欺骗手段取得行政许可，依法撤销"),
        ("withdrawn", "行政许可所依据的规划依法变更，为公共利益需要依法撤回"),
    ],
}


@dataclass(frozen=True)
class DemoSubject:
    """One subject of the registry as the departments know it."""

    group: str  # e enterprise, c cooperative, s social organisation, b 个体工商户, p natural person
    kind: str  # SubjectKind
    name: str
    uscc: str = ""  # USCC_NO_CODE for a 个体工商户 without one (then reg_no is set)
    reg_no: str = ""  # 工商注册号
    ric: str = ""  # 身份证号码
    legal_rep: str = ""  # 法定代表人 / 经营者
    sector: str = ""  # an enterprise's industry (INDUSTRIES)


@dataclass
class DemoRow:
    """One decision as a department's file states it (field code → value: text, date or amount in 万元)."""

    department: str
    item: str
    subject: DemoSubject
    decision: dt.date
    fields: dict[str, Any]
    received: dt.date | None = None  # the day the file that first carries it is received


@dataclass(frozen=True)
class DemoFile:
    department: str
    item: str
    path: Path
    received_at: dt.datetime
    rows: int
    purpose: str = "regular"  # regular | errors (typical mistakes, loaded) | pending (left for the user)


@dataclass(frozen=True)
class Revocation:
    department: str
    item: str
    document_number: str
    status: str  # revoked | withdrawn
    on: dt.date
    reason: str


@dataclass
class DemoPlan:
    subjects: list[DemoSubject]
    files: list[DemoFile]  # to load, in order of receipt
    pending: DemoFile | None
    revocations: list[Revocation] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------------
# Subjects


def _person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def _trade(rng: random.Random) -> str:
    first = rng.choice(TRADE_FIRST)
    return first + rng.choice(TRADE_SECOND.replace(first, ""))


def _unique(seen: set[str], make: Callable[[], str], tries: int = 30) -> str | None:
    for _ in range(tries):
        value = make()
        if value not in seen:
            seen.add(value)
            return value
    return None


def _group_counts(count: int) -> dict[str, int]:
    counts = {group: int(count * share) for group, share in GROUP_SHARES.items()}
    if count >= len(counts):
        for group in counts:
            counts[group] = max(counts[group], 1)
    counts["e"] += count - sum(counts.values())
    while counts["e"] < 0:  # fewer subjects than groups
        largest = max((g for g in counts if g != "e"), key=counts.__getitem__)
        counts[largest] -= 1
        counts["e"] += 1
    return counts


def demo_subjects(*, rng: random.Random, count: int) -> list[DemoSubject]:
    """``count`` subjects with valid, distinct identifiers and names, in the county's mix of kinds."""
    groups = [group for group, n in _group_counts(count).items() for _ in range(n)]
    rng.shuffle(groups)
    names: set[str] = set()
    codes: set[str] = set()

    def uscc(category: str) -> str:
        return _unique(codes, lambda: generate_uscc(rng, category=category, division=REGION), tries=1000)

    subjects = []
    for index, group in enumerate(groups):
        if group == "p":
            birth = dt.date(1955, 1, 1) + dt.timedelta(days=rng.randrange(365 * 50))
            ric = _unique(
                codes,
                lambda b=birth: generate_ric(rng, birth_date=b, sex=rng.choice("MF"), region=REGION),
                1000,
            )
            subjects.append(DemoSubject("p", SubjectKind.NATURAL_PERSON, _person_name(rng), ric=ric))
        elif group == "b":
            owner = _person_name(rng)
            name = _unique(names, lambda o=owner: f"{COUNTY}{rng.choice(TOWNS)}{o}{rng.choice(SHOPS)}")
            name = name or f"{COUNTY}{owner}{rng.choice(SHOPS)}（{index}号）"
            if rng.random() < NO_CODE_SHARE:
                # 工商注册号: registration office, 8-digit sequence, GB/T 17710 (ISO 7064 MOD 11,10) check digit.
                body = REGION + "6" + "".join(rng.choice("0123456789") for _ in range(7))
                reg_no = _unique(codes, lambda b=body: b + mod_11_10.calc_check_digit(b), 1) or ""
                if reg_no:
                    subjects.append(
                        DemoSubject(
                            "b", SubjectKind.INDIVIDUAL_BUSINESS, name, USCC_NO_CODE, reg_no, legal_rep=owner
                        )
                    )
                    continue
            subjects.append(
                DemoSubject("b", SubjectKind.INDIVIDUAL_BUSINESS, name, uscc("92"), legal_rep=owner)
            )
        elif group == "s":
            roll = rng.random()
            name = None
            if roll < 0.3:
                category = "51"
                name = _unique(names, lambda: f"{COUNTY}{rng.choice(['', *TOWNS])}{rng.choice(ASSOCIATIONS)}")
            elif roll < 0.35:
                category = "53"
                name = _unique(names, lambda: f"{COUNTY}{_trade(rng)}{rng.choice(FOUNDATIONS)}")
            if name is None:
                category = "52"
                name = _unique(names, lambda: f"{COUNTY}{_trade(rng)}{rng.choice(NON_PROFITS)}")
                name = name or f"{COUNTY}{_trade(rng)}{rng.choice(NON_PROFITS)}（{index}号）"
            subjects.append(
                DemoSubject("s", SubjectKind.ORGANISATION, name, uscc(category), legal_rep=_person_name(rng))
            )
        else:
            industry = ""
            if group == "c":
                name = _unique(
                    names, lambda: f"{COUNTY}{rng.choice(TOWNS)}{_trade(rng)}{rng.choice(COOPS)}专业合作社"
                )
                category = "93"
            else:
                industry, suffix = rng.choice(INDUSTRIES)
                name = _unique(names, lambda i=industry, s=suffix: f"{COUNTY}{_trade(rng)}{i}{s}")
                name = name or f"{COUNTY}{_trade(rng)}{industry}{index}号{suffix}"
                category = "91"
            name = name or f"{COUNTY}{_trade(rng)}{index}号专业合作社"
            subjects.append(
                DemoSubject(
                    group,
                    SubjectKind.ORGANISATION,
                    name,
                    uscc(category),
                    legal_rep=_person_name(rng),
                    sector=industry,
                )
            )
    return subjects


# ---------------------------------------------------------------------------------------------------
# Records


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


def _yuan(wan: float) -> str:
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
            content.append(f"罚款人民币{_yuan(fine)}元")
        elif sanction == "行政拘留":
            content.append(f"行政拘留{rng.choice((3, 5, 7, 10))}日")
        elif sanction in ("没收违法所得", "没收非法财物"):
            content.append(sanction)
        elif sanction == "责令停产停业":
            content.append("责令停产整治")
        elif sanction in ("吊销许可证件", "暂扣许可证件"):
            content.append(f"{sanction[:2]}{SUSPENDED_LICENCE.get(t.department, '许可证件')}")
    if confiscated is not None:
        content.append(f"没收金额合计人民币{_yuan(confiscated)}元")
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
class _Stream:
    """The files one department sends for one item."""

    department: str
    item: str
    kinds: list[tuple[LicenceType | PenaltyType, DemoSubject]] = field(default_factory=list)
    days: list[dt.date] = field(default_factory=list)
    rounds: list[list[DemoRow]] = field(default_factory=list)
    types: dict[int, Any] = field(default_factory=dict)  # id(row) → its decision type
    last_seq: dict[int, int] = field(default_factory=dict)


class _Generator:
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

    def document_number(self, stream: _Stream, decision: dt.date) -> tuple[str, int]:
        seq = stream.last_seq[decision.year] = stream.last_seq.get(decision.year, 0) + 1
        template = DOCUMENT_NUMBERS[stream.item]
        if stream.item == "penalty":
            template = PENALTY_NUMBERS.get(stream.department, template)
        return template.format(abbr=UPLOADS[stream.department].abbr, year=decision.year, seq=seq), seq

    def row(self, stream: _Stream, kind, subject: DemoSubject, decision: dt.date) -> DemoRow:
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
                    f"罚款人民币{_yuan(fine)}元", f"罚款人民币{_yuan(corrected)}元"
                )
            else:
                fields["CF_SY"] = fields["CF_SY"] + "当事人拒不改正。"
        else:
            fields["XK_NR"] = fields["XK_NR"] + "（变更：增加经营项目）"
        return replace(row, fields=fields)

    def stream(self, stream: _Stream) -> None:
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

    def repeat(self, stream: _Stream, n: int) -> None:
        """File ``n`` repeats a few rows of the file before it (重复报送)."""
        previous = stream.rounds[n - 1]
        stream.rounds[n].extend(self.rng.sample(previous, min(len(previous), self.rng.randint(1, 4))))
        self.repeats += 1

    def correct(self, stream: _Stream, n: int, row: DemoRow) -> None:
        """A later file sends the decision of ``row`` (first sent with file ``n``) again, corrected."""
        later = stream.rounds[self.rng.randrange(n + 1, len(stream.rounds))]
        later.append(self.correction(row, stream.types[id(row)]))
        self.corrections += 1


def _concerns(kind: LicenceType | PenaltyType, subject: DemoSubject) -> bool:
    """Can this kind of decision be taken about this subject (its kind and, for an enterprise, its industry)?"""
    if subject.group not in kind.groups:
        return False
    return subject.group != "e" or not kind.sectors or subject.sector in kind.sectors


def _assign(rng: random.Random, subjects: list[DemoSubject]) -> dict[tuple[str, str], _Stream]:
    """Which decisions are taken about whom: one per subject, then more for some of them."""
    kinds = [("license", t) for t in LICENCES] + [("penalty", t) for t in PENALTIES]
    pools = {id(t): [s for s in subjects if _concerns(t, s)] for _, t in kinds}
    streams: dict[tuple[str, str], _Stream] = {}

    def add(item: str, kind, subject: DemoSubject) -> None:
        key = (kind.department, item)
        streams.setdefault(key, _Stream(kind.department, item)).kinds.append((kind, subject))

    for subject in subjects:
        options = [(item, t) for item, t in kinds if _concerns(t, subject)]
        item, kind = rng.choices(options, weights=[t.weight for _, t in options])[0]
        add(item, kind, subject)
    for _ in range(round(len(subjects) * EXTRA_RECORDS)):
        item = "license" if rng.random() < LICENCE_SHARE else "penalty"
        options = [t for i, t in kinds if i == item]
        kind = rng.choices(options, weights=[t.weight for t in options])[0]
        if pools[id(kind)]:
            add(item, kind, rng.choice(pools[id(kind)]))
    return streams


# ---------------------------------------------------------------------------------------------------
# Typical mistakes


def _bad_check_digit(uscc: str) -> str:
    """The USCC with one mistyped character: both its check characters then fail (uscc_check_digit)."""
    for position in range(9, 16):
        for ch in "0123456789":
            candidate = uscc[:position] + ch + uscc[position + 1 :]
            if candidate != uscc and any(e.code == "uscc_check_digit" for e in check_uscc(candidate).errors):
                return candidate
    raise AssertionError(f"no single-character typo of {uscc} fails both checks")


def _bad_ric(ric: str) -> str:
    wrong = str((int(ric[16]) + 1) % 10)
    candidate = ric[:16] + wrong + ric[17]
    assert not check_ric(candidate).ok
    return candidate


def _excel_number(uscc: str) -> str:
    """How a spreadsheet shows an 18-digit code typed as a number: 9.13604E+17."""
    return f"{uscc[0]}.{uscc[1:6]}E+17"


def _faulty_rows(
    gen: _Generator, stream: _Stream, people: list[DemoSubject], *, day: dt.date, spreadsheet: bool
) -> list[DemoRow]:
    """New decisions of the stream's department, each with one mistake departments typically make.

    ``spreadsheet``: the file is an XLSX, where a mangled code is a number cell, not text.
    """
    rng = gen.rng
    p = "XK" if stream.item == "license" else "CF"
    uscc, ric = f"{p}_XDR_SHXYM", f"{p}_XDR_ZJHM"
    samples = _samples(rng, people, stream.department, stream.item, count=60)

    def fresh(accept: Callable[[Any, DemoSubject], bool], *, fined: bool = False) -> dict[str, Any] | None:
        for pair in [pair for pair in samples if accept(*pair)]:
            samples.remove(pair)
            for _ in range(10):  # the sanctions are drawn: a fine is not certain
                row = gen.row(stream, *pair, gen.before(day, rng.randint(1, 5)))
                if not fined or "CF_NR_FK" in row.fields:
                    rows.append(row)
                    return row.fields
        return None

    rows: list[DemoRow] = []
    organisation = lambda kind, s: s.kind == SubjectKind.ORGANISATION  # noqa: E731
    if (fields := fresh(organisation)) is not None:
        fields[uscc] = _bad_check_digit(fields[uscc])
    if (fields := fresh(organisation)) is not None:
        fields[uscc] = float(_excel_number(fields[uscc])) if spreadsheet else _excel_number(fields[uscc])
    if (fields := fresh(lambda kind, s: True)) is not None:
        fields[f"{p}_JDRQ"] = "2023-13-01"
    if (fields := fresh(lambda kind, s: True)) is not None:
        fields["CF_YJ" if p == "CF" else "XK_NR"] = ""  # 处罚依据 / 许可内容 left empty
    if p == "CF" and (fields := fresh(lambda kind, s: bool(kind.fines), fined=True)) is not None:
        fields["CF_NR_FK"] = f"{_yuan(fields['CF_NR_FK']).replace(',', '')}元"  # 元 instead of 万元
    if (fields := fresh(lambda kind, s: s.kind == SubjectKind.NATURAL_PERSON)) is not None:
        fields[ric] = _bad_ric(fields[ric])
    return rows


# ---------------------------------------------------------------------------------------------------
# Files


def _header(schema: ItemSchema, code: str, style: str) -> str:
    spec = schema.field(code)
    if style == "name":
        return spec.name
    if style == "synonym":
        return spec.synonyms[0] if spec.synonyms else spec.name
    if style == "legacy":
        return spec.legacy_codes[0] if spec.legacy_codes else code
    return code


def _date_text(day: dt.date, style: str) -> str:
    if style == "slash":
        return f"{day:%Y/%m/%d}"
    if style == "compact":
        return f"{day:%Y%m%d}"
    if style == "chinese":
        return f"{day.year}年{day.month}月{day.day}日"
    return day.isoformat()


def _cell(value: Any, *, upload: Upload) -> Any:
    if isinstance(value, dt.date):
        return (
            value if upload.format == "xlsx" and upload.dates == "cell" else _date_text(value, upload.dates)
        )
    if isinstance(value, float):
        # Amounts: numbers in a spreadsheet, plain decimals in a CSV.
        return value if upload.format == "xlsx" else format(Decimal(repr(value)).normalize(), "f")
    return value


def _write(path: Path, *, upload: Upload, headers: list[str], rows: list[list[Any]], stamp: dt.date) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if upload.format == "xlsx":
        _write_xlsx(path, headers=headers, rows=rows, stamp=stamp)
        return
    with path.open("w", encoding=ENCODINGS[upload.format], newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(headers)
        writer.writerows(["" if v is None else v for v in row] for row in rows)


def _write_xlsx(path: Path, *, headers: list[str], rows: list[list[Any]], stamp: dt.date) -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("报送数据")
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    notes = book.create_sheet("填报说明")
    notes.append(["日期列为日期格式；统一社会信用代码、身份证号码列为文本格式；金额单位为万元。"])
    moment = dt.datetime.combine(stamp, dt.time(9, 0))
    book.properties.creator = COUNTY
    book.properties.created = moment
    buffer = io.BytesIO()
    book.save(buffer)
    # openpyxl stamps the entries and docProps with the current time; fixed values make the file reproducible.
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(<)",
                    rb"\g<1>" + f"{moment:%Y-%m-%dT%H:%M:%SZ}".encode() + rb"\2",
                    data,
                )
            entry = zipfile.ZipInfo(info.filename, date_time=moment.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, data)


def _file(
    directory: Path,
    *,
    department: str,
    item: str,
    name: str,
    rows: list[DemoRow],
    schema: ItemSchema,
    received_at: dt.datetime,
    purpose: str,
) -> DemoFile:
    upload = UPLOADS[department]
    present = {code for row in rows for code in row.fields}
    columns = [code for code in COLUMNS[item] if code in present]
    if not upload.source_columns:
        columns = [code for code in columns if code not in SOURCE_COLUMNS]
    headers = [_header(schema, code, upload.headers) for code in columns]
    cells = [[_cell(row.fields.get(code), upload=upload) for code in columns] for row in rows]
    extension = "xlsx" if upload.format == "xlsx" else "csv"
    path = directory / f"{name}.{extension}"
    _write(path, upload=upload, headers=headers, rows=cells, stamp=received_at.date())
    return DemoFile(department, item, path, received_at, len(rows), purpose)


def generate_county(
    *,
    seed: int,
    subjects: int,
    as_of: dt.date,
    departments: Mapping[str, tuple[str, str]],
    schemas: Mapping[str, ItemSchema],
    calendar: WorkCalendar,
    directory: Path,
) -> DemoPlan:
    """Draw the county's subjects and decisions and write the departments' files under ``directory``.

    ``departments``: code → (name, USCC); ``schemas``: item code → ItemSchema (for the column headers);
    ``calendar``: a working-day calendar covering the three years before ``as_of`` and some weeks more.
    """
    rng = random.Random(seed)
    people = demo_subjects(rng=rng, count=subjects)
    streams = _assign(rng, people)
    gen = _Generator(rng=rng, as_of=as_of, calendar=calendar, departments=departments)
    for key in sorted(streams):
        gen.stream(streams[key])
    # However small the county, it shows a repeated row and a correction.
    several = [streams[key] for key in sorted(streams) if len(streams[key].rounds) > 1]
    if several:
        largest = max(several, key=lambda s: sum(map(len, s.rounds)))
        if not gen.repeats:
            gen.repeat(largest, 1)
        if not gen.corrections:
            gen.correct(largest, 0, largest.rounds[0][0])

    # The latest file of one department has typical mistakes.
    errors = streams.get(ERRORS_STREAM)
    if errors is None:  # a county too small to have one: the file holds only the faulty rows
        errors = streams[ERRORS_STREAM] = _Stream(*ERRORS_STREAM)
        errors.days = [gen.on_or_before(as_of - dt.timedelta(days=2))]
        errors.rounds = [[]]
    latest = errors.rounds[-1]
    spreadsheet = UPLOADS[ERRORS_STREAM[0]].format == "xlsx"
    for row in _faulty_rows(gen, errors, people, day=errors.days[-1], spreadsheet=spreadsheet):
        latest.insert(rng.randrange(len(latest) + 1), row)

    files: list[DemoFile] = []
    for key in sorted(streams):
        stream = streams[key]
        department_name = departments[stream.department][0]
        for day, rows in zip(stream.days, stream.rounds, strict=True):
            if not rows:  # a tiny county's department with nothing to send
                continue
            purpose = "errors" if stream is errors and day == stream.days[-1] else "regular"
            files.append(
                _file(
                    directory / stream.department,
                    department=stream.department,
                    item=stream.item,
                    name=f"{department_name}_{ITEM_NAMES[stream.item]}_{day:%Y%m%d}",
                    rows=rows,
                    schema=schemas[stream.item],
                    received_at=gen.received_at(day),
                    purpose=purpose,
                )
            )
    files.sort(key=lambda f: (f.received_at, f.department, f.item))

    pending = _pending(gen, streams, people, departments, schemas, directory / PENDING_DIR)
    revocations = _revocations(rng, streams, as_of)
    return DemoPlan(subjects=people, files=files, pending=pending, revocations=revocations)


def _samples(rng: random.Random, people: list[DemoSubject], department: str, item: str, count: int = 12):
    """``count`` (decision type, subject) pairs of a department's usual decisions."""
    kinds = [t for t in (LICENCES if item == "license" else PENALTIES) if t.department == department]
    out = []
    for _ in range(count):
        kind = rng.choices(kinds, weights=[t.weight for t in kinds])[0]
        pool = [s for s in people if _concerns(kind, s)]
        if pool:
            out.append((kind, rng.choice(pool)))
    return out


def _pending(gen: _Generator, streams, people, departments, schemas, directory: Path) -> DemoFile | None:
    """A file with typical mistakes for the user to upload: recent decisions of the market regulator."""
    department, item = PENDING_STREAM
    stream = streams.get(PENDING_STREAM) or _Stream(department, item)
    day = gen.on_or_before(gen.as_of)
    rows = [
        gen.row(stream, kind, subject, gen.before(day, gen.rng.randint(1, 5)))
        for kind, subject in _samples(gen.rng, people, department, item, count=16)
    ]
    if not rows:
        return None
    rows.sort(key=lambda r: r.decision)
    for row in _faulty_rows(gen, stream, people, day=day, spreadsheet=True):
        rows.insert(gen.rng.randrange(len(rows) + 1), row)
    name = f"{departments[department][0]}_{ITEM_NAMES[item]}_{day:%Y%m%d}"
    return _file(
        directory,
        department=department,
        item=item,
        name=name,
        rows=rows,
        schema=schemas[item],
        received_at=gen.received_at(day),
        purpose="pending",
    )


def _revocations(rng: random.Random, streams, as_of: dt.date) -> list[Revocation]:
    """A few decisions revoked or withdrawn some weeks after they were published (at least one of each item)."""
    chosen: list[tuple[_Stream, DemoRow]] = []
    for key in sorted(streams):
        stream = streams[key]
        rows = _first_sent(stream)
        share = REVOKED_PENALTIES if stream.item == "penalty" else REVOKED_LICENCES
        chosen += [(stream, row) for row in rng.sample(rows, round(len(rows) * share))]
    for item in ITEM_NAMES:
        candidates = [streams[key] for key in sorted(streams) if key[1] == item and _first_sent(streams[key])]
        if candidates and not any(stream.item == item for stream, _ in chosen):
            largest = max(candidates, key=lambda s: len(_first_sent(s)))
            chosen.append((largest, rng.choice(_first_sent(largest))))
    out = []
    for stream, row in chosen:
        status, reason = rng.choice(REVOCATION_REASONS[stream.item])
        on = min(as_of, row.received + dt.timedelta(days=rng.randint(15, 120)))
        number = row.fields["XK_WSH" if stream.item == "license" else "CF_WSH"]
        text = reason.format(county=COUNTY, year=on.year, n=rng.randint(1, 60))
        out.append(Revocation(stream.department, stream.item, number, status, on, text))
    return out


def _first_sent(stream: _Stream) -> list[DemoRow]:
    """The stream's decisions, each once (the last form it was sent in)."""
    rows = [row for rows in stream.rounds for row in rows if row.received is not None]
    return list({row.fields["XK_WSH" if row.item == "license" else "CF_WSH"]: row for row in rows}.values())
