from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "xinyong.catalog"
    label = "catalog"
    verbose_name = "信用信息目录"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        # Imported in ready(): the handler uses the models, which are not loaded yet when this module is imported.
        from xinyong.catalog.signals import catalog_load_after_migrate

        post_migrate.connect(
            catalog_load_after_migrate, sender=self, dispatch_uid="catalog_load_after_migrate"
        )
