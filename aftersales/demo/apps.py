from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "aftersales.demo"
    label = "demo"
