"""Black and red lists with entries on serious-dishonesty records, for the FollowTheMoney tests."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from tests.factories import record_ingest_row, subject_create
from xinyong.accounts.models import Department
from xinyong.core.codes import SubjectKind
from xinyong.core.identifiers import generate_ric, generate_uscc
from xinyong.lists.models import EntryOrigin, EntryState, ListColour, ListEntry, ListingMode, ListType

AS_OF = dt.date(2026, 6, 15)
RECEIVED = timezone.make_aware(dt.datetime(2026, 6, 1, 10, 0))
COURT_USCC = generate_uscc(random.Random(11), category="11")


def court() -> Department:
    return Department.objects.create(code="court", name="甲市中级人民法院", uscc=COURT_USCC)


def list_type(
    code: str, name: str, *, colour: str = ListColour.BLACK, mode: str = ListingMode.MIRRORED
) -> ListType:
    return ListType.objects.create(
        code=code,
        name=name,
        colour=colour,
        listing_mode=mode,
        domain="司法",
        initiating_department="最高人民法院",
        legal_basis="《最高人民法院关于公布失信被执行人名单信息的若干规定》",
        criteria="有履行能力而拒不履行生效法律文书确定义务",
        subject_kinds=[SubjectKind.ORGANISATION, SubjectKind.NATURAL_PERSON, SubjectKind.INDIVIDUAL_BUSINESS],
        synonyms=[name],
        item_code="serious_dishonesty",
        valid_from=dt.date(2024, 1, 1),
    )


def organisation(seed: int, name: str, category: str = "91"):
    kind = SubjectKind.INDIVIDUAL_BUSINESS if category == "92" else SubjectKind.ORGANISATION
    return subject_create(kind=kind, name=name, uscc=generate_uscc(random.Random(seed), category=category))


def person(seed: int, name: str):
    ric = generate_ric(random.Random(seed), birth_date=dt.date(1980, 5, 17), sex="M")
    return subject_create(kind=SubjectKind.NATURAL_PERSON, name=name, ric=ric)


def listed(
    *,
    department: Department,
    kind: ListType,
    subject,
    document: str,
    decided: dt.date = dt.date(2026, 3, 2),
    until: dt.date | None = None,
    state: str = EntryState.EFFECTIVE,
    reason: str = "有履行能力而拒不履行生效法律文书确定的义务",
) -> ListEntry:
    """A serious-dishonesty record of ``subject`` through the loader, and its entry on ``kind``."""
    fields = {
        "SX_ZTMC": subject.name,
        "SX_MDMC": kind.name,
        "SX_SXXW": reason,
        "SX_RDYJ": kind.legal_basis,
        "SX_RDWSH": document,
        "SX_LRRQ": decided.isoformat(),
        "SX_RDJG": department.name,
    }
    if until:
        fields["SX_YXQZI"] = until.isoformat()
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
    return ListEntry.objects.create(
        list_type=kind,
        subject=subject,
        record=ingested.record,
        origin=EntryOrigin.IMPORT,
        state=state,
        subject_kind=subject.kind,
        department=department,
        reason=reason,
        decided_on=decided,
        effective_from=decided,
        effective_until=until,
    )
