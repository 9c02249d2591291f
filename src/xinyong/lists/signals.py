"""Signal handlers of the lists app: a new database gets the shipped list types and escalation rules at
``migrate``."""

from __future__ import annotations

from django.conf import settings
from django.db import router
from django.utils import timezone

from xinyong.core.signals import database_migrated
from xinyong.lists.escalation import escalation_rules_load
from xinyong.lists.models import ListType
from xinyong.lists.services import list_types_load


def list_types_load_after_migrate(sender, *, using, verbosity=1, **kwargs) -> None:
    """Load the list types the database does not have yet, then the escalation rules (new versions only).

    Only what is missing: a type already present (perhaps edited by an operator) is left alone; ``xinyong
    lists load`` brings shipped changes in explicitly. Off with ``settings.LISTS_LOAD_ON_MIGRATE = False``
    (the test suite loads the list types each test needs).
    """
    if not getattr(settings, "LISTS_LOAD_ON_MIGRATE", True):
        return
    if using != router.db_for_write(ListType) or not database_migrated(using=using):
        return
    report = list_types_load(as_of=timezone.localdate(), only_missing=True)
    rules = escalation_rules_load()
    if verbosity >= 1 and report.changed:
        print(f"  红黑名单：已载入 {len(report.created)} 个名单类型")
    if verbosity >= 1 and rules.rules_created:
        print(f"  失信等级升级规则：已载入 {'、'.join(rules.rules_created)}")
