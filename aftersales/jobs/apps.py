from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "aftersales.jobs"
    label = "jobs"
