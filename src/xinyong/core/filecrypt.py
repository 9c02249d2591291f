"""Streaming authenticated encryption of stored files (uploads, rejection files) with the platform's key.

Format ``XYF1`` (described for operators in docs/files-at-rest.md). It is the segmented "STREAM"
construction of Hoang, Reyhanitabar, Rogaway and Vizár (CRYPTO 2015), laid out like Tink's
AES-GCM-HKDF streaming AEAD::

    header   = b"XYF1" | key id (8) | salt (16) | nonce prefix (7) | segment size (4, big-endian)
    segment  = AES-256-GCM(file key, nonce = prefix | counter (4, big-endian) | last (1), plaintext,
                           associated data = header)

- The **master file key** is derived with HKDF-SHA256 from each Fernet key of ``settings.ENCRYPTION_KEY``
  (``XINYONG_ENCRYPTION_KEY``), with its own ``info`` label, so the key that encrypts ID numbers in the
  database is never used directly on files. The header names it by a key id, so a rotated key list still
  opens older files.
- Each file gets a **file key** derived by HKDF from the master key and a random 16-byte salt, so nonces
  (7 random bytes + a segment counter) never repeat under one key however many files are written.
- Each segment of :data:`SEGMENT_SIZE` plaintext bytes is authenticated on its own with its position and
  whether it is the last one: a changed, swapped, removed or appended segment, or a file cut after a
  segment, is refused with :class:`FileTampered` instead of yielding wrong bytes.
- :class:`EncryptedWriter` and :class:`DecryptedReader` hold one segment in memory; the reader is seekable
  (segments are independent), so ZIP-based formats can be read straight from it.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import io
import os
import shutil
import struct
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from xinyong.core.errors import CodedError

__all__ = [
    "MAGIC",
    "SEGMENT_SIZE",
    "DecryptedReader",
    "EncryptedWriter",
    "FileTampered",
    "decrypt_to",
    "encrypt_file",
    "is_encrypted",
    "open_decrypted",
    "open_encrypted",
]

MAGIC = b"XYF1"
SEGMENT_SIZE = 1024 * 1024
_TAG = 16
_KEY_ID = 8
_SALT = 16
_PREFIX = 7
_HEADER = struct.Struct(f">{len(MAGIC)}s{_KEY_ID}s{_SALT}s{_PREFIX}sI")
HEADER_SIZE = _HEADER.size
_MASTER_INFO = b"xinyong files at rest: master key v1"
_FILE_INFO = b"xinyong files at rest: file key v1"
_COPY = 1024 * 1024


class FileTampered(CodedError):
    """A stored file is not a readable encrypted file: damaged, altered, cut short or under an unknown key."""

    status = 500

    def __init__(self, detail: str, *, name: str = "") -> None:
        self.detail = detail
        where = f"“{name}”" if name else ""
        super().__init__(
            "stored_file_tampered",
            f"存储的文件{where}已损坏或被改动（{detail}），平台拒绝读取。"
            "请联系平台管理员从备份恢复该文件，或由数据来源单位重新上传。",
        )


def _hkdf(key: bytes, *, salt: bytes | None, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(key)


@functools.lru_cache(maxsize=4)
def _master_keys(setting: str) -> tuple[tuple[bytes, bytes], ...]:
    """(key id, master file key) for each configured Fernet key; the first one encrypts."""
    keys = []
    for text in (k.strip() for k in setting.split(",")):
        if text:
            master = _hkdf(base64.urlsafe_b64decode(text.encode("ascii")), salt=None, info=_MASTER_INFO)
            key_id = hmac.new(master, b"key id", hashlib.sha256).digest()[:_KEY_ID]
            keys.append((key_id, master))
    if not keys:
        raise ValueError("XINYONG_ENCRYPTION_KEY holds no key")
    return tuple(keys)


def _current_keys() -> tuple[tuple[bytes, bytes], ...]:
    return _master_keys(settings.ENCRYPTION_KEY)


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + struct.pack(">IB", counter, 1 if last else 0)


class EncryptedWriter(io.RawIOBase):
    """A binary file object that encrypts what is written to ``stream`` (closed with it)."""

    def __init__(self, stream: IO[bytes], *, segment_size: int = SEGMENT_SIZE) -> None:
        key_id, master = _current_keys()[0]
        salt, self._prefix = os.urandom(_SALT), os.urandom(_PREFIX)
        self._header = _HEADER.pack(MAGIC, key_id, salt, self._prefix, segment_size)
        self._aead = AESGCM(_hkdf(master, salt=salt, info=_FILE_INFO))
        self._stream = stream
        self._segment = segment_size
        self._buffer = bytearray()
        self._counter = 0
        self._stream.write(self._header)

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._buffer += data
        # Keep at least one byte back: only close() knows which segment is the last one.
        while len(self._buffer) > self._segment:
            self._emit(bytes(self._buffer[: self._segment]), last=False)
            del self._buffer[: self._segment]
        return len(data)

    def _emit(self, plain: bytes, *, last: bool) -> None:
        if self._counter >= 2**32 - 1:
            raise ValueError("file too large for one encrypted stream")
        self._stream.write(self._aead.encrypt(_nonce(self._prefix, self._counter, last), plain, self._header))
        self._counter += 1

    def close(self) -> None:
        if not self.closed:
            try:
                self._emit(bytes(self._buffer), last=True)
                self._buffer.clear()
            finally:
                self._stream.close()
                super().close()


class DecryptedReader(io.RawIOBase):
    """A seekable binary file object reading the plaintext of an encrypted ``stream`` (closed with it)."""

    def __init__(self, stream: IO[bytes], *, name: str = "") -> None:
        self._stream = stream
        self._name = name
        header = stream.read(HEADER_SIZE)
        if len(header) < HEADER_SIZE or header[: len(MAGIC)] != MAGIC:
            raise FileTampered("不是平台加密保存的文件", name=name)
        _magic, key_id, salt, self._prefix, self._segment = _HEADER.unpack(header)
        master = dict(_current_keys()).get(key_id)
        if master is None:
            raise FileTampered("文件所用的加密密钥不在当前配置的密钥中", name=name)
        if self._segment <= 0:
            raise FileTampered("文件头无效", name=name)
        self._header = header
        self._aead = AESGCM(_hkdf(master, salt=salt, info=_FILE_INFO))
        stream.seek(0, io.SEEK_END)
        body = stream.tell() - HEADER_SIZE
        stored = self._segment + _TAG
        self._segments = max(1, -(-body // stored))
        last_size = body - (self._segments - 1) * stored - _TAG
        if last_size < 0:
            raise FileTampered("文件被截断", name=name)
        self._size = (self._segments - 1) * self._segment + last_size
        self._pos = 0
        self._cached: tuple[int, bytes] | None = None

    @property
    def size(self) -> int:
        """Plaintext size in bytes."""
        return self._size

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._pos = base + offset
        return self._pos

    def _plain_segment(self, index: int) -> bytes:
        if self._cached is not None and self._cached[0] == index:
            return self._cached[1]
        stored = self._segment + _TAG
        self._stream.seek(HEADER_SIZE + index * stored)
        data = self._stream.read(stored)
        last = index == self._segments - 1
        try:
            plain = self._aead.decrypt(_nonce(self._prefix, index, last), data, self._header)
        except InvalidTag:
            raise FileTampered(f"第 {index + 1} 段校验失败", name=self._name) from None
        self._cached = (index, plain)
        return plain

    def readinto(self, buffer: Any) -> int:
        if self._pos >= self._size:
            # End of file: the last segment is checked (it carries the "last" flag), so a file cut short or
            # extended is refused even when its last bytes were never asked for.
            self._plain_segment(self._segments - 1)
            return 0
        # Fill the whole buffer across segment boundaries: callers using the raw reader (not through
        # io.BufferedReader) expect read(n) to return n bytes before the end of the file.
        view = memoryview(buffer).cast("B")
        filled = 0
        while filled < len(view) and self._pos < self._size:
            index, offset = divmod(self._pos, self._segment)
            plain = memoryview(self._plain_segment(index))
            count = min(len(view) - filled, len(plain) - offset)
            view[filled : filled + count] = plain[offset : offset + count]
            self._pos += count
            filled += count
        return filled

    def readall(self) -> bytes:
        parts = []
        while chunk := self.read(self._segment):
            parts.append(chunk)
        return b"".join(parts)

    def close(self) -> None:
        if not self.closed:
            self._stream.close()
            super().close()


def is_encrypted(path: Path) -> bool:
    """Does ``path`` start like an encrypted file? (Only files stored before encryption existed do not.)"""
    with path.open("rb") as fh:
        return fh.read(len(MAGIC)) == MAGIC


def open_encrypted(path: Path) -> io.BufferedWriter:
    """Open ``path`` for writing; what is written is stored encrypted (the file is created with mode 0600)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    return io.BufferedWriter(EncryptedWriter(os.fdopen(fd, "wb")), buffer_size=_COPY)


def open_decrypted(path: Path) -> io.BufferedReader:
    """Open an encrypted file for reading its plaintext (seekable); raises :class:`FileTampered`."""
    raw = path.open("rb")
    try:
        return io.BufferedReader(DecryptedReader(raw, name=path.name), buffer_size=_COPY)
    except BaseException:
        raw.close()
        raise


def encrypt_file(source: Path, dest: Path) -> None:
    """Write an encrypted copy of ``source`` to ``dest``, streaming."""
    with source.open("rb") as src, open_encrypted(dest) as out:
        shutil.copyfileobj(src, out, _COPY)


def decrypt_to(source: Path, dest: IO[bytes]) -> None:
    """Write the plaintext of the encrypted ``source`` to ``dest``, streaming (every segment checked)."""
    with open_decrypted(source) as src:
        shutil.copyfileobj(src, dest, _COPY)
