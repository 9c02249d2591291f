"""Streaming encryption of stored files: round trip, random access, tampering refused, bounded memory."""

from __future__ import annotations

import io
import os
import tracemalloc

import pytest
from cryptography.fernet import Fernet
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from xinyong.core.filecrypt import (
    HEADER_SIZE,
    DecryptedReader,
    EncryptedWriter,
    FileTampered,
    decrypt_to,
    open_decrypted,
    open_encrypted,
)

SEGMENT = 64  # small segments so that the tests cross many segment boundaries


def encrypt(data: bytes, *, segment: int = SEGMENT) -> bytes:
    sink = io.BytesIO()
    sink.close = lambda: None  # keep the buffer readable after the writer closes it
    writer = EncryptedWriter(sink, segment_size=segment)
    for start in range(0, len(data), 37):
        writer.write(data[start : start + 37])
    writer.close()
    return sink.getvalue()


def decrypt(blob: bytes) -> bytes:
    return DecryptedReader(io.BytesIO(blob)).readall()


@pytest.mark.parametrize("size", [0, 1, SEGMENT - 1, SEGMENT, SEGMENT + 1, 3 * SEGMENT, 3 * SEGMENT + 5])
def test_round_trip_at_segment_boundaries(size):
    data = os.urandom(size)
    blob = encrypt(data)
    assert decrypt(blob) == data
    assert len(data) < 16 or data not in blob  # a short random string may occur by chance


@hsettings(max_examples=60, deadline=None)
@given(
    st.binary(max_size=700),
    st.integers(1, 200),
    st.lists(st.tuples(st.integers(0, 800), st.integers(0, 300))),
)
def test_random_reads_match_the_plaintext(data, segment, reads):
    reader = DecryptedReader(io.BytesIO(encrypt(data, segment=segment)))
    assert reader.size == len(data)
    for offset, length in reads:
        reader.seek(offset)
        assert reader.read(length) == data[offset : offset + length]


def test_two_encryptions_of_one_file_differ():
    data = b"913600001234567890" * 10
    assert encrypt(data) != encrypt(data)


def _segments(blob: bytes) -> list[bytes]:
    body = blob[HEADER_SIZE:]
    size = SEGMENT + 16
    return [body[i : i + size] for i in range(0, len(body), size)]


def _tamperings(blob: bytes) -> dict[str, bytes]:
    header, segments = blob[:HEADER_SIZE], _segments(blob)
    flipped = bytearray(blob)
    flipped[HEADER_SIZE + SEGMENT + 20] ^= 0x01
    return {
        "a flipped bit": bytes(flipped),
        "the last segment removed": header + b"".join(segments[:-1]),
        "cut inside a segment": blob[:-10],
        "bytes appended": blob + b"\x00" * 40,
        "two segments swapped": header + segments[1] + segments[0] + b"".join(segments[2:]),
        "a changed header": blob[: HEADER_SIZE - 1] + bytes([blob[HEADER_SIZE - 1] ^ 1]) + blob[HEADER_SIZE:],
        "only the header": header,
    }


TAMPERINGS = [
    "a flipped bit",
    "the last segment removed",
    "cut inside a segment",
    "bytes appended",
    "two segments swapped",
    "a changed header",
    "only the header",
]


@pytest.mark.parametrize("kind", TAMPERINGS)
def test_tampered_ciphertext_is_refused_with_a_clear_error(kind):
    data = os.urandom(4 * SEGMENT + 10)
    tampered = _tamperings(encrypt(data))[kind]
    with pytest.raises(FileTampered) as caught:
        decrypt(tampered)
    assert caught.value.code == "stored_file_tampered"
    assert "已损坏或被改动" in caught.value.message and "平台拒绝读取" in caught.value.message


def test_a_plain_file_is_not_taken_for_an_encrypted_one():
    with pytest.raises(FileTampered) as caught:
        decrypt(b"name,code\n")
    assert "不是平台加密保存的文件" in caught.value.message


def test_a_file_under_a_rotated_out_key_is_refused_and_an_old_key_still_opens(settings, tmp_path):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.ENCRYPTION_KEY = old
    path = tmp_path / "upload.csv"
    with open_encrypted(path) as out:
        out.write(b"payload")
    settings.ENCRYPTION_KEY = f"{new},{old}"  # rotation: the new key first, the old one still listed
    with open_decrypted(path) as src:
        assert src.read() == b"payload"
    settings.ENCRYPTION_KEY = new
    with pytest.raises(FileTampered, match="加密密钥"):
        open_decrypted(path)


class _Sink(io.RawIOBase):
    def __init__(self) -> None:
        self.count = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.count += len(data)
        return len(data)


def test_a_multi_megabyte_file_is_encrypted_and_decrypted_with_bounded_memory(tmp_path):
    size = 24 * 1024 * 1024
    path = tmp_path / "big.csv"
    block = os.urandom(256 * 1024)
    tracemalloc.start()
    try:
        with open_encrypted(path) as out:
            for _ in range(size // len(block)):
                out.write(block)
        _, encrypt_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        sink = _Sink()
        decrypt_to(path, sink)
        _, decrypt_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sink.count == size
    # A few segments of 1 MiB, whatever the file size (here a third of it at most).
    assert encrypt_peak < 8 * 1024 * 1024 and decrypt_peak < 8 * 1024 * 1024, (encrypt_peak, decrypt_peak)
