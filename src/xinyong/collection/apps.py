from django.apps import AppConfig


class CollectionConfig(AppConfig):
    name = "xinyong.collection"
    label = "collection"
    verbose_name = "数据归集"
