from django.apps import AppConfig


class InstalledConfig(AppConfig):
    name = "aftersales.installed"
    label = "installed"
    verbose_name = "installed base"

    def ready(self) -> None:
        from aftersales.installed import tasks  # noqa: F401  (registers periodic jobs)
