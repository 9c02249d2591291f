"""Signal handlers of the working-day calendar."""

from django.apps import apps as global_apps
from django.db import router

from xinyong.workdays.services import calendar_rows_seed


def seed_calendar_after_migrate(sender, *, using, apps=None, verbosity=1, **kwargs) -> None:
    """Give a fresh database the working-day calendar; later runs only add years new to chinese-calendar."""
    if apps is None:  # `flush` (e.g. after transactional tests) sends post_migrate without the app state
        apps = global_apps
    try:
        day_model = apps.get_model("workdays", "CalendarDay")
        year_model = apps.get_model("workdays", "CalendarYear")
    except LookupError:  # the calendar is not migrated (yet) on this database
        return
    if not router.allow_migrate_model(using, day_model):
        return
    report = calendar_rows_seed(day_model=day_model, year_model=year_model, using=using, new_years_only=True)
    if report.years and verbosity >= 1:
        print(
            f"  工作日历：已从 chinese-calendar 导入 {report.years[0]}–{report.years[-1]} 年（{report.created} 天）"
        )
