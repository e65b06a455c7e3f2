from django.apps import AppConfig


class PartsReportsConfig(AppConfig):
    name = "aftersales.partsreports"
    label = "partsreports"
    verbose_name = "parts reports"

    def ready(self) -> None:
        from aftersales.partsreports import tasks  # noqa: F401  (registers periodic jobs)
