from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "aftersales.audit"
    label = "audit"
