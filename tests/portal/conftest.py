"""A small public world: the catalog, departments, organisations, a 个体工商户, two natural persons and their
records (public, shared-only, expired, revoked), with the portal's "today" fixed to the ``as_of`` fixture."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.core.cache import cache
from django.utils import timezone

from tests.factories import record_ingest_row, subject_create
from tests.subjects.factories import RIC, ric, uscc
from xinyong.accounts.models import Department
from xinyong.catalog.models import CatalogItemVersion
from xinyong.catalog.services import catalog_load_fixtures
from xinyong.core.codes import SubjectKind
from xinyong.lists.services import list_entries_sync, list_types_load
from xinyong.records.models import Channel, CreditRecord, RecordStatus
from xinyong.subjects.models import AliasKind

ORG = SubjectKind.ORGANISATION
IB = SubjectKind.INDIVIDUAL_BUSINESS
PERSON = SubjectKind.NATURAL_PERSON
# A second natural person, who only has a shared (not public) penalty.
OTHER_RIC = ric(77)
AUTHORITY_USCC = uscc(900, category="11")


@pytest.fixture
def fixed_today(monkeypatch, as_of):
    """The portal's pages and public API compute everything for ``as_of``, not the wall clock."""
    monkeypatch.setattr("xinyong.portal.views.today", lambda: as_of)
    monkeypatch.setattr("xinyong.portal.api.today", lambda: as_of)
    return as_of


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    # Throttle counts live in the cache: every test starts with a full budget.
    cache.clear()
    yield
    cache.clear()


def received(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))


def penalty_fields(name: str, code: str, number: str, day: dt.date, *, kinds: str = "罚款", **extra) -> dict:
    fields = {
        "CF_XDR_MC": name,
        "CF_XDR_LB": "法人及非法人组织",
        "CF_XDR_SHXYM": code,
        "CF_FRDB": "王五",
        "CF_WSH": number,
        "CF_WFXW": "未按规定公示年度报告",
        "CF_SY": "经查，当事人未按规定报送年度报告。",
        "CF_YJ": "《企业信息公示暂行条例》第十八条",
        "CF_CFLB": kinds,
        "CF_NR": "罚款人民币五千元",
        "CF_NR_FK": "0.5",
        "CF_JDRQ": day.isoformat(),
        "CF_YXQ": "2099-12-31",
        "CF_CFJG": "甲市市场监督管理局",
        "CF_CFJGDM": AUTHORITY_USCC,
        "CF_SJLY": "甲市市场监督管理局",
        "CF_SJLYDM": AUTHORITY_USCC,
        "CF_SXYZCD": "一般",
    }
    fields.update(extra)
    return fields


def license_fields(name: str, code: str, number: str, day: dt.date, *, kind: str = "普通", **extra) -> dict:
    fields = {
        "XK_XDR_MC": name,
        "XK_XDR_LB": "法人及非法人组织",
        "XK_XDR_SHXYM": code,
        "XK_FRDB": "王五",
        "XK_XKWS": "食品经营许可决定书",
        "XK_WSH": number,
        "XK_XKLB": kind,
        "XK_NR": "准予食品经营许可",
        "XK_JDRQ": day.isoformat(),
        "XK_YXQZ": day.isoformat(),
        "XK_YXQZI": "2031-12-31",
        "XK_XKJG": "甲市行政审批局",
        "XK_XKJGDM": AUTHORITY_USCC,
        "XK_ZT": "有效",
        "XK_LYDW": "甲市行政审批局",
        "XK_LYDWDM": AUTHORITY_USCC,
    }
    fields.update(extra)
    return fields


@dataclass
class World:
    as_of: dt.date
    samr: Department
    approval: Department
    company: object
    tech: object
    shop: object
    person: object
    other_person: object
    records: dict[str, CreditRecord] = field(default_factory=dict)


def ingest(
    item_code: str, department, subject, number: str, day: dt.date, fields: dict, **kw
) -> CreditRecord:
    version = CatalogItemVersion.objects.filter(item__code=item_code).order_by("-number").first()
    return record_ingest_row(
        department=department,
        document_number=number,
        subject=subject,
        decision_date=day,
        fields=fields,
        channel=Channel.FILE,
        received_at=received(day + dt.timedelta(days=2)),
        item_version=version,
        severity=kw.pop("severity", "general" if version.polarity == "negative" else ""),
        **kw,
    ).record


