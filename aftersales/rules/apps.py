from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _seed(sender: AppConfig, **kwargs: Any) -> None:
    from aftersales.rules.services import seed_default_rules

    if kwargs.get("using", "default") == "default":
        seed_default_rules()


class RulesConfig(AppConfig):
    name = "aftersales.rules"
    label = "rules"
    verbose_name = "rules"

    def ready(self) -> None:
        post_migrate.connect(_seed, sender=self)
