"""Truncation of the audit log: the genesis entry and signed checkpoints kept outside the database."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from xinyong.accounts.audit_checkpoints import checkpoints_read
from xinyong.accounts.models import AuditChainHead, AuditEntry
from xinyong.accounts.selectors import audit_verify
from xinyong.accounts.services import (
    AuditCheckpointRefused,
    audit_checkpoint_write,
    audit_genesis_ensure,
    audit_log,
)

TABLE = AuditEntry._meta.db_table

pytestmark = pytest.mark.django_db


@pytest.fixture
def checkpoint_dir(settings):
    return settings.AUDIT_CHECKPOINT_DIR  # a temporary directory (tests/accounts/conftest.py)


def raw(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql.replace("{table}", connection.ops.quote_name(TABLE)), params)


def write_entries(n: int) -> list[AuditEntry]:
    return [audit_log(actor=None, action="query", purpose=f"核查 {i}") for i in range(n)]


def truncate_and_rewind(*, keep: int) -> None:
    """What an intruder with database access does: cut entries off the end and move the head back."""
    kept = AuditEntry.objects.get(seq=keep)
    raw("DELETE FROM {table} WHERE seq > %s", [keep])
    AuditChainHead.objects.filter(pk=1).update(seq=kept.seq, hash=kept.hash)


def verify(*args: str) -> str:
    with pytest.raises(CommandError) as exc:
        call_command("audit", "verify", *args)
    assert exc.value.returncode == 1
    return str(exc.value)


def test_intact_log_passes_against_its_checkpoints(capsys, checkpoint_dir):
    write_entries(3)
    call_command("audit", "checkpoint")
    printed = capsys.readouterr().out
    write_entries(2)
    call_command("audit", "checkpoint")
    capsys.readouterr()

    # Without options, verify compares the configured checkpoint directory.
    call_command("audit", "verify")
    out = capsys.readouterr().out
    assert "校验通过" in out and "已与 2 个检查点比对" in out
    # The printed line is the checkpoint itself: an auditor's copy verifies the same way.
    line = printed.strip().splitlines()[-1]
    assert json.loads(line)["seq"] == 5  # genesis + 3 queries + the checkpoint's own entry
    copy = checkpoint_dir.parent / "auditor.txt"
    copy.write_text(line + "\n", encoding="utf-8")
    call_command("audit", "verify", "--checkpoint", str(copy))
    assert "已与 1 个检查点比对" in capsys.readouterr().out


def test_truncated_tail_with_rewound_head_fails_naming_the_missing_range(checkpoint_dir):
    write_entries(5)  # seq 2..6
    checkpoint, path = audit_checkpoint_write()  # seq 7
    assert path == checkpoint_dir / "checkpoints.jsonl"
    truncate_and_rewind(keep=4)

    # The chain alone still looks whole: only the checkpoint shows what was cut off.
    assert audit_verify().ok
    message = verify("--checkpoints", str(checkpoint_dir))
    assert "audit_head_behind_checkpoint" in message
    assert "第 5 至 7 条日志缺失" in message
    assert "seq 5–7" in message


def test_truncated_then_written_again_fails_on_the_checkpoint_hash():
    write_entries(5)
    audit_checkpoint_write()  # seq 7
    truncate_and_rewind(keep=4)
    write_entries(4)  # seq 5..8: a new entry 7 with another hash
    message = verify()
    assert "audit_checkpoint_mismatch" in message and "第 7 条" in message


def test_deleting_the_whole_log_fails_with_and_without_a_checkpoint(checkpoint_dir):
    write_entries(3)
    audit_checkpoint_write()  # seq 5
    raw("DELETE FROM {table}")
    AuditChainHead.objects.all().delete()

    message = verify("--checkpoints", str(checkpoint_dir / "missing"))
    assert "audit_checkpoint_not_found" in message
    message = verify()
    assert "audit_genesis_missing" in message and "日志被整体删除过" in message and "seq 1–5" in message
    result = audit_verify()  # no checkpoint at all: the missing genesis entry is enough
    assert not result.ok and result.problem == "audit_genesis_missing"


def test_a_replaced_log_fails_on_the_genesis_hash():
    write_entries(3)
    audit_checkpoint_write()
    raw("DELETE FROM {table}")
    AuditChainHead.objects.all().delete()
    # `migrate` on the emptied database writes a new genesis entry; the checkpoint knows the old one.
    assert audit_genesis_ensure() is not None
    write_entries(5)
    assert audit_verify().ok
    message = verify()
    assert "audit_genesis_mismatch" in message and "整个日志被替换过" in message


@pytest.mark.parametrize(
    ("field", "value"), [("signature", "0" * 64), ("seq", 2), ("hash", "f" * 64), ("genesis_hash", "e" * 64)]
)
def test_a_tampered_checkpoint_fails(checkpoint_dir, field, value):
    write_entries(2)
    _, path = audit_checkpoint_write()
    data = json.loads(path.read_text(encoding="utf-8"))
    data[field] = value
    path.write_text(json.dumps(data) + "\n", encoding="utf-8")
    message = verify()
    assert "audit_checkpoint_signature" in message and "检查点签名不符" in message


def test_an_unreadable_checkpoint_line_fails(checkpoint_dir):
    checkpoint_dir.mkdir(parents=True)
    (checkpoint_dir / "checkpoints.jsonl").write_text('{"format": 1, "seq": 3}\n', encoding="utf-8")
    assert "audit_checkpoint_unreadable" in verify()


def test_checkpoint_refuses_to_sign_a_truncated_log(checkpoint_dir):
    write_entries(5)
    audit_checkpoint_write()
    truncate_and_rewind(keep=3)
    with pytest.raises(CommandError) as exc:
        call_command("audit", "checkpoint")
    assert "audit_checkpoint_mismatch" in str(exc.value) and exc.value.returncode == 1
    assert len(checkpoints_read(checkpoint_dir)) == 1  # nothing appended
    refused = AuditEntry.objects.get(action="audit_checkpoint", outcome="error")
    assert refused.detail["code"] == "audit_checkpoint_mismatch"
    with pytest.raises(AuditCheckpointRefused):
        audit_checkpoint_write()


def test_checkpoint_out_file_appends(tmp_path):
    out = tmp_path / "paper" / "cp.txt"
    first, _ = audit_checkpoint_write(out=out)
    second, _ = audit_checkpoint_write(out=out)
    assert [c.seq for c in checkpoints_read(out)] == [first.seq, second.seq]
    assert first.genesis_hash == second.genesis_hash == AuditEntry.objects.get(seq=1).hash


def test_genesis_is_written_once_and_not_over_a_gap():
    assert AuditEntry.objects.get(seq=1).action == "audit_genesis"  # written by migrate
    assert audit_genesis_ensure() is None
    write_entries(2)
    raw("DELETE FROM {table}")
    # The head still says 3 entries were written: a new genesis would hide the deletion.
    assert audit_genesis_ensure() is None
    assert not audit_verify().ok


def test_a_restart_does_not_give_a_deleted_log_a_new_genesis_entry():
    write_entries(2)
    raw("DELETE FROM {table}")
    AuditChainHead.objects.all().delete()
    call_command("migrate", verbosity=0)  # what `xinyong serve` runs at every start
    assert not AuditEntry.objects.exists()
    assert audit_verify().problem == "audit_genesis_missing"