@pytest.fixture
def world(db, as_of, fixed_today) -> World:
    catalog_load_fixtures(as_of=dt.date(2019, 1, 1))
    samr = Department.objects.create(code="samr", name="甲市市场监督管理局", uscc=AUTHORITY_USCC)
    approval = Department.objects.create(code="approval", name="甲市行政审批局")
    court = Department.objects.create(code="court", name="甲市人民法院")
    list_types_load(as_of=dt.date(2019, 1, 1))
    company = subject_create(kind=ORG, name="甲市恒信商贸有限公司", uscc=uscc(1))
    tech = subject_create(
        kind=ORG,
        name="福州瑞丰（福建）科技有限公司",
        uscc=uscc(2),
        legacy_codes={AliasKind.REG_NO: "350100400012345"},
    )
    # The same USCC arriving under a new name: the old one becomes a former name (曾用名).
    subject_create(kind=ORG, name="福州瑞丰电子有限公司", uscc=uscc(2))
    shop = subject_create(kind=IB, name="示范县城关镇李四便利店", uscc=uscc(3, category="92"))
    person = subject_create(kind=PERSON, name="张三丰", ric=RIC)
    other = subject_create(kind=PERSON, name="赵六", ric=OTHER_RIC)
    w = World(as_of, samr, approval, company, tech, shop, person, other)
    recent = as_of - dt.timedelta(days=20)
    r = w.records
    r["penalty"] = ingest(
        "penalty",
        samr,
        company,
        "甲市监罚〔2026〕1号",
        recent,
        penalty_fields(company.name, company.uscc, "甲市监罚〔2026〕1号", recent),
    )
    r["penalty_warning"] = ingest(
        "penalty",
        samr,
        tech,
        "甲市监罚〔2026〕2号",
        recent,
        penalty_fields(tech.name, tech.uscc, "甲市监罚〔2026〕2号", recent, kinds="警告", CF_NR="警告"),
    )
    r["penalty_revoked"] = ingest(
        "penalty",
        samr,
        tech,
        "甲市监罚〔2026〕3号",
        recent,
        penalty_fields(
            tech.name, tech.uscc, "甲市监罚〔2026〕3号", recent, kinds="罚款；没收违法所得", CF_NR_WFFF="1"
        ),
        status=RecordStatus.REVOKED,
    )
    old = dt.date(2020, 3, 2)
    r["penalty_expired"] = ingest(
        "penalty",
        samr,
        company,
        "甲市监罚〔2020〕9号",
        old,
        penalty_fields(company.name, company.uscc, "甲市监罚〔2020〕9号", old),
    )
    r["penalty_person"] = ingest(
        "penalty",
        samr,
        other,
        "甲市监罚〔2026〕4号",
        recent,
        penalty_fields(
            other.name,
            "",
            "甲市监罚〔2026〕4号",
            recent,
            CF_XDR_LB="自然人",
            CF_XDR_ZJLX="身份证",
            CF_XDR_ZJHM=OTHER_RIC,
        ),
    )
    r["license"] = ingest(
        "license",
        approval,
        tech,
        "甲审批许〔2026〕7号",
        recent - dt.timedelta(days=3),
        license_fields(
            tech.name, tech.uscc, "甲审批许〔2026〕7号", recent - dt.timedelta(days=3), kind="特许"
        ),
    )
    r["license_shop"] = ingest(
        "license",
        approval,
        shop,
        "甲审批许〔2026〕8号",
        recent,
        license_fields(shop.name, shop.uscc, "甲审批许〔2026〕8号", recent, XK_XDR_LB="个体工商户"),
    )
    r["honour"] = ingest(
        "honour",
        approval,
        person,
        "甲政〔2026〕11号",
        recent,
        {
            "RY_ZTMC": person.name,
            "RY_ZTLB": "自然人",
            "RY_ZJLX": "身份证",
            "RY_ZJHM": RIC,
            "RY_RYMC": "诚信示范个人",
            "RY_RDWH": "甲政〔2026〕11号",
            "RY_RDRQ": recent.isoformat(),
            "RY_RDJG": "甲市人民政府",
            "RY_RDJGDM": AUTHORITY_USCC,
            "RY_LYDW": "甲市行政审批局",
            "RY_LYDWDM": AUTHORITY_USCC,
            # A full ID number typed into free text must not leak either.
            "BZ": f"身份证号码 {RIC} 已核验",
        },
    )
    r["abnormal"] = ingest(
        "abnormal_operations",
        samr,
        company,
        "甲市监异〔2026〕5号",
        recent,
        {
            "YC_QYMC": company.name,
            "YC_ZTLB": "法人及非法人组织",
            "YC_TYSHXYDM": company.uscc,
            "YC_LRYY": "未按照规定期限公示年度报告",
            "YC_LRRQ": recent.isoformat(),
            "YC_LRWSH": "甲市监异〔2026〕5号",
            "YC_LRJG": "甲市市场监督管理局",
            "YC_LRJGDM": AUTHORITY_USCC,
            "YC_LYDW": "甲市市场监督管理局",
            "YC_LYDWDM": AUTHORITY_USCC,
        },
    )
    # A court's 失信被执行人 listing: a mirrored list type, effective on import.
    r["black"] = ingest(
        "serious_dishonesty",
        court,
        company,
        "（2026）甲执2号",
        recent,
        {
            "SX_ZTMC": company.name,
            "SX_ZTLB": "法人及非法人组织",
            "SX_TYSHXYDM": company.uscc,
            "SX_MDMC": "失信被执行人名单",
            "SX_SXXW": "拒不履行生效法律文书",
            "SX_RDYJ": "《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条",
            "SX_RDWSH": "（2026）甲执2号",
            "SX_LRRQ": recent.isoformat(),
            "SX_RDJG": "甲市人民法院",
            "SX_RDJGDM": AUTHORITY_USCC,
            "SX_LYDW": "甲市人民法院",
            "SX_LYDWDM": AUTHORITY_USCC,
        },
        severity="serious",
    )
    # The portal's list pages read list entries: the loader's records become entries through the sync that
    # collection runs after every batch.
    list_entries_sync(record_ids=[record.pk for record in r.values()], as_of=as_of)
    return w
