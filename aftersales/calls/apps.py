from django.apps import AppConfig


class CallsConfig(AppConfig):
    name = "aftersales.calls"
    label = "calls"
    verbose_name = "service calls"
