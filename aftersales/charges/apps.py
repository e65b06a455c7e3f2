from django.apps import AppConfig


class ChargesConfig(AppConfig):
    name = "aftersales.charges"
    label = "charges"
    verbose_name = "charges"
