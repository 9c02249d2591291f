"""Sign-in of subject accounts on the portal: their own session key, never Django's console login.

A console user's session and a subject account's session are separate (a console user is not signed in on
the portal's 我的信用 pages by being staff, and a subject account never reaches the console). The account's id
sits in the session under ``SESSION_KEY`` together with a hash of its password digest, so a password change
ends the other sessions (as Django does for console users).
"""

from __future__ import annotations

import functools
import hashlib
from urllib.parse import urlencode

from django.http import HttpRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from xinyong.dueprocess.subject_accounts.models import SubjectAccount

SESSION_KEY = "xinyong_subject_account"
SESSION_HASH_KEY = "xinyong_subject_account_hash"


def _password_fingerprint(account: SubjectAccount) -> str:
    return hashlib.sha256(account.password.encode()).hexdigest()[:32]


def account_sign_in(*, request: HttpRequest, account: SubjectAccount) -> None:
    """Start the account's portal session (a new session key, against fixation)."""
    request.session.cycle_key()
    request.session[SESSION_KEY] = account.pk
    request.session[SESSION_HASH_KEY] = _password_fingerprint(account)
    SubjectAccount.objects.filter(pk=account.pk).update(last_login_at=timezone.now())


def account_session_refresh(*, request: HttpRequest, account: SubjectAccount) -> None:
    """Keep this session signed in after a password change (a new session key and the new fingerprint);
    the account's other sessions still hold the old fingerprint and end at their next request."""
    request.session.cycle_key()
    request.session[SESSION_KEY] = account.pk
    request.session[SESSION_HASH_KEY] = _password_fingerprint(account)
    request._subject_account = account


def account_sign_out(*, request: HttpRequest) -> None:
    """End the account's portal session."""
    request.session.pop(SESSION_KEY, None)
    request.session.pop(SESSION_HASH_KEY, None)
    request.session.cycle_key()


def request_account(request: HttpRequest) -> SubjectAccount | None:
    """The signed-in subject account of a request, or None (inactive accounts and stale sessions: None)."""
    cached = getattr(request, "_subject_account", False)
    if cached is not False:
        return cached
    account = None
    pk = request.session.get(SESSION_KEY)
    if pk is not None:
        account = SubjectAccount.objects.filter(pk=pk, is_active=True).first()
        if account is not None and request.session.get(SESSION_HASH_KEY) != _password_fingerprint(account):
            account = None
    request._subject_account = account
    return account


def account_required(view):
    """Views of 我的信用: redirect to the portal's sign-in page when no subject account is signed in."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        account = request_account(request)
        if account is None:
            login = reverse("my:login")
            return redirect(f"{login}?{urlencode({'next': request.get_full_path()})}")
        request.subject_account = account
        return view(request, *args, **kwargs)

    return wrapper
