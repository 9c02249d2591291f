from django.apps import AppConfig


class JrpConfig(AppConfig):
    name = "xinyong.jrp"
    label = "jrp"
    verbose_name = "联合奖惩"
