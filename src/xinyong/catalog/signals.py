"""Signal handlers of the catalog app: a new database gets the shipped catalog at ``migrate``."""

from __future__ import annotations

from django.conf import settings
from django.db import router
from django.utils import timezone

from xinyong.catalog.models import CatalogItem
from xinyong.catalog.services import catalog_load_fixtures
from xinyong.core.signals import database_migrated


def catalog_load_after_migrate(sender, *, using, verbosity=1, **kwargs) -> None:
    """Load the catalog items, code lists and rule sets the database does not have yet.

    Only what is missing: an item, code list or rule set already present (perhaps edited by an operator)
    is left alone; ``xinyong catalog load`` brings shipped changes in explicitly. Off with
    ``settings.CATALOG_LOAD_ON_MIGRATE = False`` (the test suite loads the catalog each test needs).
    """
    if not getattr(settings, "CATALOG_LOAD_ON_MIGRATE", True):
        return
    if using != router.db_for_write(CatalogItem) or not database_migrated(using=using):
        return
    # accounts comes before catalog in INSTALLED_APPS, so a new log has its genesis entry by now.
    report = catalog_load_fixtures(as_of=timezone.localdate(), only_missing=True)
    if verbosity >= 1 and report.changed:
        print(
            f"  信用信息目录：已载入 {len(report.versions_created)} 个目录项、"
            f"{len(report.code_lists_created)} 个码表、{len(report.rule_sets_created)} 个公示期限规则集"
        )
