"""Two uploads of one file — by two officers at the same moment, or one after the other in one worker —
store every decision once, and every batch's counts add up (read = new + new version + duplicate +
rejected)."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from tests.collection.batch_support import (
    AS_OF,
    DB_QUEUE,
    assert_counts_add_up,
    run_db_worker,
    upload_penalties,
    valid_rows,
    write_csv,
)
from tests.support import make_user
from xinyong.accounts.models import Role
from xinyong.collection.errors import DuplicateUpload
from xinyong.collection.lifecycle import batch_confirm_mapping, batch_start
from xinyong.collection.loading.run import batch_process
from xinyong.collection.models import Batch, BatchStatus
from xinyong.records.models import CreditRecord
from xinyong.records.selectors import records_public

N = 120
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite runs one write transaction at a time: two loads cannot overlap there",
)


@pytest.fixture
def officer_a2(dept_a):
    return make_user("officer_a2", Role.DATA_OFFICER, dept_a)


def _confirmed(batch: Batch, actor) -> Batch:
    return batch_confirm_mapping(batch=batch, mapping=batch.mapping, actor=actor)


def _uploaded_at_the_same_moment(path, *, department, first_actor, second_actor) -> tuple[Batch, Batch]:
    """Two uploads of one file, neither started: both pass the upload check."""
    first = upload_penalties(path, department=department, actor=first_actor)
    second = upload_penalties(path, department=department, actor=second_actor)
    assert first.duplicate_of is None and second.duplicate_of is None
    return first, second


def _assert_loaded_once(batches, *, decisions: int) -> None:
    for batch in batches:
        assert_counts_add_up(batch)
    assert CreditRecord.objects.count() == decisions
    # Every fifth row is about a natural person, whose penalties are shared, not published.
    published = records_public(as_of=AS_OF)
    assert published.count() == published.values("document_number_key").distinct().count()
    assert published.count() == decisions - decisions // 5
    assert sum(b.created for b in batches) == decisions


pytestmark = pytest.mark.django_db


def test_an_upload_of_a_file_already_started_is_refused(catalog, officer_a, officer_a2, dept_a, tmp_path):
    path = write_csv(tmp_path / "处罚.csv", valid_rows(5))
    first = batch_start(
        batch=_confirmed(upload_penalties(path, department=dept_a, actor=officer_a), officer_a),
        actor=officer_a,
    )
    with pytest.raises(DuplicateUpload) as caught:
        upload_penalties(path, department=dept_a, actor=officer_a2)
    assert caught.value.code == "file_already_uploaded" and caught.value.previous == first
    assert str(first.pk) in caught.value.message
    assert Batch.objects.count() == 1


def test_of_two_uploads_made_at_the_same_moment_only_the_first_started_loads(
    catalog, officer_a, officer_a2, dept_a, tmp_path
):
    path = write_csv(tmp_path / "处罚.csv", valid_rows(N))
    first, second = _uploaded_at_the_same_moment(
        path, department=dept_a, first_actor=officer_a, second_actor=officer_a2
    )
    second = batch_start(batch=_confirmed(second, officer_a2), actor=officer_a2)
    assert second.status == BatchStatus.DONE and second.created == N
    with pytest.raises(DuplicateUpload) as caught:
        batch_start(batch=_confirmed(first, officer_a), actor=officer_a)
    assert caught.value.previous == second
    first.refresh_from_db()
    assert first.status == BatchStatus.UPLOADED and first.rows_read == 0
    _assert_loaded_once([first, second], decisions=N)


def test_a_confirmed_re_processing_still_starts(catalog, officer_a, officer_a2, dept_a, tmp_path):
    path = write_csv(tmp_path / "处罚.csv", valid_rows(N))
    first = upload_penalties(path, department=dept_a, actor=officer_a)
    again = upload_penalties(path, department=dept_a, actor=officer_a2, allow_duplicate=True)
    assert again.duplicate_of == first
    batch_start(batch=_confirmed(first, officer_a), actor=officer_a)
    again = batch_start(batch=_confirmed(again, officer_a2), actor=officer_a2)
    assert (again.created, again.new_version, again.duplicate) == (0, 0, N)
    _assert_loaded_once([first, again], decisions=N)


@pytest.mark.parametrize("reading_process", [False, True], ids=["in-process", "reading-process"])
def test_one_worker_loading_the_same_file_twice_stores_it_once(
    catalog, officer_a, officer_a2, dept_a, tmp_path, settings, monkeypatch, reading_process
):
    """The database worker runs both batches one after the other in one process: the second sees the
    first's records, whatever state the first run left in the process (caches, the forked reader)."""
    settings.TASKS = DB_QUEUE
    settings.XINYONG_COLLECTION_PIPELINE_MIN_BYTES = 0 if reading_process else -1
    path = write_csv(tmp_path / "处罚.csv", valid_rows(N))
    first = upload_penalties(path, department=dept_a, actor=officer_a)
    again = upload_penalties(path, department=dept_a, actor=officer_a2, allow_duplicate=True)
    for batch, actor in ((first, officer_a), (again, officer_a2)):
        batch_start(batch=_confirmed(batch, actor), actor=actor)
    run_db_worker(monkeypatch)
    first.refresh_from_db()
    again.refresh_from_db()
    assert first.status == again.status == BatchStatus.DONE
    assert (first.created, again.created, again.duplicate) == (N, 0, N)
    _assert_loaded_once([first, again], decisions=N)


