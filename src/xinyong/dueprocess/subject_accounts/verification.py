"""How an account proves it may act for a subject before it is linked to it: the pluggable link verifier.

The platform resolves the subject from the code the account typed (USCC, or a 身份证 number for a person) and
then asks the verifier named by the setting ``DUEPROCESS_LINK_VERIFIER`` (a dotted path to a class; default
:class:`OneTimeCodeVerifier`). A verifier is a class instantiated without arguments with:

- ``method``: the ``LinkMethod`` value the link records (e.g. ``"identity_service"``);
- ``verify(*, account, subject, evidence, now) -> None``: called inside the transaction that creates the
  link; returns when the account may act for the subject, raises :class:`LinkRefused` (a ``CodedError``)
  otherwise. ``evidence`` is what the account typed in the field 绑定码 (a one-time code, or a token an
  identity service gave it); the verifier may consume it (the one-time code is marked used).

The attempt limits, the audit entries and the link itself are the platform's (``services.subject_link_create``),
whatever the verifier. docs/subject-accounts.md describes the interface.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from xinyong.core.errors import CodedError
from xinyong.dueprocess.subject_accounts.models import LinkCode, LinkMethod, SubjectAccount

DEFAULT_VERIFIER = "xinyong.dueprocess.subject_accounts.verification.OneTimeCodeVerifier"

# Codes are shown in groups of four letters/digits without look-alikes (no 0/O, 1/I/L): 16 characters of a
# 32-symbol alphabet, 80 bits.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 16


class LinkRefused(CodedError):
    """The account may not be linked to the subject (a wrong, expired or used code, or a refusal)."""


class LinkVerifier(Protocol):
    method: str

    def verify(self, *, account: SubjectAccount, subject, evidence: str, now: dt.datetime) -> None: ...


def link_code_normalise(value: str) -> str:
    """A typed code without spaces and dashes, upper case (codes are shown as four groups of four characters)."""
    return "".join(ch for ch in (value or "").upper() if ch.isalnum())


def link_code_hash(value: str) -> str:
    """The stored form of a code: SHA-256 of its normalised text (the code itself is never stored)."""
    return hashlib.sha256(link_code_normalise(value).encode()).hexdigest()


def link_code_generate() -> str:
    """A new random code, grouped for reading: four groups of four characters joined by dashes."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


INVALID = ("link_code_invalid", "主体代码或绑定码不正确，请核对后重新输入")


class OneTimeCodeVerifier:
    """The demonstration verifier: a one-time code an operator issued for the subject (``LinkCode``)."""

    method = LinkMethod.ONE_TIME_CODE

    def verify(self, *, account: SubjectAccount, subject, evidence: str, now: dt.datetime) -> None:
        normalised = link_code_normalise(evidence)
        if not normalised:
            raise LinkRefused("link_code_required", "请输入平台核发的绑定码")
        code = (
            LinkCode.objects.select_for_update()
            .filter(code_hash=link_code_hash(normalised), subject=subject)
            .first()
        )
        if code is None:
            raise LinkRefused(*INVALID)
        if code.used_at is not None:
            raise LinkRefused("link_code_used", "该绑定码已经使用过，请向平台申请新的绑定码")
        if code.expires_at <= now:
            raise LinkRefused("link_code_expired", "该绑定码已过有效期，请向平台申请新的绑定码")
        code.used_at = now
        code.used_by = account
        code.save(update_fields=["used_at", "used_by"])


def link_verifier() -> LinkVerifier:
    """The configured verifier (setting ``DUEPROCESS_LINK_VERIFIER``, a dotted path to its class)."""
    path = getattr(settings, "DUEPROCESS_LINK_VERIFIER", "") or DEFAULT_VERIFIER
    return import_string(path)()
