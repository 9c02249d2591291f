"""Tokens of the embeddable check widget: signed with ``django.core.signing``, short-lived, single-purpose.

A token carries its id, the department and API client it was issued to, the matter and purpose, how many
checks it allows and — when issued for one subject — a keyed digest of that subject's code or name. The
signature makes it unforgeable; ``max_age`` (``JRP_WIDGET_TOKEN_SECONDS``) makes it expire; its uses are
counted in the database (``WidgetToken``), so it cannot be replayed.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from django.conf import settings
from django.core import signing

from xinyong.core.errors import CodedError
from xinyong.core.identifiers import normalize_code_input

__all__ = ["WidgetTokenError", "subject_digest", "token_read", "token_sign"]

SALT = "xinyong.jrp.channels.widget-token"
MAX_TOKEN_LENGTH = 2000


class WidgetTokenError(CodedError):
    """A widget token that is missing, forged, expired, used up or used for another subject."""

    status = 401


def token_sign(payload: dict[str, Any]) -> str:
    return signing.dumps(payload, salt=SALT, compress=True)


def token_read(token: str) -> dict[str, Any]:
    """The payload of a valid, unexpired token; raises ``WidgetTokenError``."""
    token = (token or "").strip()
    if not token:
        raise WidgetTokenError(
            "widget_token_missing", "缺少核查令牌：请由受理系统向平台申请令牌后再打开核查组件"
        )
    if len(token) > MAX_TOKEN_LENGTH:
        raise WidgetTokenError("widget_token_invalid", "核查令牌无效：令牌不是平台签发的，或已被改动")
    try:
        payload = signing.loads(token, salt=SALT, max_age=int(settings.JRP_WIDGET_TOKEN_SECONDS))
    except signing.SignatureExpired as exc:
        raise WidgetTokenError(
            "widget_token_expired", "核查令牌已过期：请刷新受理页面，由受理系统重新申请令牌"
        ) from exc
    except signing.BadSignature as exc:
        raise WidgetTokenError(
            "widget_token_invalid", "核查令牌无效：令牌不是平台签发的，或已被改动"
        ) from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("t"), str):
        raise WidgetTokenError("widget_token_invalid", "核查令牌无效：令牌不是平台签发的，或已被改动")
    return payload


def subject_digest(*, token_id: str, query: str) -> str:
    """Keyed digest of the subject a token is bound to (the code or name itself is not in the token)."""
    text = normalize_code_input(query)
    key = (settings.SECRET_KEY + SALT).encode()
    return hmac.new(key, f"{token_id}:{text}".encode(), hashlib.sha256).hexdigest()[:32]
