"""Shipped list types, and entries resting on serious-dishonesty and honour records, for the FollowTheMoney
tests: records through the loader, entries through ``list_entries_sync`` (the path of every batch)."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from tests.factories import record_ingest_row, subject_create
from xinyong.accounts.models import Department
from xinyong.catalog.services import catalog_load_fixtures
from xinyong.core.codes import SubjectKind
from xinyong.core.identifiers import generate_ric, generate_uscc
from xinyong.lists.models import ListEntry
from xinyong.lists.services import list_entries_sync, list_types_load

AS_OF = dt.date(2026, 6, 15)
RECEIVED = timezone.make_aware(dt.datetime(2026, 6, 1, 10, 0))
COURT_USCC = generate_uscc(random.Random(11), category="11")
DEBTORS = "失信被执行人"  # list type court_dishonest_debtor (mirrored, black, 24 months)
CERTIFIED = "电子认证服务行业联合奖惩对象（守信）"  # list type electronic_certification (mirrored, red)


def lists_world() -> Department:
    """The shipped catalog and list types, and the court that submits its debtors."""
    catalog_load_fixtures(as_of=AS_OF)
    list_types_load(as_of=AS_OF)
    return Department.objects.create(code="court", name="甲市中级人民法院", uscc=COURT_USCC)


def organisation(seed: int, name: str, category: str = "91"):
    kind = SubjectKind.INDIVIDUAL_BUSINESS if category == "92" else SubjectKind.ORGANISATION
    return subject_create(kind=kind, name=name, uscc=generate_uscc(random.Random(seed), category=category))


def person(seed: int, name: str):
    ric = generate_ric(random.Random(seed), birth_date=dt.date(1980, 5, 17), sex="M")
    return subject_create(kind=SubjectKind.NATURAL_PERSON, name=name, ric=ric)


def listed(
    *,
    department: Department,
    subject,
    document: str,
    list_name: str = DEBTORS,
    decided: dt.date = dt.date(2026, 3, 2),
    removed_on: dt.date | None = None,
    reason: str = "有履行能力而拒不履行生效法律文书确定的义务",
) -> ListEntry | None:
    """A serious-dishonesty record of ``subject`` through the loader, and the entry the sync makes of it."""
    fields = {
        "SX_ZTMC": subject.name,
        "SX_MDMC": list_name,
        "SX_SXXW": reason,
        "SX_RDYJ": "《最高人民法院关于公布失信被执行人名单信息的若干规定》",
        "SX_RDWSH": document,
        "SX_LRRQ": decided.isoformat(),
        "SX_RDJG": department.name,
    }
    if removed_on:
        fields.update(SX_YCRQ=removed_on.isoformat(), SX_YCYY="已履行生效法律文书确定的义务")
    ingested = record_ingest_row(
        department=department,
        document_number=document,
        subject=subject,
        decision_date=decided,
        fields=fields,
        received_at=RECEIVED,
        item_code="serious_dishonesty",
        severity="serious",
    )
    list_entries_sync(record_ids=[ingested.record.pk], as_of=AS_OF)
    return ListEntry.objects.filter(record=ingested.record).first()


def honoured(*, department: Department, subject, document: str, decided: dt.date = dt.date(2026, 2, 1)):
    """An honour record (red list) of ``subject`` and its entry."""
    ingested = record_ingest_row(
        department=department,
        document_number=document,
        subject=subject,
        decision_date=decided,
        fields={
            "RY_ZTMC": subject.name,
            "RY_RYMC": CERTIFIED,
            "RY_RDWH": document,
            "RY_RDRQ": decided.isoformat(),
        },
        received_at=RECEIVED,
        item_code="honour",
    )
    list_entries_sync(record_ids=[ingested.record.pk], as_of=AS_OF)
    return ListEntry.objects.filter(record=ingested.record).first()
