"""Signed checkpoints of the audit log's head, kept outside the database.

The hash chain shows that no entry was altered, inserted or removed *inside* the chain, but someone who can
write to the database can cut entries off its end and rewind the chain head, or delete the whole log: what
is left is still a valid chain. A checkpoint records the head (sequence number and hash) and the genesis
entry's hash at one moment, signed with the audit key, in a file outside the database and on paper. A later
``xinyong audit verify`` compares the log with every checkpoint it is given: the log must still reach each
checkpoint's sequence number, with the same hash there and the same genesis entry. See docs/audit.md.

A checkpoint is one line of JSON (so a file of them is appended to, line by line) that an auditor can also
copy from the printed output and hand back to ``verify`` as a file.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.crypto import salted_hmac

from xinyong.accounts.audit_chain import audit_key, canonical_time

CHECKPOINT_FORMAT = 1
# Salt of the signature: a checkpoint signature can never equal an entry hash made with the same key.
CHECKPOINT_SALT = "xinyong.accounts.audit_checkpoint"
CHECKPOINT_FILE_NAME = "checkpoints.jsonl"
CHECKPOINT_FILE_SUFFIXES = (".jsonl", ".txt")


class CheckpointError(Exception):
    """A checkpoint that cannot be read or whose signature is wrong: ``code`` + zh-hans ``message``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class AuditCheckpoint:
    """The audit log's head at one moment: ``seq`` and ``hash`` of the newest entry, and the genesis hash."""

    seq: int
    hash: str
    genesis_hash: str
    created_at: dt.datetime
    signature: str = ""
    source: str = ""  # where it was read from ("file:line"), for messages

    def signed_text(self) -> str:
        return "|".join(
            (
                "xinyong-audit-checkpoint",
                str(CHECKPOINT_FORMAT),
                str(self.seq),
                self.hash,
                self.genesis_hash,
                canonical_time(self.created_at),
            )
        )

    def expected_signature(self) -> str:
        return salted_hmac(
            CHECKPOINT_SALT, self.signed_text(), secret=audit_key(), algorithm="sha256"
        ).hexdigest()

    def signature_ok(self) -> bool:
        return bool(self.signature) and hmac.compare_digest(self.signature, self.expected_signature())

    def signed(self) -> AuditCheckpoint:
        return AuditCheckpoint(
            seq=self.seq,
            hash=self.hash,
            genesis_hash=self.genesis_hash,
            created_at=self.created_at,
            signature=self.expected_signature(),
        )

    def line(self) -> str:
        """The checkpoint as one line of JSON (what files hold and what the auditor keeps)."""
        return json.dumps(
            {
                "format": CHECKPOINT_FORMAT,
                "seq": self.seq,
                "hash": self.hash,
                "genesis_hash": self.genesis_hash,
                "created_at": canonical_time(self.created_at),
                "signature": self.signature,
            },
            separators=(",", ":"),
        )


def checkpoint_directory() -> Path:
    """The directory daily checkpoints are appended to (``XINYONG_AUDIT_CHECKPOINT_DIR``)."""
    return Path(settings.AUDIT_CHECKPOINT_DIR)


def checkpoint_parse(line: str, *, source: str = "") -> AuditCheckpoint:
    """Read one checkpoint line and check its signature; raises CheckpointError."""
    where = f"（{source}）" if source else ""
    try:
        data = json.loads(line)
        if not isinstance(data, dict) or data.get("format") != CHECKPOINT_FORMAT:
            raise ValueError("not a checkpoint")
        checkpoint = AuditCheckpoint(
            seq=int(data["seq"]),
            hash=str(data["hash"]),
            genesis_hash=str(data["genesis_hash"]),
            created_at=dt.datetime.strptime(data["created_at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
                tzinfo=dt.UTC
            ),
            signature=str(data["signature"]),
            source=source,
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise CheckpointError(
            "audit_checkpoint_unreadable",
            f"检查点无法读取{where}：每行应为 xinyong audit checkpoint 打印的一行 JSON，请核对是否抄录完整",
        ) from exc
    if checkpoint.seq < 1:
        raise CheckpointError("audit_checkpoint_unreadable", f"检查点的序号必须大于 0{where}")
    if not checkpoint.signature_ok():
        raise CheckpointError(
            "audit_checkpoint_signature",
            f"检查点签名不符{where}：检查点被改动过，或不是用本平台的审计密钥签发的；"
            "请与审计人员保存的纸质或邮件副本核对",
        )
    return checkpoint


def checkpoints_read(path: str | Path) -> list[AuditCheckpoint]:
    """Every checkpoint in a file, or in the checkpoint files of a directory, ordered by sequence number.

    Raises CheckpointError for a missing path, an unreadable line or a wrong signature: a checkpoint that
    cannot be trusted must stop the verification, not be skipped.
    """
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix in CHECKPOINT_FILE_SUFFIXES)
    elif path.is_file():
        files = [path]
    else:
        raise CheckpointError("audit_checkpoint_not_found", f"找不到检查点文件或目录：{path}")
    found: list[AuditCheckpoint] = []
    for file in files:
        for number, text in enumerate(file.read_text(encoding="utf-8-sig").splitlines(), start=1):
            text = text.strip()
            if text and not text.startswith("#"):
                found.append(checkpoint_parse(text, source=f"{file.name} 第 {number} 行"))
    return sorted(found, key=lambda c: (c.seq, c.created_at))


def checkpoint_file(*, out: str | Path | None = None, directory: str | Path | None = None) -> Path:
    """The file a checkpoint is appended to: ``out`` (a file, or a directory), else ``checkpoints.jsonl`` in
    ``directory`` or the configured checkpoint directory."""
    if out is not None:
        out = Path(out)
        return out / CHECKPOINT_FILE_NAME if out.is_dir() else out
    return Path(directory or checkpoint_directory()) / CHECKPOINT_FILE_NAME


def checkpoint_append(checkpoint: AuditCheckpoint, *, path: Path) -> Path:
    """Append the checkpoint's line to the file ``path`` (created with its directory when missing)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        out.write(checkpoint.line() + "\n")
    return path
