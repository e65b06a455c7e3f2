from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "aftersales.access"
    label = "access"
