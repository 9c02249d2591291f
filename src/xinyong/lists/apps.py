from django.apps import AppConfig


class ListsConfig(AppConfig):
    name = "xinyong.lists"
    label = "lists"
    verbose_name = "红黑名单"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        # Imported in ready(): the handler uses the models, which are not loaded yet when this module is imported.
        from xinyong.lists.signals import list_types_load_after_migrate

        post_migrate.connect(
            list_types_load_after_migrate, sender=self, dispatch_uid="list_types_load_after_migrate"
        )
