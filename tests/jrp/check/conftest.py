"""A small world for the credit check: a market regulator, a listed company (with its legal representative),
a clean company, a black list type, one entry in force on the company's record, and a published rulebook."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from tests.factories import record_ingest_row, subject_create
from tests.subjects.factories import ric, uscc
from tests.support import catalog, fast_password_hashing, make_user  # noqa: F401
from xinyong.accounts.models import Department, Role
from xinyong.core.codes import SubjectKind
from xinyong.jrp.measures import rulebook as rulebook_module
from xinyong.jrp.models import Matter, MatterStage, Measure, Rulebook, RulebookStatus
from xinyong.jrp.types import Requester
from xinyong.lists.models import EntryOrigin, EntryState, ListColour, ListEntry, ListingMode, ListType
from xinyong.subjects.models import LinkedRole
from xinyong.subjects.services import linked_person_add

AS_OF = dt.date(2026, 6, 15)
RECEIVED = timezone.make_aware(dt.datetime(2026, 6, 1, 10, 0))
LISTED_USCC = uscc(101)
CLEAN_USCC = uscc(102)
PERSON_RIC = ric(103)
OTHER_RIC = ric(104)
MATTER = "SAMR-XK-001"


@dataclass
class World:
    samr: Department
    other: Department
    listed: object
    clean: object
    record: object
    entry: ListEntry
    list_type: ListType
    rulebook: Rulebook

    def requester(self, department: Department | None = None, **extra) -> Requester:
        department = department or self.samr
        return Requester(department_id=department.pk, department_name=department.name, **extra)


def list_type_create(code: str = "samr_serious", colour: str = ListColour.BLACK) -> ListType:
    return ListType.objects.create(
        code=code,
        name="市场监督管理严重违法失信名单" if colour == ListColour.BLACK else "守信激励对象名单",
        colour=colour,
        listing_mode=ListingMode.MIRRORED,
        domain="市场监管",
        initiating_department="国家市场监督管理总局",
        legal_basis="《市场监督管理严重违法失信名单管理办法》",
        criteria="依法认定的严重违法失信行为",
        subject_kinds=[SubjectKind.ORGANISATION, SubjectKind.NATURAL_PERSON],
        item_code="serious_dishonesty",
        valid_from=dt.date(2022, 1, 1),
    )


def listed_record(*, department, subject, number: str, decision: dt.date = dt.date(2026, 3, 1), **kw):
    return record_ingest_row(
        department=department,
        document_number=number,
        subject=subject,
        decision_date=decision,
        fields={"SX_ZTMC": subject.name, "SX_RDWSH": number},
        received_at=RECEIVED,
        item_code="serious_dishonesty",
        **kw,
    ).record


def entry_create(*, list_type, subject, record, department, start=dt.date(2026, 3, 1), until=None, **kw):
    return ListEntry.objects.create(
        list_type=list_type,
        subject=subject,
        record=record,
        origin=EntryOrigin.IMPORT,
        state=EntryState.EFFECTIVE,
        subject_kind=subject.kind,
        department=department,
        reason="拒不履行生效法律文书确定的义务",
        effective_from=start,
        effective_until=until,
        **kw,
    )


@pytest.fixture(autouse=True)
def _fresh_rulebook_cache():
    clear = getattr(rulebook_module, "rulebook_cache_clear", None)
    if clear is not None:
        clear()
    yield
    if clear is not None:
        clear()


def continuing_measure(world: World, **extra) -> Measure:
    """M-AFTER: mandatory at 甲市市场监督管理局, continues 12 months after the entry ended."""
    fields = {
        "rulebook": world.rulebook,
        "code": "M-AFTER",
        "kind": "punishment",
        "family": "rights",
        "content": "不予通过荣誉称号评选",
        "legal_basis": "发改财金〔2015〕2045号",
        "target": "严重违法失信主体",
        "list_type_codes": [world.list_type.code],
        "implementing_department": world.samr,
        "application": "mandatory",
        "condition": {"pred": "continues_after_removal", "op": "months", "value": 12},
        **extra,
    }
    return Measure.objects.create(**fields)


@pytest.fixture
def world(db, catalog) -> World:  # noqa: F811
    samr = Department.objects.create(code="samr", name="甲市市场监督管理局")
    other = Department.objects.create(code="tax", name="甲市税务局")
    listed = subject_create(kind=SubjectKind.ORGANISATION, name="甲市示例食品有限公司", uscc=LISTED_USCC)
    clean = subject_create(kind=SubjectKind.ORGANISATION, name="甲市清白贸易有限公司", uscc=CLEAN_USCC)
    linked_person_add(subject=listed, role=LinkedRole.LEGAL_REPRESENTATIVE, name="张三", ric=PERSON_RIC)
    record = listed_record(department=samr, subject=listed, number="甲市监严〔2026〕1号")
    list_type = list_type_create()
    entry = entry_create(list_type=list_type, subject=listed, record=record, department=samr)
    Matter.objects.create(code=MATTER, name="食品经营许可", department=samr, stage=MatterStage.BEFORE)
    Matter.objects.create(code="TAX-001", name="发票领用", department=other, stage=MatterStage.DURING)
    rulebook = Rulebook.objects.create(number=1, status=RulebookStatus.PUBLISHED)
    common = {
        "rulebook": rulebook,
        "family": "rights",
        "legal_basis": "国办发〔2020〕49号",
        "target": "严重失信主体",
    }
    Measure.objects.create(
        code="M-LIMIT",
        kind="punishment",
        content="依法限制其申请食品经营许可",
        list_type_codes=[list_type.code],
        implementing_department=samr,
        stage=MatterStage.BEFORE,
        application="mandatory",
        **common,
    )
    Measure.objects.create(
        code="M-WATCH",
        kind="punishment",
        content="列为重点监管对象，提高抽查比例和频次",
        list_type_codes=[list_type.code],
        implementing_department=samr,
        stage=MatterStage.DURING,
        application="recommended",
        **common,
    )
    Measure.objects.create(
        code="M-PERSON",
        kind="punishment",
        content="限制其法定代表人担任其他企业的法定代表人",
        list_type_codes=[list_type.code],
        implementing_department=samr,
        stage=MatterStage.BEFORE,
        application="mandatory",
        extends_to_responsible_persons=True,
        **common,
    )
    return World(samr, other, listed, clean, record, entry, list_type, rulebook)


@pytest.fixture
def clerk(world):
    return make_user("chuangkou", role=Role.WINDOW_CLERK, department=world.samr)
