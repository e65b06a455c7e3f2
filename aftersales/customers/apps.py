from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "aftersales.customers"
    label = "customers"
