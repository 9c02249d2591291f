from django.apps import AppConfig


class DueprocessConfig(AppConfig):
    name = "xinyong.dueprocess"
    label = "dueprocess"
    verbose_name = "异议与信用修复"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        # Imported in ready(): the handler uses the models, which are not loaded yet when this module is imported.
        from xinyong.dueprocess.commitments.signals import commitment_templates_load_after_migrate
        from xinyong.dueprocess.profiles.signals import profiles_load_after_migrate

        post_migrate.connect(
            profiles_load_after_migrate, sender=self, dispatch_uid="profiles_load_after_migrate"
        )
        post_migrate.connect(
            commitment_templates_load_after_migrate,
            sender=self,
            dispatch_uid="commitment_templates_load_after_migrate",
        )
