"""A new database gets the shipped commitment templates at ``migrate`` (new versions only)."""

from __future__ import annotations

from django.conf import settings
from django.db import router

from xinyong.core.signals import database_migrated
from xinyong.dueprocess.commitments.models import CommitmentTemplate
from xinyong.dueprocess.commitments.services import commitment_templates_load


def commitment_templates_load_after_migrate(sender, *, using, verbosity=1, **kwargs) -> None:
    """Load the shipped templates; off with ``settings.DUEPROCESS_LOAD_ON_MIGRATE = False``."""
    if not getattr(settings, "DUEPROCESS_LOAD_ON_MIGRATE", True):
        return
    if using != router.db_for_write(CommitmentTemplate) or not database_migrated(using=using):
        return
    report = commitment_templates_load()
    if verbosity >= 1 and report.created:
        print(f"  承诺书模板：已载入 {len(report.created)} 个")
