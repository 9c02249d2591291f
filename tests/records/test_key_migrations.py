"""The upgrade recomputes dedupe and name keys stored with invisible characters in them, so that the next
upload of the same decision finds its record; doubles made before keep their key, and are listed."""

import importlib

import pytest
from django.apps import apps

from tests.factories import subject_create
from tests.subjects.factories import received, uscc
from xinyong.core.codes import SubjectKind
from xinyong.records.loading.ingest import records_bulk_ingest
from xinyong.records.loading.prepare import RecordInput
from xinyong.records.models import Channel, CreditRecord
from xinyong.subjects.models import AliasKind, Subject, SubjectAlias
from xinyong.subjects.names import normalize_name

pytestmark = pytest.mark.django_db

records_migration = importlib.import_module("xinyong.records.migrations.0005_document_number_key_invisible")
subjects_migration = importlib.import_module("xinyong.subjects.migrations.0003_name_keys_invisible")


def _load(items, dept_a, subject, document, day):
    fields = {"CF_XDR_MC": subject.name, "CF_WSH": document, "CF_NR": "罚款"}
    return records_bulk_ingest(
        item_version=items["public"],
        department=dept_a,
        rows=[(RecordInput(1, document, received(1).date(), fields, "general"), subject.pk)],
        channel=Channel.FILE,
        batch_ref="b",
        received_at=received(day),
    ).outcomes[0]


def _as_stored_before(record_id: int, document: str) -> None:
    """A record as the earlier key function left it: the invisible character kept in the key."""
    CreditRecord.objects.filter(pk=record_id).update(document_number=document, document_number_key=document)


def test_keys_with_invisible_characters_are_recomputed(items, dept_a, capsys):
    subject = subject_create(kind=SubjectKind.ORGANISATION, name="甲市某某有限公司", uscc=uscc(1))
    for number in ("罚1号", "罚2号", "罚3号"):
        assert _load(items, dept_a, subject, number, 1) == "created"
    one, two, three = CreditRecord.objects.order_by("id")
    _as_stored_before(one.pk, "罚\u200e1号")
    _as_stored_before(three.pk, "罚\u00ad2号")  # the double of 罚2号 that the old keys let in

    records_migration.rekey(apps, None)

    one.refresh_from_db()
    three.refresh_from_db()
    assert one.document_number_key == "罚1号"
    assert three.document_number_key == "罚\u00ad2号"  # 罚2号 is taken by the first record
    assert str(three.pk) in capsys.readouterr().out
    # The next upload of the decision, with or without the invisible character, finds the record.
    assert _load(items, dept_a, subject, "罚\u200e1号", 2) == "duplicate"
    assert _load(items, dept_a, subject, "罚1号", 3) == "duplicate"
    assert CreditRecord.objects.count() == 3


def test_name_keys_with_invisible_characters_are_recomputed(db):
    subject = subject_create(kind=SubjectKind.ORGANISATION, name="甲市某某有限公司", uscc=uscc(2))
    Subject.objects.filter(pk=subject.pk).update(
        name="甲市\u200e某某有限公司", name_normalized="甲市\u200e某某有限公司"
    )
    SubjectAlias.objects.create(
        subject=subject,
        kind=AliasKind.FORMER_NAME,
        value="甲市\u2066旧名\u2069有限公司",
        value_normalized="X",
    )
    subjects_migration.rekey(apps, None)
    subject.refresh_from_db()
    assert subject.name_normalized == normalize_name("甲市某某有限公司")
    assert SubjectAlias.objects.get(kind=AliasKind.FORMER_NAME).value_normalized == normalize_name(
        "甲市旧名有限公司"
    )
