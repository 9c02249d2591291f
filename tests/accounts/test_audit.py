"""The hash-chained audit log: chaining, immutability, verification against tampering, login events."""

import datetime as dt
import decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import PASSWORD
from xinyong.accounts.audit_chain import GENESIS_HASH, entry_hash
from xinyong.accounts.models import AuditChainHead, AuditEntry, AuditLogImmutable, Department
from xinyong.accounts.selectors import audit_verify
from xinyong.accounts.services import apiclient_create, audit_log

TABLE = AuditEntry._meta.db_table


def raw(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql.replace("{table}", connection.ops.quote_name(TABLE)), params)


def write_entries(n: int, actor=None) -> list[AuditEntry]:
    return [audit_log(actor=actor, action="query", purpose=f"核查 {i}", detail={"i": i}) for i in range(n)]


def verify_fails_at(seq: int) -> str:
    with pytest.raises(CommandError) as exc:
        call_command("audit", "verify", "--chunk-size", "2")
    message = str(exc.value)
    assert f"seq {seq}" in message, message
    assert exc.value.returncode == 1
    return message


@pytest.mark.django_db
def test_entries_chain(users, dept_a):
    officer = users["data_officer"]
    first = audit_log(
        actor=officer,
        action="query",
        obj=dept_a,
        purpose="行政许可审查",
        detail={
            "subject": "91350100M000100Y43",
            "when": dt.date(2026, 6, 15),
            "amount": decimal.Decimal("1.50"),
        },
        ip="10.0.0.8",
    )
    second = audit_log(actor=None, action="export", obj=Department)
    # Entry 1 is the genesis entry `migrate` wrote; everything after it chains to it.
    genesis = AuditEntry.objects.get(seq=1)
    assert (genesis.action, genesis.prev_hash, genesis.actor_kind) == (
        "audit_genesis",
        GENESIS_HASH,
        "system",
    )
    assert (first.seq, second.seq) == (2, 3)
    assert first.prev_hash == genesis.hash
    assert second.prev_hash == first.hash
    assert first.actor_name == "do_a" and first.actor_department_id == dept_a.id
    assert (first.object_type, first.object_id, first.object_repr) == (
        "accounts.department",
        str(dept_a.pk),
        dept_a.name,
    )
    assert first.detail == {"subject": "91350100M000100Y43", "when": "2026-06-15", "amount": "1.50"}
    assert (second.actor_kind, second.actor_name, second.object_type, second.object_id) == (
        "system",
        "系统",
        "accounts.department",
        "",
    )
    head = AuditChainHead.objects.get()
    assert (head.seq, head.hash) == (3, second.hash)
    # What was stored hashes to what was written, after the database round trip.
    for entry in AuditEntry.objects.all():
        assert entry_hash(entry) == entry.hash


@pytest.mark.django_db
def test_values_that_databases_rewrite_still_verify():
    audit_log(
        actor=None,
        action="query",
        detail={
            "big": 1e16,
            "small": 1.5e-7,
            "nan": float("nan"),
            "nul": "a\x00b",
            "nested": [{"z": 1, "a": 2.0}],
        },
        ip="2001:DB8:0:0:0:0:0:1",
        purpose="x" * 500,
    )
    entry = AuditEntry.objects.get(action="query")
    assert entry.ip == "2001:db8::1"
    assert entry.detail["nul"] == "ab"
    assert len(entry.purpose) == 200
    assert audit_verify().ok


@pytest.mark.django_db
def test_bad_ip_is_dropped_not_fatal():
    assert audit_log(actor=None, action="login_failed", ip="not-an-ip").ip is None


@pytest.mark.django_db
def test_action_and_outcome_are_checked():
    with pytest.raises(ValueError):
        audit_log(actor=None, action="Drop Table")
    with pytest.raises(ValueError):
        audit_log(actor=None, action="view", outcome="maybe")


