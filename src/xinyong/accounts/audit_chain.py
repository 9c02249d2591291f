"""Canonical form and hash of an audit entry.

The hash of entry *n* is HMAC-SHA256 (key ``settings.AUDIT_HMAC_KEY``, falling back to
``settings.HMAC_KEY``) over a canonical JSON of the entry's fields including ``prev_hash``, the hash of
entry *n-1*. Keyed rather than a plain SHA-256 so that someone who can write to the database but does not
hold the key cannot rewrite the chain after tampering with it.

Values are canonicalised *before* they are stored (``canonical_detail``, ``canonical_ip``) so that what is
read back from SQLite or PostgreSQL (``jsonb``, ``inet``) hashes to the same bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import math
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

# ``prev_hash`` of the first entry. The first entry itself is the genesis entry (action ``audit_genesis``)
# that ``migrate`` writes into a new database, so that an empty log always means a deleted one.
GENESIS_HASH = "0" * 64
GENESIS_ACTION = "audit_genesis"
# Bump when the canonical form changes; part of every hashed payload.
CHAIN_FORMAT = 1

HASHED_FIELDS = (
    "seq",
    "created_at",
    "actor_kind",
    "actor_user_id",
    "actor_api_client_id",
    "actor_name",
    "actor_department_id",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "purpose",
    "outcome",
    "detail",
    "ip",
    "prev_hash",
)


def audit_key() -> bytes:
    """The key of the chain's HMAC and of checkpoint signatures."""
    key = getattr(settings, "AUDIT_HMAC_KEY", None) or settings.HMAC_KEY
    return key.encode() if isinstance(key, str) else key


def _canonical_value(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k).replace("\x00", ""): _canonical_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_canonical_value(v) for v in value]
    if isinstance(value, str):
        # PostgreSQL text and jsonb cannot hold NUL characters.
        return value.replace("\x00", "")
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        # jsonb prints integral numbers without a fraction (1e16 comes back as an int): store ints.
        if value.is_integer():
            return int(value)
    return value


def canonical_detail(detail: dict | None) -> dict:
    """JSON-safe copy of ``detail`` that survives a round trip through any supported database unchanged."""
    if not detail:
        return {}
    return _canonical_value(json.loads(json.dumps(detail, cls=DjangoJSONEncoder)))


def canonical_ip(ip: str | None) -> str | None:
    """Normalised IP address text, or ``None`` when missing or not an IP address."""
    if not ip:
        return None
    try:
        return str(ipaddress.ip_address(ip.strip()))
    except ValueError:
        return None


def canonical_time(value: dt.datetime) -> str:
    """UTC ISO 8601 with microseconds: both databases store microseconds exactly."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_payload(entry) -> bytes:
    """Canonical JSON bytes of an entry (saved or about to be saved)."""
    data: dict[str, Any] = {"format": CHAIN_FORMAT}
    for name in HASHED_FIELDS:
        value = getattr(entry, name)
        if name == "created_at":
            value = canonical_time(value)
        elif name == "detail":
            value = value or {}
        data[name] = value
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def entry_hash(entry) -> str:
    """The hex HMAC-SHA256 of the entry's canonical payload."""
    return hmac.new(audit_key(), entry_payload(entry), hashlib.sha256).hexdigest()
