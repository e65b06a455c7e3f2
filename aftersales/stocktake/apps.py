from django.apps import AppConfig


class StocktakeConfig(AppConfig):
    name = "aftersales.stocktake"
    label = "stocktake"
    verbose_name = "stocktake"
