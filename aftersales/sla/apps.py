from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _seed(sender: AppConfig, **kwargs: Any) -> None:
    """Default clock policies and the official calendar are data every database must have.

    Run after ``migrate`` and after the test runner's ``flush`` alike; idempotent.
    """
    from aftersales.sla.calendar_admin import seed_calendar_from_package
    from aftersales.sla.policies import seed_default_policies

    using = kwargs.get("using", "default")
    if using != "default":
        return
    seed_default_policies()
    seed_calendar_from_package()


class SlaConfig(AppConfig):
    name = "aftersales.sla"
    label = "sla"
    verbose_name = "SLA"

    def ready(self) -> None:
        from aftersales.sla import tasks  # noqa: F401  (registers periodic jobs)

        post_migrate.connect(_seed, sender=self)