@pytest.mark.django_db
def test_actor_kinds(users, dept_b):
    client, _ = apiclient_create(name="税务系统", department=dept_b, scopes=["records:read"])
    by_client = audit_log(actor=client, action="query")
    assert (by_client.actor_kind, by_client.actor_name, by_client.actor_department_id) == (
        "api_client",
        "税务系统",
        dept_b.pk,
    )
    anonymous = audit_log(actor=AnonymousUser(), action="login_failed")
    assert (anonymous.actor_kind, anonymous.actor_name) == ("anonymous", "匿名访问者")


@pytest.mark.django_db
def test_orm_refuses_update_and_delete():
    entry = write_entries(1)[0]
    entry.purpose = "改写"
    with pytest.raises(AuditLogImmutable):
        entry.save()
    with pytest.raises(AuditLogImmutable):
        entry.delete()
    with pytest.raises(AuditLogImmutable):
        AuditEntry.objects.filter(seq=entry.seq).update(purpose="改写")
    with pytest.raises(AuditLogImmutable):
        AuditEntry.objects.all().delete()
    with pytest.raises(AuditLogImmutable):
        AuditEntry.objects.bulk_update([entry], ["purpose"])
    with pytest.raises(AuditLogImmutable):
        AuditEntry.objects.bulk_create([AuditEntry(seq=99, action="view")])
    # Entries are written through audit_log() only, which chains them.
    with pytest.raises(AuditLogImmutable):
        AuditEntry.objects.create(seq=2, action="view", outcome="success", actor_kind="system")
    assert AuditEntry.objects.get(action="query").purpose == "核查 0"
    assert audit_verify().ok


@pytest.mark.django_db
def test_verify_passes_on_intact_chain(capsys):
    write_entries(5)
    call_command("audit", "verify", "--chunk-size", "2")
    out = capsys.readouterr().out
    assert "校验通过" in out and "共 6 条" in out and "seq 6" in out


@pytest.mark.django_db
def test_verify_passes_on_a_fresh_database(capsys):
    # A migrated database holds the genesis entry only.
    call_command("audit", "verify")
    assert "共 1 条" in capsys.readouterr().out


@pytest.mark.django_db
def test_verify_names_the_altered_entry():
    write_entries(5)
    raw("UPDATE {table} SET purpose = %s WHERE seq = %s", ["随便看看", 3])
    message = verify_fails_at(3)
    assert "audit_entry_altered" in message


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("actor_name", "someone_else"),
        ("created_at", "2020-01-01 00:00:00"),
        ("outcome", "denied"),
        ("detail", '{"i": 99}'),
    ],
)
def test_verify_detects_alteration_of_any_field(column, value):
    write_entries(3)
    raw(f"UPDATE {{table}} SET {column} = %s WHERE seq = 2", [value])
    verify_fails_at(2)


@pytest.mark.django_db
def test_verify_detects_recomputed_plain_hash():
    # Someone without the HMAC key rewrites a row and "fixes" its hash with plain SHA-256.
    import hashlib

    write_entries(3)
    raw("UPDATE {table} SET purpose = %s, hash = %s WHERE seq = 2", ["x", hashlib.sha256(b"x").hexdigest()])
    verify_fails_at(2)


@pytest.mark.django_db
def test_verify_names_the_deleted_entry():
    write_entries(5)
    raw("DELETE FROM {table} WHERE seq = 2")
    message = verify_fails_at(2)
    assert "audit_entry_missing" in message


@pytest.mark.django_db
def test_verify_detects_deleted_first_entry():
    write_entries(3)
    raw("DELETE FROM {table} WHERE seq = 1")
    assert "audit_genesis_missing" in verify_fails_at(1)


@pytest.mark.django_db
def test_verify_detects_deleted_last_entries():
    write_entries(5)
    raw("DELETE FROM {table} WHERE seq >= 4")
    message = verify_fails_at(4)
    assert "末尾" in message


@pytest.mark.django_db
def test_verify_detects_renumbered_chain():
    # Entry 3 removed and the later ones renumbered to hide the gap: the link breaks at the new seq 3.
    write_entries(5)
    raw("DELETE FROM {table} WHERE seq = 3")
    # In two steps: PostgreSQL checks the primary key row by row, in no particular order.
    raw("UPDATE {table} SET seq = seq + 1000 WHERE seq > 3")
    raw("UPDATE {table} SET seq = seq - 1001 WHERE seq > 1000")
    message = verify_fails_at(3)
    assert "audit_chain_broken" in message


