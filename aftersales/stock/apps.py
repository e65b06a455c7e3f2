from django.apps import AppConfig


class StockConfig(AppConfig):
    name = "aftersales.stock"
    label = "stock"
    verbose_name = "stock"
