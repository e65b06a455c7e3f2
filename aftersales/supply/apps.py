from django.apps import AppConfig


class SupplyConfig(AppConfig):
    name = "aftersales.supply"
    label = "supply"
    verbose_name = "supply"

    def ready(self) -> None:
        from aftersales.supply import tasks  # noqa: F401  (registers the close-out job)
