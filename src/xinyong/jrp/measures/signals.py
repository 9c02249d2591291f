"""A new database gets the shipped measure list, published as rulebook 1, at ``migrate``."""

from __future__ import annotations

from django.conf import settings
from django.db import router
from django.utils import timezone

from xinyong.core.signals import database_migrated
from xinyong.jrp.measures.services import measures_load_fixtures
from xinyong.jrp.models import Rulebook


def measures_load_after_migrate(sender, *, using, verbosity=1, **kwargs) -> None:
    """Load the memoranda and the measure list when the database has no rulebook yet.

    Off with ``settings.JRP_MEASURES_LOAD_ON_MIGRATE = False``; when that setting is absent it follows
    ``CATALOG_LOAD_ON_MIGRATE`` (the test suite turns both off and loads what each test needs).
    """
    enabled = getattr(
        settings, "JRP_MEASURES_LOAD_ON_MIGRATE", getattr(settings, "CATALOG_LOAD_ON_MIGRATE", True)
    )
    if not enabled:
        return
    if using != router.db_for_write(Rulebook) or not database_migrated(using=using):
        return
    report = measures_load_fixtures(as_of=timezone.localdate(), only_missing=True)
    if verbosity >= 1 and report.rulebook is not None:
        print(f"  联合奖惩：已载入措施清单第 {report.rulebook.number} 版（{report.measures} 项措施）并公布")
