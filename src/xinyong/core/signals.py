"""Helpers for the apps' signal handlers."""

from django.db import connections
from django.db.migrations.executor import MigrationExecutor


def database_migrated(*, using: str) -> bool:
    """True when every migration is applied on ``using``: post_migrate handlers that write through the
    current models must not run after a partial ``migrate app 0001``."""
    executor = MigrationExecutor(connections[using])
    return not executor.migration_plan(executor.loader.graph.leaf_nodes())
