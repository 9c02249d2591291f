from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "xinyong.accounts"
    label = "accounts"
    verbose_name = "账户与审计"

    def ready(self) -> None:
        from xinyong.accounts import checks, signals  # noqa: F401  (registers checks and receivers)
