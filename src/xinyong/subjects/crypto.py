"""Encryption at rest and keyed hashing of personal identifiers (身份证号码).

A natural person's ID number is stored three ways and never in clear text:

- ``encrypt`` → a Fernet token (AES-128-CBC + HMAC-SHA256, random IV), decryptable by permitted roles;
- ``ric_hmac`` → HMAC-SHA256 under a separate key: deterministic, so an exact lookup is one indexed
  equality (``Subject.ric_hmac``), but useless without the key (a plain hash of an ID number could be
  reversed by trying every birth date and sequence number);
- a masked form (first 6 and last 4 characters) for display.

Keys come from settings (``ENCRYPTION_KEY``, ``HMAC_KEY``, set from the environment). Nothing here logs
or puts plaintext into exception messages.

Key rotation and its limits
- Encryption key: ``ENCRYPTION_KEY`` may hold several comma-separated Fernet keys. The first one encrypts,
  all of them decrypt (``MultiFernet``). To rotate, put the new key first and keep the old one behind it,
  re-encrypt the stored tokens with ``reencrypt`` (row by row or in chunks), then drop the old key. Removing
  an old key before every token has been re-encrypted makes those tokens unreadable for good.
- HMAC key: it cannot be rotated in place. Every stored ``ric_hmac`` was computed with the old key, so a new
  key makes all exact lookups miss (and the unique index stops catching duplicates) until each hash is
  recomputed from the decrypted ID number. Rotating it therefore means: decrypt every ID, compute the new
  hash, write it, in one maintenance run while uploads are stopped.
- Losing either key loses data: keep them in the deployment's secret store and back them up separately
  from the database backups.
"""

import functools
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class DecryptionError(Exception):
    """A stored token could not be decrypted with any configured key."""


@functools.lru_cache(maxsize=4)
def _fernet(keys: str) -> MultiFernet:
    # Cached per key setting so tests that override settings get a matching instance.
    return MultiFernet([Fernet(k.strip().encode("ascii")) for k in keys.split(",") if k.strip()])


def _current_fernet() -> MultiFernet:
    return _fernet(settings.ENCRYPTION_KEY)


def encrypt(plaintext: str) -> str:
    """Encrypt a text value with the current key; returns an ASCII Fernet token."""
    return _current_fernet().encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    """Decrypt a token made by ``encrypt`` with any configured key."""
    try:
        return _current_fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError) as exc:
        # Deliberately no token or key material in the message.
        raise DecryptionError("无法解密已存储的个人信息：加密密钥与数据不匹配") from exc


def reencrypt(token: str) -> str:
    """Re-encrypt a token under the first (newest) configured key, for key rotation."""
    try:
        return _current_fernet().rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, ValueError) as exc:
        raise DecryptionError("无法解密已存储的个人信息：加密密钥与数据不匹配") from exc


def keyed_hash(value: str, *, domain: str) -> str:
    """HMAC-SHA256 (hex) of ``value`` under settings.HMAC_KEY, separated by ``domain``."""
    # The domain prefix keeps hashes of different kinds of values apart even if their texts coincide.
    message = f"{domain}:{value}".encode()
    return hmac.new(settings.HMAC_KEY.encode("utf-8"), message, hashlib.sha256).hexdigest()


def ric_hmac(ric_normalized: str) -> str:
    """Keyed hash of a normalised 18-character 身份证号码 for exact lookup."""
    return keyed_hash(ric_normalized, domain="ric")
