"""One open objection per record, enforced by the database (a partial unique index on the open states)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import IntegrityError, connection, connections, transaction

from tests.dueprocess.objections.conftest import account_create
from xinyong.dueprocess.objections.models import Objection, ObjectionState
from xinyong.dueprocess.objections.services import ObjectionError, objection_file
from xinyong.records.models import CreditRecord

D = dt.date(2026, 6, 1)


@pytest.mark.django_db
def test_the_database_refuses_a_second_open_objection(world, people, account):
    first = objection_file(filer=account, on_date=D, statement="有误", record=world.record)
    with pytest.raises(IntegrityError), transaction.atomic():
        Objection.objects.create(
            number="YY-dup",
            subject=world.listed,
            record=world.record,
            filer_kind="operator",
            statement="重复",
            profile=first.profile,
            filed_on=D,
        )
    # A closed one does not count.
    Objection.objects.create(
        number="YY-old",
        subject=world.listed,
        record=world.record,
        filer_kind="operator",
        statement="已办结",
        profile=first.profile,
        filed_on=D,
        state=ObjectionState.CLOSED,
    )


@pytest.mark.django_db(transaction=True)
def test_simultaneous_filings_one_wins(world, people):
    """Several subjects' accounts file against the same record at the same moment: exactly one objection."""
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(
        ("file:memorydb", ":memory:")
    ):
        pytest.skip("an in-memory SQLite test database is not shared between connections")
    accounts = [account_create(world.listed, login=f"1380000010{i}") for i in range(4)]
    start = threading.Barrier(len(accounts))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(acc):
        try:
            start.wait()
            objection_file(filer=acc, on_date=D, statement="有误", record=world.record)
            result = "ok"
        except ObjectionError as exc:
            result = exc.code
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(a,)) for a in accounts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["objection_open_exists"] * 3 + ["ok"]
    assert Objection.objects.count() == 1
    record = CreditRecord.objects.get(pk=world.record.pk)
    assert record.disputed and record.current_version.number == 2  # marked once
