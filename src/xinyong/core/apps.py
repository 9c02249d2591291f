from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "xinyong.core"
    label = "core"
    verbose_name = "基础"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from xinyong.core.signals import seed_calendar_after_migrate

        post_migrate.connect(seed_calendar_after_migrate, sender=self, dispatch_uid="core_seed_calendar")
