"""The demo county (示范县): departments, console users, an API client, subjects and credit records.

Deterministic for a given seed, and idempotent: running it again adds nothing that is already there
(the records go through the normal ingest path, so a second run only counts duplicates).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from xinyong.accounts.models import ApiClient, Department, Role, User
from xinyong.accounts.services import apiclient_create, apiclient_revoke, department_create, user_create
from xinyong.catalog.services import catalog_load_fixtures
from xinyong.core.codes import SubjectKind
from xinyong.core.identifiers import generate_ric, generate_uscc
from xinyong.core.services import calendar_seed
from xinyong.records.models import Channel
from xinyong.records.services import record_ingest
from xinyong.subjects.services import subject_resolve

REGION = "360499"  # a fictional county under a real prefecture code
COUNTY = "示范县"
DEMO_PASSWORD = "Xinyong@Demo2026"
DEMO_API_CLIENT = "演示接口客户端（市场监管局）"

# (code, name, parent code) — the county government and its departments; the court stands apart.
DEPARTMENTS: list[tuple[str, str, str | None]] = [
    ("gov", f"{COUNTY}人民政府", None),
    ("dev-reform", f"{COUNTY}发展和改革委员会（县信用办）", "gov"),
    ("samr", f"{COUNTY}市场监督管理局", "gov"),
    ("tax", f"国家税务总局{COUNTY}税务局", None),
    ("court", f"{COUNTY}人民法院", None),
    ("emergency", f"{COUNTY}应急管理局", "gov"),
    ("ecology", f"示范市生态环境局{COUNTY}分局", "gov"),
    ("hrss", f"{COUNTY}人力资源和社会保障局", "gov"),
    ("finance", f"{COUNTY}财政局", "gov"),
    ("housing", f"{COUNTY}住房和城乡建设局", "gov"),
    ("transport", f"{COUNTY}交通运输局", "gov"),
    ("civil-affairs", f"{COUNTY}民政局", "gov"),
    ("staffing", f"中共{COUNTY}委机构编制委员会办公室", None),
    ("public-security", f"{COUNTY}公安局", "gov"),
    ("agriculture", f"{COUNTY}农业农村局", "gov"),
    ("natural-resources", f"{COUNTY}自然资源局", "gov"),
    ("health", f"{COUNTY}卫生健康委员会", "gov"),
    ("education", f"{COUNTY}教育体育局", "gov"),
    ("culture-tourism", f"{COUNTY}文化广电旅游局", "gov"),
    ("water", f"{COUNTY}水利局", "gov"),
    ("commerce", f"{COUNTY}商务局", "gov"),
    ("medical-insurance", f"{COUNTY}医疗保障局", "gov"),
    ("urban-management", f"{COUNTY}综合行政执法局", "gov"),
    ("approval", f"{COUNTY}行政审批局", "gov"),
    ("fire", f"{COUNTY}消防救援大队", None),
]

# (username, role, department code, display name)
USERS: list[tuple[str, str, str, str]] = [
    ("xinban", Role.OPERATOR, "dev-reform", "信用办管理员"),
    ("samr_data", Role.DATA_OFFICER, "samr", "市场监管局报送员"),
    ("samr_review", Role.REVIEWER, "samr", "市场监管局审核员"),
    ("tax_data", Role.DATA_OFFICER, "tax", "税务局报送员"),
    ("chuangkou", Role.WINDOW_CLERK, "approval", "政务服务窗口"),
    ("shenji", Role.AUDITOR, "dev-reform", "审计员"),
]

# Licensing and penalising departments with what they typically decide.
LICENSERS = {
    "samr": ("食品经营许可证", "食品经营许可", "核准"),
    "housing": ("建筑工程施工许可证", "建筑工程施工许可", "普通"),
    "transport": ("道路运输经营许可证", "道路运输经营许可", "普通"),
    "health": ("公共场所卫生许可证", "公共场所卫生许可", "普通"),
    "ecology": ("排污许可证", "排污许可", "普通"),
    "culture-tourism": ("娱乐经营许可证", "娱乐场所经营许可", "普通"),
}
PENALTIES = {
    "samr": ("销售不符合食品安全标准的食品", "《中华人民共和国食品安全法》第一百二十四条"),
    "emergency": ("未按规定对从业人员进行安全生产教育和培训", "《中华人民共和国安全生产法》第九十七条"),
    "ecology": ("超过大气污染物排放标准排放大气污染物", "《中华人民共和国大气污染防治法》第九十九条"),
    "tax": ("未按照规定期限办理纳税申报", "《中华人民共和国税收征收管理法》第六十二条"),
    "transport": ("未取得道路运输经营许可擅自从事道路运输经营", "《中华人民共和国道路运输条例》第六十三条"),
    "fire": ("消防设施未保持完好有效", "《中华人民共和国消防法》第六十条"),
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红"
TRADE = [
    "恒信",
    "宏达",
    "鑫源",
    "华兴",
    "金盛",
    "瑞丰",
    "新锐",
    "益民",
    "诚安",
    "永昌",
    "天成",
    "众和",
    "博远",
    "润泽",
]
INDUSTRY = ["商贸", "建筑工程", "食品", "物流", "农业开发", "科技", "餐饮管理", "化工", "运输", "环保科技"]


@dataclass
class DemoReport:
    departments: int = 0
    users: list[str] = field(default_factory=list)
    api_key: str = ""
    subjects: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)


def _person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


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


def _users(departments: dict[str, Department], report: DemoReport) -> None:
    for username, role, dept, display in USERS:
        if not User.objects.filter(username=username).exists():
            user_create(
                username=username,
                role=role,
                department=departments[dept],
                password=DEMO_PASSWORD,
                first_name=display,
            )
        report.users.append(f"{username}（{Role(role).label}，{departments[dept].name}）")


def _api_client(departments: dict[str, Department], report: DemoReport, now: dt.datetime) -> None:
    # A key is shown only once, so each run replaces the demo client's key with a fresh one.
    for client in ApiClient.objects.filter(name=DEMO_API_CLIENT, revoked_at__isnull=True):
        apiclient_revoke(client=client, now=now)
    _, report.api_key = apiclient_create(
        name=DEMO_API_CLIENT,
        department=departments["samr"],
        scopes=["records:read", "subjects:read"],
        now=now,
    )


def _subjects(rng: random.Random, count: int) -> list[dict]:
    """Subject descriptions (kind, name, identifiers) for the records below."""
    subjects = []
    for i in range(count):
        roll = rng.random()
        if roll < 0.6:
            name = f"{COUNTY}{rng.choice(TRADE)}{rng.choice(INDUSTRY)}有限公司"
            if i % 7 == 0:
                name = name.replace("有限公司", f"{i}号有限公司")
            uscc = generate_uscc(rng, category="91", division=REGION)
            subjects.append(
                {"kind": SubjectKind.ORGANISATION, "name": name, "uscc": uscc, "legal_rep": _person_name(rng)}
            )
        elif roll < 0.8:
            owner = _person_name(rng)
            name = f"{COUNTY}{owner}{rng.choice(['便利店', '小吃店', '五金店', '理发店', '农资店'])}"
            uscc = generate_uscc(rng, category="92", division=REGION)
            subjects.append(
                {"kind": SubjectKind.INDIVIDUAL_BUSINESS, "name": name, "uscc": uscc, "legal_rep": owner}
            )
        else:
            birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(365 * 50))
            ric = generate_ric(rng, birth_date=birth, sex=rng.choice("MF"), region=REGION)
            subjects.append({"kind": SubjectKind.NATURAL_PERSON, "name": _person_name(rng), "ric": ric})
    return subjects


def _party_fields(prefix: str, subject: dict) -> dict[str, str]:
    fields = {f"{prefix}_XDR_MC": subject["name"], f"{prefix}_XDR_LB": SubjectKind(subject["kind"]).label}
    if subject.get("uscc"):
        fields[f"{prefix}_XDR_SHXYM"] = subject["uscc"]
        fields[f"{prefix[:2]}_FRDB"] = subject["legal_rep"]
    else:
        fields[f"{prefix}_XDR_ZJLX"] = "身份证"
        fields[f"{prefix}_XDR_ZJHM"] = subject["ric"]
    return fields


def _records(
    departments: dict[str, Department],
    subjects: list[dict],
    rng: random.Random,
    as_of: dt.date,
    report: DemoReport,
) -> None:
    resolved = {}
    received_at = timezone.make_aware(dt.datetime.combine(as_of, dt.time(9, 0)))
    for n in range(len(subjects) * 2):
        # Every subject gets a record first (the registry then holds as many as were asked for).
        subject = subjects[n] if n < len(subjects) else rng.choice(subjects)
        decision = as_of - dt.timedelta(days=rng.randrange(3 * 365))
        license_ = rng.random() < 0.65
        dept_code = rng.choice(list(LICENSERS if license_ else PENALTIES))
        department = departments[dept_code]
        key = subject.get("uscc") or subject["ric"]
        if key not in resolved:
            resolved[key] = subject_resolve(
                kind=subject["kind"],
                name=subject["name"],
                uscc=subject.get("uscc"),
                ric=subject.get("ric"),
                source="演示数据",
                as_of=as_of,
            ).subject
        year = decision.year
        if license_:
            cert, content, category = LICENSERS[dept_code]
            doc = f"示{dept_code[:2].upper()}许字〔{year}〕{n + 1:04d}号"
            fields = {
                **_party_fields("XK", subject),
                "XK_XKWS": f"{content}决定书",
                "XK_WSH": doc,
                "XK_XKLB": category,
                "XK_XKZS": cert,
                "XK_XKBH": f"{dept_code[:2].upper()}{year}{n + 1:06d}",
                "XK_NR": f"准予{content}",
                "XK_JDRQ": decision.isoformat(),
                "XK_YXQZ": decision.isoformat(),
                "XK_YXQZI": decision.replace(year=year + 5).isoformat()
                if decision.month != 2 or decision.day != 29
                else f"{year + 5}-02-28",
                "XK_XKJG": department.name,
                "XK_XKJGDM": department.uscc,
                "XK_ZT": "有效",
                "XK_LYDW": department.name,
                "XK_LYDWDM": department.uscc,
            }
            item, severity = "license", ""
        else:
            act, basis = PENALTIES[dept_code]
            kinds = rng.choice(
                [["警告"], ["罚款"], ["警告", "罚款"], ["罚款", "没收违法所得"], ["责令停产停业", "罚款"]]
            )
            doc = f"示{dept_code[:2].upper()}罚决字〔{year}〕{n + 1:04d}号"
            fine = round(rng.uniform(0.05, 20), 2)
            fields = {
                **_party_fields("CF", subject),
                "CF_WSH": doc,
                "CF_WFXW": act,
                "CF_SY": f"经查，当事人存在{act}的违法行为。",
                "CF_YJ": basis,
                "CF_CFLB": "；".join(kinds),
                "CF_NR": "、".join(kinds),
                "CF_JDRQ": decision.isoformat(),
                "CF_YXQ": decision.replace(year=year + 3).isoformat()
                if decision.month != 2 or decision.day != 29
                else f"{year + 3}-02-28",
                "CF_CFJG": department.name,
                "CF_CFJGDM": department.uscc,
                "CF_SJLY": department.name,
                "CF_SJLYDM": department.uscc,
            }
            if "罚款" in kinds:
                fields["CF_NR_FK"] = f"{fine:.2f}"
            if "没收违法所得" in kinds:
                fields["CF_NR_WFFF"] = f"{fine / 4:.2f}"
            item = "penalty"
            severity = "serious" if "责令停产停业" in kinds else ("minor" if kinds == ["警告"] else "general")
        outcome = record_ingest(
            item_code=item,
            department=department,
            document_number=doc,
            subject=resolved[key],
            decision_date=decision,
            fields=fields,
            severity=severity,
            channel=Channel.SYSTEM,
            received_at=received_at,
            batch_ref="demo",
        )
        report.outcomes[outcome.outcome] = report.outcomes.get(outcome.outcome, 0) + 1
    report.subjects = len(resolved)


def demo_build(*, seed: int = 2026, subjects: int = 300, as_of: dt.date) -> DemoReport:
    """Build (or complete) the demo county; deterministic for a seed, idempotent across runs."""
    report = DemoReport()
    calendar_seed()
    catalog_load_fixtures(as_of=as_of)
    with transaction.atomic():
        departments = _departments(report)
        _users(departments, report)
        _api_client(departments, report, timezone.now())
    rng = random.Random(seed)
    with transaction.atomic():
        _records(departments, _subjects(rng, subjects), rng, as_of, report)
    return report
