"""The demo county's other credit information: 严重失信主体名单, 经营异常名录, 荣誉 (守信激励) and 信用承诺.

These come in small numbers, so the departments enter them one by one in the console form
(``record_submit_form``), with the same validation as a file. They give the portal's red and black list
pages, the credit reports' list sections and the credit archive something real to show.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from xinyong.accounts.models import Department, User
from xinyong.collection.entry import record_submit_form
from xinyong.core.codes import SubjectKind
from xinyong.demo.county import UPLOADS
from xinyong.demo.decisions import add_years
from xinyong.subjects import crypto
from xinyong.subjects.models import LinkedPerson, Subject

KIND_LABELS = dict(SubjectKind.choices)
FORM_ABBREVIATIONS = {"court": "法", "dev-reform": "信"}  # departments that send no files (no UPLOADS entry)


@dataclass(frozen=True)
class ListSpec:
    """One kind of entry a department makes: how many, for whom, and the wording of its fields."""

    department: str
    item: str
    count: int
    persons: bool  # natural persons may be listed
    title: str  # list / honour / commitment name
    act: str  # 失信行为 / 荣誉 / 承诺事项
    basis: str
    years: int  # validity from the decision


SPECS = [
    ListSpec(
        "court",
        "serious_dishonesty",
        14,
        True,
        "失信被执行人名单",
        "有履行能力而拒不履行生效法律文书确定的义务",
        "《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条",
        2,
    ),
    ListSpec(
        "tax",
        "serious_dishonesty",
        5,
        False,
        "重大税收违法失信主体名单",
        "虚开增值税专用发票",
        "《重大税收违法失信主体信息公布管理办法》第六条",
        3,
    ),
    ListSpec(
        "emergency",
        "serious_dishonesty",
        3,
        False,
        "安全生产严重失信主体名单",
        "发生较大生产安全事故且负有责任",
        "《安全生产严重失信主体名单管理办法》第五条",
        3,
    ),
    ListSpec("samr", "abnormal_operations", 60, False, "", "", "", 0),
    ListSpec(
        "tax",
        "honour",
        25,
        False,
        "纳税信用A级纳税人",
        "",
        "《纳税信用管理办法》第二十条",
        1,
    ),
    ListSpec(
        "dev-reform",
        "honour",
        10,
        False,
        "示范县诚信示范企业",
        "",
        "《示范县诚信示范企业评选办法》",
        3,
    ),
    ListSpec(
        "hrss",
        "honour",
        6,
        True,
        "示范县劳动模范",
        "",
        "《示范县劳动模范评选表彰办法》",
        5,
    ),
    ListSpec(
        "approval",
        "commitment",
        80,
        True,
        "审批替代型",
        "证明事项告知承诺",
        "《国务院办公厅关于全面推行证明事项和涉企经营许可事项告知承诺制的指导意见》",
        1,
    ),
]
ABNORMAL_REASONS = [
    "未按照规定的期限公示年度报告",
    "未按照规定的期限公示年度报告",
    "未按照规定的期限公示年度报告",
    "通过登记的住所或者经营场所无法联系",
    "未在责令的期限内公示有关企业信息",
    "公示企业信息隐瞒真实情况、弄虚作假",
]
COMMITMENTS = [
    ("食品经营许可", "本单位承诺所提交的材料真实有效，符合食品经营许可条件，如有不实愿承担相应法律责任"),
    ("公共场所卫生许可", "本单位承诺经营场所符合卫生规范，在规定期限内补齐相关证明材料"),
    ("建筑工程施工许可", "本单位承诺已落实施工安全措施，如违反承诺自愿接受信用惩戒"),
    ("道路运输经营许可", "本人承诺车辆及从业人员符合规定条件，如有不实自愿撤销许可"),
]


class DemoItemError(Exception):
    """A demo entry was refused by validation: the generator and the catalog disagree."""


def _legal_rep(subject: Subject, rng: random.Random) -> str:
    person = LinkedPerson.objects.filter(subject=subject).order_by("id").first()
    return person.name if person else rng.choice("王李张刘陈杨黄赵") + rng.choice("建国志明秀英海波")


def _party(prefix: str, subject: Subject, rng: random.Random, *, name_code: str, rep_code: str) -> dict:
    values = {name_code: subject.name, f"{prefix}_ZTLB": KIND_LABELS[subject.kind]}
    if subject.kind == SubjectKind.NATURAL_PERSON:
        values[f"{prefix}_ZJLX"] = "身份证"
        values[f"{prefix}_ZJHM"] = crypto.decrypt(subject.ric_encrypted)
    else:
        values[f"{prefix}_TYSHXYDM"] = subject.uscc
        if rep_code:
            values[rep_code] = _legal_rep(subject, rng)
    return values


def _abbr(department: Department) -> str:
    """The department's short form in document numbers (示法执, 示税发 …)."""
    upload = UPLOADS.get(department.code)
    return upload.abbr if upload else FORM_ABBREVIATIONS.get(department.code, "")