def test_the_database_refuses_a_second_record_under_one_dedupe_key(catalog, officer_a, dept_a, tmp_path):
    batch = batch_start(
        batch=_confirmed(
            upload_penalties(
                write_csv(tmp_path / "一.csv", valid_rows(1)), department=dept_a, actor=officer_a
            ),
            officer_a,
        ),
        actor=officer_a,
    )
    assert batch.created == 1
    record = CreditRecord.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditRecord.objects.create(
            item=record.item,
            department=record.department,
            document_number=record.document_number + " ",
            document_number_key=record.document_number_key,
            subject=record.subject,
            item_version=record.item_version,
            subject_kind=record.subject_kind,
            disclosure_scope=record.disclosure_scope,
            decision_date=record.decision_date,
            polarity=record.polarity,
            status=record.status,
        )


def _at_the_same_moment(*calls):
    """Run the calls in threads released together; each thread has its own database connection."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=30)
            results[index] = call()
        except Exception as exc:  # noqa: BLE001 - returned to the test, which asserts on it
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return results


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_officers_starting_the_same_file_at_the_same_moment_load_it_once(
    catalog, officer_a, officer_a2, dept_a, tmp_path, settings, monkeypatch
):
    settings.TASKS = DB_QUEUE
    path = write_csv(tmp_path / "处罚.csv", valid_rows(N))
    first, second = _uploaded_at_the_same_moment(
        path, department=dept_a, first_actor=officer_a, second_actor=officer_a2
    )
    first, second = _confirmed(first, officer_a), _confirmed(second, officer_a2)
    results = _at_the_same_moment(
        lambda: batch_start(batch=first, actor=officer_a),
        lambda: batch_start(batch=second, actor=officer_a2),
    )
    refused = [r for r in results if isinstance(r, DuplicateUpload)]
    started = [r for r in results if isinstance(r, Batch)]
    assert len(refused) == 1 and len(started) == 1, results
    run_db_worker(monkeypatch)
    batches = list(Batch.objects.all())
    assert sorted(b.status for b in batches) == sorted([BatchStatus.DONE, BatchStatus.UPLOADED])
    _assert_loaded_once(batches, decisions=N)


@postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("reading_process", [False, True], ids=["in-process", "reading-process"])
def test_two_loads_of_one_file_at_the_same_moment_store_each_decision_once(
    catalog, officer_a, officer_a2, dept_a, tmp_path, settings, reading_process
):
    """Both batches load at once (the second confirmed as re-processing): their chunks collide on the
    dedupe key, and each row of the later writer becomes a duplicate of the earlier writer's record."""
    settings.TASKS = DB_QUEUE
    settings.XINYONG_COLLECTION_PIPELINE_MIN_BYTES = 0 if reading_process else -1
    rows = 600
    path = write_csv(tmp_path / "处罚.csv", valid_rows(rows))
    first = upload_penalties(path, department=dept_a, actor=officer_a)
    again = upload_penalties(path, department=dept_a, actor=officer_a2, allow_duplicate=True)
    for batch, actor in ((first, officer_a), (again, officer_a2)):
        batch_start(batch=_confirmed(batch, actor), actor=actor)
    results = _at_the_same_moment(
        lambda: batch_process(batch_id=first.pk, chunk_size=100),
        lambda: batch_process(batch_id=again.pk, chunk_size=100),
    )
    assert all(isinstance(r, Batch) and r.status == BatchStatus.DONE for r in results), results
    batches = list(Batch.objects.all())
    _assert_loaded_once(batches, decisions=rows)
    assert sum(b.duplicate for b in batches) == rows
    assert sum(b.new_version for b in batches) == 0
