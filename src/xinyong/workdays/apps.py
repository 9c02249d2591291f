from django.apps import AppConfig
from django.db.models.signals import post_migrate


class WorkdaysConfig(AppConfig):
    name = "xinyong.workdays"
    label = "workdays"
    verbose_name = "工作日历"

    def ready(self) -> None:
        # Imported in ready(): the handler uses the models, which are not loaded yet when this module is imported.
        from xinyong.workdays.signals import seed_calendar_after_migrate

        post_migrate.connect(seed_calendar_after_migrate, sender=self, dispatch_uid="workdays_seed_calendar")
