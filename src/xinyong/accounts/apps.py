from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "xinyong.accounts"
    label = "accounts"
    verbose_name = "账户与审计"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        # Imported in ready(): they use the models, which are not loaded yet when this module is imported.
        from xinyong.accounts import checks, signals  # noqa: F401  (registers checks and receivers)

        post_migrate.connect(
            signals.audit_genesis_after_migrate, sender=self, dispatch_uid="accounts_audit_genesis"
        )
