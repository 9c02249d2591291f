from django.apps import AppConfig


class JrpConfig(AppConfig):
    name = "xinyong.jrp"
    label = "jrp"
    verbose_name = "联合奖惩"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        # Imported in ready(): the handler uses the models, which are not loaded yet when this module is imported.
        from xinyong.jrp.measures.signals import measures_load_after_migrate

        post_migrate.connect(
            measures_load_after_migrate, sender=self, dispatch_uid="jrp_measures_load_after_migrate"
        )
