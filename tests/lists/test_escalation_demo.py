"""The demo county gets escalation proposals, a few notified with their notice, and one declined."""

from __future__ import annotations

import datetime as dt

import pytest

from xinyong.demo.services import demo_build
from xinyong.lists.models import EntryOrigin, EntryState, ListEntry
from xinyong.reports.models import CreditReport, ReportKind

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 6, 15)


def test_demo_county_has_proposals_and_notices(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "var" / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    lines: list[str] = []
    demo_build(seed=7, subjects=600, as_of=AS_OF, directory=tmp_path / "demo", progress=lines.append)
    entries = ListEntry.objects.filter(origin=EntryOrigin.ESCALATION)
    assert any("平台认定名单" in line for line in lines)
    assert (
        entries.filter(state=EntryState.NOTIFIED).count()
        == CreditReport.objects.filter(kind=ReportKind.NOTICE).count()
    )
    assert entries.filter(state=EntryState.NOTIFIED).exists()
    assert not entries.filter(state=EntryState.EFFECTIVE).exists()
