from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "xinyong.records"
    label = "records"
    verbose_name = "信用记录"

    def ready(self) -> None:
        # Natural persons are visible through the records a principal may read; subjects sit below records,
        # so the rule is installed into subjects here. Imported in ready(): models are loaded only now.
        from xinyong.records.selectors import persons_visible
        from xinyong.subjects.permissions import person_visibility_register

        person_visibility_register(rule=persons_visible)