def _values(spec: ListSpec, subject: Subject, department: Department, rng, number: int, day: dt.date) -> dict:
    """Field values of one entry, keyed by the catalog's field codes."""
    year = day.year
    until = add_years(day, spec.years).isoformat() if spec.years else ""
    if spec.item == "serious_dishonesty":
        values = _party("SX", subject, rng, name_code="SX_ZTMC", rep_code="SX_FDDBR")
        values.update(
            SX_MDMC=spec.title,
            SX_SXXW=spec.act,
            SX_RDYJ=spec.basis,
            SX_RDWSH=f"（{year}）示{_abbr(department)}执{number:04d}号",
            SX_LRRQ=day.isoformat(),
            SX_YXQZI=until,
            SX_RDJG=department.name,
            SX_RDJGDM=department.uscc,
            SX_LYDW=department.name,
            SX_LYDWDM=department.uscc,
        )
    elif spec.item == "abnormal_operations":
        values = {
            "YC_QYMC": subject.name,
            "YC_ZTLB": KIND_LABELS[subject.kind],
            "YC_TYSHXYDM": subject.uscc,
            "YC_FDDBR": _legal_rep(subject, rng),
            "YC_LRYY": rng.choice(ABNORMAL_REASONS),
            "YC_LRRQ": day.isoformat(),
            "YC_LRWSH": f"示市监异〔{year}〕{number}号",
            "YC_LRJG": department.name,
            "YC_LRJGDM": department.uscc,
            "YC_LYDW": department.name,
            "YC_LYDWDM": department.uscc,
        }
    elif spec.item == "honour":
        values = _party("RY", subject, rng, name_code="RY_ZTMC", rep_code="")
        values.update(
            RY_RYMC=spec.title,
            RY_RYJB="县级",
            RY_RDWH=f"示{_abbr(department)}发〔{year}〕{number}号",
            RY_RDRQ=day.isoformat(),
            RY_YXQZ=day.isoformat(),
            RY_YXQZI=until,
            RY_RDJG=department.name,
            RY_RDJGDM=department.uscc,
            RY_LYDW=department.name,
            RY_LYDWDM=department.uscc,
        )
    else:
        matter, content = rng.choice(COMMITMENTS)
        values = _party("CN", subject, rng, name_code="CN_ZTMC", rep_code="CN_FDDBR")
        values.update(
            CN_CNLX=spec.title,
            CN_CNSX=matter,
            CN_CNNR=content,
            CN_CNSBH=f"示审批承诺〔{year}〕{number}号",
            CN_CNRQ=day.isoformat(),
            CN_LXQX=until,
            CN_SLDW=department.name,
            CN_SLDWDM=department.uscc,
            CN_LXZT="履行中",
        )
    return {code: value for code, value in values.items() if value not in (None, "")}


def demo_other_items(
    *,
    seed: int,
    as_of: dt.date,
    departments: dict[str, Department],
    officers: dict[str, User],
    say: Callable[[str], None],
    scale: float = 1.0,
) -> int:
    """Enter the lists, honours and commitments of the demo county through the console form; returns the count."""
    rng = random.Random(seed * 31 + 7)
    organisations = list(
        Subject.objects.filter(kind=SubjectKind.ORGANISATION, uscc__isnull=False, uscc__startswith="91")
        .order_by("id")
        .values_list("id", flat=True)
    )
    everyone = list(
        Subject.objects.exclude(uscc__isnull=True, kind=SubjectKind.INDIVIDUAL_BUSINESS).order_by("id")
    )
    persons = [s.pk for s in everyone if s.kind == SubjectKind.NATURAL_PERSON]
    entered = 0
    for spec in SPECS:
        department, officer = departments[spec.department], officers[spec.department]
        pool = organisations + (persons if spec.persons else [])
        count = min(len(pool) // 2, max(2, round(spec.count * scale)))  # SPECS are sized for 10,000 subjects
        chosen = Subject.objects.in_bulk(rng.sample(pool, count))
        for number, subject_id in enumerate(sorted(chosen), 1):
            day = as_of - dt.timedelta(days=rng.randrange(20, 700))
            received = timezone.make_aware(
                dt.datetime.combine(day + dt.timedelta(days=rng.randrange(1, 6)), dt.time(10, 30))
            )
            result = record_submit_form(
                department=department,
                item_code=spec.item,
                values=_values(spec, chosen[subject_id], department, rng, number, day),
                actor=officer,
                as_of=timezone.localdate(received),
                received_at=received,
            )
            if not result.ok:
                problems = "；".join(f"{e.code} {e.message}" for e in result.errors)
                raise DemoItemError(f"{spec.item} {chosen[subject_id].name}: {problems}")
            entered += 1
        say(f"  {department.name}：{spec.title or '经营异常名录'} {count} 条")
    return entered
