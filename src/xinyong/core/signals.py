"""Signal handlers of the core app."""

from django.db import router


def seed_calendar_after_migrate(sender, *, using, apps=None, verbosity=1, **kwargs) -> None:
    """Give a fresh database the working-day calendar; later runs only add years new to chinese-calendar."""
    from xinyong.core.services import seed_calendar_rows

    if apps is None:  # `flush` (e.g. after transactional tests) sends post_migrate without the app state
        from django.apps import apps
    try:
        day_model = apps.get_model("core", "CalendarDay")
        year_model = apps.get_model("core", "CalendarYear")
    except LookupError:  # core is not migrated (yet) on this database
        return
    if not router.allow_migrate_model(using, day_model):
        return
    report = seed_calendar_rows(day_model=day_model, year_model=year_model, using=using, new_years_only=True)
    if report.years and verbosity >= 1:
        print(
            f"  工作日历：已从 chinese-calendar 导入 {report.years[0]}–{report.years[-1]} 年（{report.created} 天）"
        )


def database_migrated(using: str) -> bool:
    """True when every migration is applied on ``using``: post_migrate handlers that write through the
    current models must not run after a partial ``migrate app 0001``."""
    from django.db import connections
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections[using])
    return not executor.migration_plan(executor.loader.graph.leaf_nodes())
