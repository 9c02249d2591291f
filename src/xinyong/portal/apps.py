from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "xinyong.portal"
    verbose_name = "信用网站"
