"""The batch check as a pipeline (PostgreSQL, outside a transaction): the next chunk read on one connection and
the previous one stored on another while this one is answered. Same result rows and log as run in turn; a
stop leaves the batch exactly after a stored chunk and the resumed run checks and logs nothing twice."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test import Client

from tests.jrp.check import conftest as check_world
from tests.jrp.check.conftest import CLEAN_USCC, LISTED_USCC, MATTER, PERSON_RIC
from tests.subjects.factories import uscc
from tests.support import catalog  # noqa: F401 - fixture
from xinyong.accounts.models import ApiScope
from xinyong.accounts.services import apiclient_create
from xinyong.collection.storage import open_stored
from xinyong.core.stopping import StopRequested
from xinyong.jrp.channels import running
from xinyong.jrp.channels.running import batch_check_run
from xinyong.jrp.channels.storage import result_file
from xinyong.jrp.models import BatchCheck, CheckLog, MeasureFeedback

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the pipeline runs on PostgreSQL only"),
    pytest.mark.django_db(transaction=True),
]

world = check_world.world
_fresh_rulebook_cache = check_world._fresh_rulebook_cache

CODES = [
    LISTED_USCC,
    CLEAN_USCC,
    uscc(777),
    PERSON_RIC,
    LISTED_USCC,
    "91350100ABC",
    "=cmd|' /C calc'!A0",
    CLEAN_USCC.lower(),
    uscc(778),
    uscc(779),
]


def _queued(world, monkeypatch) -> BatchCheck:
    monkeypatch.setattr("xinyong.jrp.channels.services.batch_check_enqueue", lambda *, batch: batch)
    key = apiclient_create(name="受理系统", department=world.samr, scopes=[ApiScope.CHECK_QUERY])[1]
    client = Client(headers={"X-API-Key": key, "X-Purpose": "行政许可受理前信用核查"})
    response = client.post(
        f"/api/jrp/channels/batch?matter_code={MATTER}", CODES, content_type="application/json"
    )
    assert response.status_code == 202, response.content
    return BatchCheck.objects.get(ref=response.json()["ref"])


def _rows(batch: BatchCheck) -> list[list[str]]:
    with open_stored(path=result_file(ref=batch.ref, fmt="csv")) as f:
        rows = list(csv.reader(io.TextIOWrapper(f, encoding="utf-8-sig", newline="")))
    return [row[:7] + row[8:] for row in rows[1:]]  # all but the check ids


def test_the_pipeline_gives_the_rows_and_log_of_the_run_in_turn(world, settings, monkeypatch):
    settings.JRP_BATCH_CHUNK = 3
    piped = _queued(world, monkeypatch)
    assert running.overlapped()
    piped = batch_check_run(batch_id=piped.pk)
    assert piped.status == BatchCheck.Status.DONE, piped.error_message
    settings.JRP_BATCH_OVERLAP = False
    in_turn = batch_check_run(batch_id=_queued(world, monkeypatch).pk)
    assert in_turn.status == BatchCheck.Status.DONE, in_turn.error_message
    assert _rows(piped) == _rows(in_turn)
    counts = ("total", "done", "hits", "not_found", "invalid", "duplicates", "parts", "last_row")
    assert [getattr(piped, c) for c in counts] == [getattr(in_turn, c) for c in counts]
    assert (piped.hits, piped.invalid, piped.duplicates, piped.parts) == (3, 2, 2, 4)

    def logged(batch):
        rows = CheckLog.objects.filter(batch_ref=batch.ref).order_by("id")
        return [
            (r.query_text, r.outcome, r.hit_count, r.measure_count, r.answer | {"check_id": None})
            for r in rows
        ]

    assert logged(piped) == logged(in_turn) and len(logged(piped)) == 6
    # The result's check ids are the log rows', in input order.
    with open_stored(path=result_file(ref=piped.ref, fmt="csv")) as f:
        ids = [r[7] for r in csv.reader(io.TextIOWrapper(f, encoding="utf-8-sig", newline=""))][1:]
    first = {r.query_text: r.pk for r in CheckLog.objects.filter(batch_ref=piped.ref)}
    assert ids[0] == str(first[LISTED_USCC]) and ids[1] == str(first[CLEAN_USCC])
    feedback = MeasureFeedback.objects.filter(
        check_id__in=CheckLog.objects.filter(batch_ref=piped.ref).values("id")
    )
    assert feedback.exists()


def test_a_stop_in_the_pipeline_resumes_after_the_last_stored_chunk(world, settings, monkeypatch):
    settings.JRP_BATCH_CHUNK = 3
    batch = _queued(world, monkeypatch)
    calls = []

    def stop():
        calls.append(1)
        raise StopRequested("test")

    with pytest.raises(StopRequested):
        batch_check_run(batch_id=batch.pk, progress=stop)
    batch.refresh_from_db()
    assert calls == [1]
    assert (batch.parts, batch.last_row, batch.done, batch.status) == (1, 3, 3, BatchCheck.Status.RUNNING)
    # Only the stored chunk's codes are logged, though the next chunk was read (and maybe answered) ahead.
    assert CheckLog.objects.filter(batch_ref=batch.ref).count() == 3
    BatchCheck.objects.filter(pk=batch.pk).update(status=BatchCheck.Status.QUEUED)
    batch = batch_check_run(batch_id=batch.pk)
    assert batch.status == BatchCheck.Status.DONE, batch.error_message
    texts = list(CheckLog.objects.filter(batch_ref=batch.ref).values_list("query_text", flat=True))
    assert len(texts) == len(set(texts)) == 6  # every distinct valid code logged once across the stop
    assert [int(r[0]) for r in _rows(batch)] == list(range(1, len(CODES) + 1))


def test_a_failure_in_the_pipeline_fails_the_batch_and_closes_its_connections(world, settings, monkeypatch):
    settings.JRP_BATCH_CHUNK = 3
    batch = _queued(world, monkeypatch)

    def broken(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(running, "codes_read", broken)
    batch = batch_check_run(batch_id=batch.pk)
    assert (batch.status, batch.error_code) == (BatchCheck.Status.FAILED, "batch_check_error")
    assert not CheckLog.objects.filter(batch_ref=batch.ref).exists()
