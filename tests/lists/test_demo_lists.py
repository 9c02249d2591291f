"""The demo county gets the list types and its list records as entries."""

from __future__ import annotations

import datetime as dt

import pytest

from xinyong.demo.services import demo_build
from xinyong.lists.models import ListEntry, ListType
from xinyong.lists.selectors import entries_in_force

AS_OF = dt.date(2026, 6, 15)


@pytest.mark.django_db
def test_demo_county_has_list_entries(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "var" / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    demo_build(seed=7, subjects=200, as_of=AS_OF, directory=tmp_path / "demo")
    assert ListType.objects.count() >= 46
    codes = set(entries_in_force(as_of=AS_OF).values_list("list_type__code", flat=True))
    assert {"court_dishonest_debtor", "abnormal_operations", "taxpayer_a"} <= codes
    # a second run finds the county built and changes nothing
    before = ListEntry.objects.count()
    demo_build(seed=7, subjects=200, as_of=AS_OF, directory=tmp_path / "demo")
    assert ListEntry.objects.count() == before
