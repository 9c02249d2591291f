"""A new database gets the shipped jurisdiction profiles at ``migrate`` (new versions only)."""

from __future__ import annotations

from django.conf import settings
from django.db import router

from xinyong.core.signals import database_migrated
from xinyong.dueprocess.profiles.models import JurisdictionProfile
from xinyong.dueprocess.profiles.services import profiles_load


def profiles_load_after_migrate(sender, *, using, verbosity=1, **kwargs) -> None:
    """Load the shipped profiles; off with ``settings.DUEPROCESS_LOAD_ON_MIGRATE = False`` (tests load their own)."""
    if not getattr(settings, "DUEPROCESS_LOAD_ON_MIGRATE", True):
        return
    if using != router.db_for_write(JurisdictionProfile) or not database_migrated(using=using):
        return
    report = profiles_load()
    if verbosity >= 1 and report.created:
        print(f"  办理时限规则：已载入 {len(report.created)} 个")
