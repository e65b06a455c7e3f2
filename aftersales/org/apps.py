from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "aftersales.org"
    label = "org"

    def ready(self) -> None:
        from aftersales.org import tasks  # noqa: F401  (registers periodic jobs)
