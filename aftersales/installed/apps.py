from django.apps import AppConfig


class InstalledConfig(AppConfig):
    name = "aftersales.installed"
    label = "installed"
    verbose_name = "installed base"