@pytest.mark.django_db
def test_verify_detects_inserted_entry():
    entries = write_entries(2)
    raw(
        "INSERT INTO {table} (seq, created_at, actor_kind, actor_name, action, object_type, object_id, object_repr,"
        " purpose, outcome, detail, prev_hash, hash) VALUES (4, %s, 'system', '系统', 'view', '', '', '', '',"
        " 'success', '{}', %s, %s)",
        ["2026-06-15 00:00:00+00:00", entries[-1].hash, "f" * 64],
    )
    message = verify_fails_at(4)
    assert "audit_entry_inserted" in message


@pytest.mark.django_db
def test_verify_detects_missing_chain_head():
    write_entries(2)
    AuditChainHead.objects.all().delete()
    with pytest.raises(CommandError) as exc:
        call_command("audit", "verify")
    assert "audit_head_missing" in str(exc.value)


@pytest.mark.django_db
def test_chain_resumes_after_head_is_rebuilt():
    # A fresh database (or a restored one without the head row) continues from the newest entry.
    entries = write_entries(2)
    AuditChainHead.objects.all().delete()
    third = audit_log(actor=None, action="view")
    assert (third.seq, third.prev_hash) == (4, entries[-1].hash)
    assert audit_verify().ok


@pytest.mark.django_db
def test_audit_log_joins_the_callers_transaction():
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        audit_log(actor=None, action="create")
        raise RuntimeError("the caller's work failed")
    assert not AuditEntry.objects.filter(action="create").exists()
    assert audit_log(actor=None, action="create").seq == 2


@pytest.mark.django_db
def test_login_success_and_failure_are_audited(client, users):
    client.post(reverse("admin:login"), {"username": "do_a", "password": "wrong"}, REMOTE_ADDR="10.1.2.3")
    failed = AuditEntry.objects.get(action="login_failed")
    assert (failed.outcome, failed.actor_kind, failed.detail, failed.ip) == (
        "denied",
        "anonymous",
        {"username": "do_a"},
        "10.1.2.3",
    )
    assert "wrong" not in str(failed.detail)
    client.post(reverse("admin:login"), {"username": "do_a", "password": PASSWORD}, REMOTE_ADDR="10.1.2.3")
    login = AuditEntry.objects.get(action="login")
    assert (login.actor_user, login.outcome, login.actor_department) == (
        users["data_officer"],
        "success",
        users["data_officer"].department,
    )
    client.post(reverse("admin:logout"))
    assert AuditEntry.objects.filter(action="logout", actor_user=users["data_officer"]).exists()
    assert audit_verify().ok


@pytest.mark.django_db
def test_inactive_user_login_is_a_failure(client, users):
    users["reviewer"].is_active = False
    users["reviewer"].save()
    client.post(reverse("admin:login"), {"username": "rv_a", "password": PASSWORD})
    assert AuditEntry.objects.filter(action="login_failed", detail__username="rv_a").exists()
    assert not AuditEntry.objects.filter(action="login").exists()


@pytest.mark.django_db
def test_verify_streams_in_chunks_and_counts_everything(django_assert_max_num_queries):
    write_entries(25)
    with django_assert_max_num_queries(20):
        result = audit_verify(chunk_size=4)
    assert result.ok and result.checked == 26 and result.last_seq == 26


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers by itself")
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_do_not_fork_the_chain():
    import threading

    from django.db import connections

    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def writer(n: int) -> None:
        try:
            barrier.wait()
            for i in range(10):
                audit_log(actor=None, action="query", detail={"writer": n, "i": i})
        except BaseException as exc:  # surfaced in the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True)) == list(range(1, 42))
    assert audit_verify().ok


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(detail=st.dictionaries(st.text(max_size=8), json_values, max_size=5), purpose=st.text(max_size=250))
def test_any_detail_survives_the_database_round_trip(detail, purpose):
    entry = audit_log(actor=None, action="query", detail=detail, purpose=purpose)
    stored = AuditEntry.objects.get(seq=entry.seq)
    assert entry_hash(stored) == stored.hash
