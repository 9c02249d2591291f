"""The check log's digests: one audit entry per digest, chained, and verify finds changed or deleted rows."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from tests.jrp.check.conftest import AS_OF, CLEAN_USCC, LISTED_USCC, MATTER
from xinyong.accounts.models import AuditEntry
from xinyong.jrp.check.log import check_log_digest, check_log_verify
from xinyong.jrp.check.scheduled import check_log_daily_digest
from xinyong.jrp.check.services import check_many
from xinyong.jrp.models import CheckDigest, CheckLog

pytestmark = pytest.mark.django_db


def later() -> dt.datetime:
    """A moment when every check written so far is settled (taken when called: a long run outlasts a constant)."""
    return timezone.now() + dt.timedelta(minutes=5)


def checks(world, n: int, ref: str):
    return check_many(
        requester=world.requester(),
        purpose="批量核查",
        matter_code=MATTER,
        codes=[LISTED_USCC, CLEAN_USCC] * (n // 2),
        as_of=AS_OF,
        channel="batch",
        batch_ref=ref,
    )


def raw(sql: str, params: list) -> None:
    table = connection.ops.quote_name(CheckLog._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql.format(table=table), params)


def test_digests_chain_with_one_audit_entry_each(world):
    assert check_log_digest(now=later()) is None
    checks(world, 4, "A")
    audits = AuditEntry.objects.count()
    first = check_log_digest(now=later())
    assert first.count == 4 and first.previous_digest == "" and len(first.digest) == 64
    assert AuditEntry.objects.count() == audits + 1
    entry = AuditEntry.objects.get(seq=first.audit_entry_seq)
    assert entry.action == "check_log_digest" and entry.detail["digest"] == first.digest
    assert check_log_digest(now=later()) is None  # nothing new
    checks(world, 2, "B")
    second = check_log_digest(now=later())
    assert second.previous_digest == first.digest and second.count == 2
    assert second.first_check_id > first.last_check_id
    assert AuditEntry.objects.count() == audits + 2
    report = check_log_verify()
    assert report.ok and report.digests == 2 and report.rows == 6 and report.undigested == 0


def test_unsettled_rows_wait_for_the_next_digest(world):
    checks(world, 2, "A")
    assert check_log_digest(now=timezone.now()) is None


def test_verify_detects_a_changed_row(world):
    answers = checks(world, 4, "A")
    check_log_digest(now=later())
    raw("UPDATE {table} SET outcome = %s WHERE id = %s", ["clean", answers[0].check_id])
    report = check_log_verify()
    assert not report.ok
    (problem,) = report.problems
    assert problem.found_count == problem.expected_count == 4
    assert "记录内容被修改" in problem.describe()


def test_verify_detects_a_deleted_row_and_the_command_fails(world):
    answers = checks(world, 4, "A")
    call_command("jrp", "digest", stdout=io.StringIO())  # nothing settled yet
    assert not CheckDigest.objects.exists()
    check_log_digest(now=later())
    out = io.StringIO()
    call_command("jrp", "verify", stdout=out)
    assert "全部相符" in out.getvalue()
    raw("DELETE FROM {table} WHERE id = %s", [answers[1].check_id])
    err = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("jrp", "verify", stdout=io.StringIO(), stderr=err)
    assert "摘要不符 1 处" in str(failed.value)
    assert "应有 4 条，现有 3 条" in err.getvalue()


def test_daily_job_summary(world):
    assert "没有新增" in check_log_daily_digest(as_of=AS_OF)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite runs one write transaction at a time")
def test_two_first_digests_at_the_same_moment_write_one(world, monkeypatch):
    """With no earlier digest to lock, two processes may digest the same rows at once: the database keeps one."""
    import threading

    from django.db import connections

    from xinyong.jrp.check import log

    checks(world, 6, "race")
    both_read = threading.Barrier(2, timeout=20)
    original = log._digest

    def digest_when_both_have_read(*args):
        both_read.wait()  # both transactions found no earlier digest and start from the first row
        return original(*args)

    monkeypatch.setattr(log, "_digest", digest_when_both_have_read)
    results: list = []

    def run() -> None:
        try:
            results.append(check_log_digest(now=later()))
        except Exception as exc:  # noqa: BLE001 - shown by the assertion below
            results.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(r is None for r in results) == [False, True]
    assert CheckDigest.objects.count() == 1
    assert AuditEntry.objects.filter(action="check_log_digest").count() == 1
    monkeypatch.undo()
    report = check_log_verify()
    assert (report.digests, report.rows, report.problems, report.undigested) == (1, 6, [], 0)
