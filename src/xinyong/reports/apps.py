from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "xinyong.reports"
    verbose_name = "信用报告"

    def ready(self) -> None:
        from xinyong.reports import checks  # noqa: F401 - registers the system check
