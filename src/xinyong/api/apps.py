from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "xinyong.api"
    label = "api"
    verbose_name = "接口"
